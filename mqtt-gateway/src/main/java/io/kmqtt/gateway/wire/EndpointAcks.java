package io.kmqtt.gateway.wire;

import io.kmqtt.gateway.inbound.InboundFlow;
import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubRecReasonCode;

/** The inbound flow's acknowledgements, written through Vert.x's endpoint; its reads paused on the Netty channel. */
public final class EndpointAcks implements InboundFlow.Acks {

    private final MqttEndpoint endpoint;
    private final Channel channel;

    public EndpointAcks(MqttEndpoint endpoint, Channel channel) {
        this.endpoint = endpoint;
        this.channel = channel;
    }

    @Override
    public void send(int packetId, int qos, Integer reason) {
        boolean v5 = endpoint.protocolVersion() == 5;
        if (qos == 1) {
            if (v5 && reason != null) {
                endpoint.publishAcknowledge(packetId, MqttPubAckReasonCode.valueOf(reason.byteValue()),
                        MqttProperties.NO_PROPERTIES);
            } else {
                endpoint.publishAcknowledge(packetId);
            }
        } else if (v5 && reason != null) {
            endpoint.publishReceived(packetId, MqttPubRecReasonCode.valueOf(reason.byteValue()), MqttProperties.NO_PROPERTIES);
        } else {
            endpoint.publishReceived(packetId);
        }
    }

    @Override
    public boolean isOpen() {
        return endpoint.isConnected() && channel.isActive()
                && !(channel instanceof DuplexChannel duplex && duplex.isOutputShutdown());
    }

    @Override
    public void pauseReading(boolean pause) {
        channel.config().setAutoRead(!pause);
    }
}
