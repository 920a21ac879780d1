package io.kmqtt.gateway.session;

import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubRecReasonCode;
import io.netty.handler.codec.mqtt.MqttProperties;

import java.util.ArrayDeque;

/**
 * Acknowledges a client's QoS 1 and 2 publishes in the order they were received (MQTT-4.6.0-2 and
 * -3), although the bus may confirm them out of order: publishes to topics in different shards are
 * confirmed by different Kafka partitions. Event loop only.
 */
public final class OrderedAcks {

    private static final class Pending {
        final int packetId;
        final int qos;
        boolean done;
        MqttPubAckReasonCode failure;

        Pending(int packetId, int qos) {
            this.packetId = packetId;
            this.qos = qos;
        }
    }

    private final MqttEndpoint endpoint;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private int pendingQos1;

    OrderedAcks(MqttEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** Reserves the ack's place in line; returns a handle to complete later. */
    public Object expect(int packetId, int qos) {
        Pending p = new Pending(packetId, qos);
        pending.addLast(p);
        if (qos == 1) {
            pendingQos1++;
        }
        return p;
    }

    /** The publish was accepted (failure == null) or refused with an MQTT 5 reason; sends what is ready. */
    public void complete(Object handle, MqttPubAckReasonCode failure) {
        Pending p = (Pending) handle;
        p.done = true;
        p.failure = failure;
        while (!pending.isEmpty() && pending.peekFirst().done) {
            send(pending.pollFirst());
        }
    }

    /** QoS 1 PUBLISHes of the client not yet acknowledged. */
    public int pendingQos1() {
        return pendingQos1;
    }

    private void send(Pending p) {
        if (p.qos == 1) {
            pendingQos1--;
        }
        if (!endpoint.isConnected()) {
            // The connection ended while the bus confirmed (say, the gateway's DISCONNECT 0x93 for one
            // PUBLISH too many): nothing is written to it. Writing threw, and each throw was logged as an ERROR.
            return;
        }
        boolean v5 = endpoint.protocolVersion() == 5;
        if (p.qos == 1) {
            if (v5 && p.failure != null) {
                endpoint.publishAcknowledge(p.packetId, p.failure, MqttProperties.NO_PROPERTIES);
            } else {
                endpoint.publishAcknowledge(p.packetId);
            }
        } else if (v5 && p.failure != null) {
            endpoint.publishReceived(p.packetId, MqttPubRecReasonCode.valueOf(p.failure.value()),
                    MqttProperties.NO_PROPERTIES);
        } else {
            endpoint.publishReceived(p.packetId);
        }
    }
}
