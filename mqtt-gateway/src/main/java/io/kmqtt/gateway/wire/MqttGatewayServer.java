package io.kmqtt.gateway.wire;

import io.kmqtt.gateway.ConnectionLimit;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandshaker;
import io.netty.handler.codec.http.websocketx.extensions.compression.DeflateFrameServerExtensionHandshaker;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetSocketInternal;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.impl.MqttServerConnection;
import io.vertx.mqtt.impl.MqttServerConnectionAccess;

import java.util.ArrayList;
import java.util.List;

/**
 * One MQTT listener (TCP, TLS or WebSocket). It does what Vert.x's {@code MqttServerImpl} does and
 * hands each connection to Vert.x's {@code MqttServerConnection}, so the gateway keeps Vert.x's
 * {@link MqttEndpoint} API, but it builds the Netty pipeline itself, in order to:
 * <ul>
 *   <li>check every packet with a {@link PacketChecker} before the decoder;</li>
 *   <li>give the gateway the CONNECT's {@link ConnectCredentials} as sent;</li>
 *   <li>time a connection out at exactly 1.5 times its keep alive ({@link KeepAlive}), where Vert.x
 *       rounds up to whole seconds, and let the gateway shorten it to a Server Keep Alive;</li>
 *   <li>close a connection whose bytes fail before CONNECT, after telling {@code errors};</li>
 *   <li>after the gateway's DISCONNECT, half-close and drain for a moment instead of closing
 *       ({@link LingeringClose}), so that a client still writing reads it.</li>
 * </ul>
 * Pipeline, in order: [TLS,] flush consolidation, [HTTP codec, WebSocket handlers,] MQTT encoder, lingering close, packet
 * checker, MQTT decoder, credentials capture (until CONNECT), the connect timeout (then the
 * keep-alive timer), then Vert.x's handler.
 */
public final class MqttGatewayServer {

    /** What the gateway does with a connection whose CONNECT was decoded. */
    @FunctionalInterface
    public interface ConnectionHandler {
        /**
         * @param keepAlive the connection's keep-alive timer, already set from the client's Keep Alive
         * @param channel   the connection's Netty channel, which the outbound flow writes to directly
         * @param acceptedNanos when the TCP connection was accepted (System.nanoTime())
         */
        void connected(MqttEndpoint endpoint, ConnectCredentials credentials, KeepAlive keepAlive, Channel channel,
                       long acceptedNanos);
    }

    private final NetServer server;
    private final MqttServerOptions options;
    private final ConnectionHandler handler;
    private final Handler<Throwable> errors;
    private final ConnectionLimit limit;

    /**
     * @param limit  how many TCP connections it keeps open: one beyond is closed at once
     * @param errors told of a connection that fails before its CONNECT was accepted; the
     *               connection is then closed
     */
    public MqttGatewayServer(Vertx vertx, MqttServerOptions options, ConnectionLimit limit, ConnectionHandler handler,
                             Handler<Throwable> errors) {
        this.options = options;
        this.limit = limit;
        this.handler = handler;
        this.errors = errors;
        this.server = vertx.createNetServer(options).connectHandler(this::connected);
    }

    public Future<Void> listen() {
        return server.listen(options.getPort(), options.getHost()).mapEmpty();
    }

    public int actualPort() {
        return server.actualPort();
    }

    public Future<Void> close() {
        return server.close();
    }

    private void connected(NetSocket socket) {
        long accepted = System.nanoTime();
        NetSocketInternal soi = (NetSocketInternal) socket;
        ChannelPipeline pipeline = soi.channelHandlerContext().pipeline();
        if (!limit.tryOpen()) {
            pipeline.channel().close(); // before it costs more than its file descriptor
            return;
        }
        pipeline.channel().closeFuture().addListener(closed -> limit.closed());
        ConnectCredentials.Capture credentials = new ConnectCredentials.Capture();
        initChannel(pipeline, credentials);
        KeepAlive keepAlive = new KeepAlive(pipeline);
        MqttServerConnection connection = new MqttServerConnection(soi, endpoint -> {
            keepAlive.enforce(endpoint.keepAliveTimeSeconds());
            handler.connected(endpoint, credentials.take(), keepAlive, pipeline.channel(), accepted);
        }, errors, options);
        // Until CONNECT is handled (Vert.x then sets its own): a broken first packet ends the connection.
        soi.exceptionHandler(error -> {
            errors.handle(error);
            soi.close();
        });
        soi.eventHandler(event -> {
            if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete handshake) {
                MqttServerConnectionAccess.handleHandshakeComplete(connection, handshake);
            }
            ReferenceCountUtil.release(event);
        });
        soi.messageHandler(message -> {
            try {
                MqttServerConnectionAccess.handleMessage(connection, message);
            } catch (IllegalStateException closed) {
                // Vert.x throws for a packet on a connection that is closing already: one that came with
                // a CONNECT Vert.x refused itself (an empty client id with clean session 0, MQTT-3.1.3-8),
                // or a DISCONNECT the gateway answered by closing (a Protocol Error in its properties).
                soi.close();
            }
        });
    }

    private void initChannel(ChannelPipeline pipeline, ConnectCredentials.Capture credentials) {
        // Flushes outside a read (acknowledgements completed by the bus, deliveries written by the
        // sessions' drains) are folded into one per event-loop turn: a syscall per batch, not per packet.
        pipeline.addBefore("handler", "flushConsolidation", new FlushConsolidationHandler(256, true));
        pipeline.addBefore("handler", "mqttEncoder", MqttEncoder.INSTANCE);
        pipeline.addBefore("handler", "lingeringClose", new LingeringClose());
        pipeline.addBefore("handler", "packetChecker", new PacketChecker(options.getMaxMessageSize()));
        pipeline.addBefore("handler", "mqttDecoder", new MqttDecoder(options.getMaxMessageSize(), options.getMaxClientIdLength()));
        pipeline.addBefore("handler", "connectCredentials", credentials);
        // Vert.x removes these two once CONNECT arrives and adds its keep alive timer under the same name.
        pipeline.addBefore("handler", "idle", new IdleStateHandler(options.timeoutOnConnect(), 0, 0));
        pipeline.addBefore("handler", "timeoutOnConnect", new ChannelDuplexHandler() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
                if (event instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE) {
                    ctx.channel().close(); // no CONNECT within mqtt.connect-timeout
                }
                super.userEventTriggered(ctx, event);
            }
        });
        if (options.isUseWebSocket()) {
            addWebSocket(pipeline);
        }
    }

    private void addWebSocket(ChannelPipeline pipeline) {
        int maxFrameSize = options.getWebSocketMaxFrameSize();
        pipeline.addBefore("mqttEncoder", "httpServerCodec", new HttpServerCodec());
        pipeline.addAfter("httpServerCodec", "aggregator", new HttpObjectAggregator(maxFrameSize));
        String last = "aggregator";
        List<WebSocketServerExtensionHandshaker> extensions = extensionHandshakers();
        if (!extensions.isEmpty()) {
            pipeline.addAfter(last, "webSocketExtensionHandler",
                    new WebSocketServerExtensionHandler(extensions.toArray(new WebSocketServerExtensionHandshaker[0])));
            last = "webSocketExtensionHandler";
        }
        pipeline.addAfter(last, "webSocketHandler", new WebSocketServerProtocolHandler("/mqtt",
                MqttServerOptions.MQTT_SUBPROTOCOL_CSV_LIST, !extensions.isEmpty(), maxFrameSize, 10_000L));
        pipeline.addAfter("webSocketHandler", "bytebuf2wsEncoder", new ByteBufToWebSocketFrame());
        pipeline.addAfter("bytebuf2wsEncoder", "ws2bytebufDecoder", new WebSocketFrameToByteBuf());
    }

    private List<WebSocketServerExtensionHandshaker> extensionHandshakers() {
        List<WebSocketServerExtensionHandshaker> handshakers = new ArrayList<>();
        if (options.isPerFrameWebSocketCompressionSupported()) {
            handshakers.add(new DeflateFrameServerExtensionHandshaker(options.getWebSocketCompressionLevel()));
        }
        if (options.isPerMessageWebSocketCompressionSupported()) {
            handshakers.add(new PerMessageDeflateServerExtensionHandshaker(options.getWebSocketCompressionLevel(),
                    ZlibCodecFactory.isSupportingWindowSizeAndMemLevel(), PerMessageDeflateServerExtensionHandshaker.MAX_WINDOW_SIZE,
                    options.isWebSocketAllowServerNoContext(), options.isWebSocketPreferredClientNoContext()));
        }
        return handshakers;
    }

    private static final class WebSocketFrameToByteBuf extends MessageToMessageDecoder<BinaryWebSocketFrame> {
        @Override
        protected void decode(ChannelHandlerContext ctx, BinaryWebSocketFrame frame, List<Object> out) {
            out.add(frame.content().retain());
        }
    }

    private static final class ByteBufToWebSocketFrame extends MessageToMessageEncoder<ByteBuf> {
        @Override
        protected void encode(ChannelHandlerContext ctx, ByteBuf buf, List<Object> out) {
            out.add(new BinaryWebSocketFrame(buf.retain()));
        }
    }
}
