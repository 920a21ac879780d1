package io.kmqtt.gateway.wire;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;

/**
 * The User Name and Password of a CONNECT, each as sent, or null when its flag was not set. Vert.x's
 * {@code MqttEndpoint.auth()} gives them only when both flags are set, and the password only as a
 * string, although MQTT allows a user name alone (both versions), a password alone (MQTT 5) and a
 * binary password.
 *
 * @param username the User Name, or null
 * @param password the Password bytes, or null
 */
public record ConnectCredentials(String username, byte[] password) {

    public static final ConnectCredentials NONE = new ConnectCredentials(null, null);

    /**
     * Takes the credentials from the decoded CONNECT, then leaves the pipeline. Vert.x is given the
     * CONNECT without its password: it would keep it as a string for the connection's life, which
     * is memory every idle connection pays for (issue #17), and the gateway reads it from here.
     */
    static final class Capture extends ChannelInboundHandlerAdapter {

        private ConnectCredentials credentials = NONE;

        /** The credentials, once: whoever holds this handler should not keep a password. */
        ConnectCredentials take() {
            ConnectCredentials taken = credentials;
            credentials = NONE;
            return taken;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof MqttConnectMessage connect && connect.decoderResult().isSuccess()) {
                credentials = new ConnectCredentials(connect.variableHeader().hasUserName() ? connect.payload().userName() : null,
                        connect.variableHeader().hasPassword() ? connect.payload().passwordInBytes() : null);
                ctx.pipeline().remove(this);
                ctx.fireChannelRead(withoutPassword(connect));
                return;
            }
            ctx.fireChannelRead(msg);
        }

        private static MqttConnectMessage withoutPassword(MqttConnectMessage connect) {
            MqttConnectPayload p = connect.payload();
            if (p.passwordInBytes() == null) {
                return connect;
            }
            return new MqttConnectMessage(connect.fixedHeader(), connect.variableHeader(), new MqttConnectPayload(
                    p.clientIdentifier(), p.willProperties(), p.willTopic(), p.willMessageInBytes(), p.userName(), null));
        }
    }
}
