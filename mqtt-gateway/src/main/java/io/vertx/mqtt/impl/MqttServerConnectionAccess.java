package io.vertx.mqtt.impl;

import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

/**
 * Opens the two package-private entry points of Vert.x's {@link MqttServerConnection} to the
 * gateway's own listener ({@code io.kmqtt.gateway.wire.MqttGatewayServer}), which builds the Netty
 * pipeline itself so that it can check packets before Vert.x sees them. Vert.x's
 * {@code MqttServerImpl} does the same calls, but builds its pipeline in a private method.
 */
public final class MqttServerConnectionAccess {

    private MqttServerConnectionAccess() {
    }

    public static void handleMessage(MqttServerConnection connection, Object message) {
        connection.handleMessage(message);
    }

    public static void handleHandshakeComplete(MqttServerConnection connection,
                                               WebSocketServerProtocolHandler.HandshakeComplete handshake) {
        connection.handleHandshakeComplete(handshake);
    }
}
