package io.kmqtt.gateway.handler;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import org.jboss.logging.Logger;

/**
 * The one way the gateway ends a connection for a reason: a consistent log line (client id,
 * address, reason), then a DISCONNECT with the reason code and string for MQTT 5 clients, or a
 * plain close for MQTT 3.1.1 clients, which have no server DISCONNECT.
 */
public final class Disconnects {

    private static final Logger LOG = Logger.getLogger(Disconnects.class);

    private Disconnects() {
    }

    public static void disconnect(MqttEndpoint endpoint, MqttDisconnectReasonCode reason, String why) {
        LOG.infof("disconnecting client '%s' from %s: %s (reason 0x%02X %s)", endpoint.clientIdentifier(),
                address(endpoint), why, reason.value() & 0xFF, reason);
        try {
            if (endpoint.protocolVersion() == 5 && endpoint.isConnected()) {
                MqttProperties props = new MqttProperties();
                props.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.REASON_STRING.value(), why));
                endpoint.disconnect(reason, props);
            }
            endpoint.close();
        } catch (IllegalStateException alreadyGone) {
            // the connection closed while we were deciding; nothing left to tell it
        }
    }

    /** The client's address, or "a closed connection" once Vert.x no longer tells it. */
    static String address(MqttEndpoint endpoint) {
        try {
            return String.valueOf(endpoint.remoteAddress());
        } catch (IllegalStateException closed) {
            return "a closed connection";
        }
    }
}
