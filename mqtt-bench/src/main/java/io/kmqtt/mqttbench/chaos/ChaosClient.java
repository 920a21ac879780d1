package io.kmqtt.mqttbench.chaos;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One MQTT 3.1.1 client that stays connected whatever happens to the broker: when its connection
 * drops, is refused, or reads nothing for the stall timeout, it connects again (to the next
 * endpoint) after a back-off, and tells the {@link Workload} how long that took. Everything a
 * client does runs on its own event loop, so its state needs no locks.
 */
abstract class ChaosClient {

    private static final int KEEP_ALIVE_SECONDS = 10;
    private static final long PING_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final MqttMessage PINGREQ = new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ, false,
            MqttQoS.AT_MOST_ONCE, false, 0));

    final String clientId;
    final WorkloadSettings settings;
    final Workload workload;
    final EventLoop loop;
    private final Bootstrap bootstrap;
    private int endpointIndex;
    private volatile Endpoint endpoint;

    private Channel channel;            // the current connection, or null between attempts
    private boolean connecting;         // a TCP connect is under way
    private boolean connected;          // CONNACK accepted on the current connection
    private long attemptStartedNanos;
    private long lastReadNanos;
    private long lastPingNanos;
    private long backoffMillis;
    /** When the connection was lost, until CONNACK on a new one; -1 while none was lost. */
    private long lostAtNanos = -1;
    private int lostInRow;
    /** A close this client asked for, after which it connects again at once and counts nothing. */
    private boolean closeToReconnect;
    private boolean stopped;
    private CompletableFuture<Void> stoppedFuture;
    private ScheduledFuture<?> ticker;

    ChaosClient(String clientId, WorkloadSettings settings, Workload workload, EventLoop loop, int firstEndpoint) {
        this.clientId = clientId;
        this.settings = settings;
        this.workload = workload;
        this.loop = loop;
        this.endpointIndex = firstEndpoint;
        this.bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new MqttDecoder(1 << 20), MqttEncoder.INSTANCE, new Handler(ch));
                    }
                });
    }

    /** Whether the next CONNECT asks for a clean session. */
    abstract boolean cleanSession();

    /** CONNACK accepted. */
    abstract void onConnected(Channel ch, boolean sessionPresent);

    abstract void onPublish(Channel ch, MqttPublishMessage publish);

    abstract void onPubAck(int packetId);

    abstract void onSubAck(Channel ch, MqttSubAckMessage ack);

    /** The connection is gone (after CONNACK); called before reconnecting. */
    abstract void onConnectionLost();

    /** The gateway (endpoint name) this client's current or last connection went to. */
    Endpoint endpoint() {
        return endpoint;
    }

    void start() {
        loop.execute(() -> {
            ticker = loop.scheduleAtFixedRate(this::tick, 250, 250, TimeUnit.MILLISECONDS);
            connect();
        });
    }

    boolean isConnected() {
        return connected;
    }

    /** On the loop: closes the current connection and connects again at once (not counted as a reconnect). */
    void reconnectNow() {
        closeToReconnect = true;
        if (channel != null) {
            disconnect(channel);
        } else {
            connect();
        }
    }

    /** Disconnects (DISCONNECT, then close) and stays disconnected. */
    CompletableFuture<Void> stop() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            stopped = true;
            stoppedFuture = done;
            if (ticker != null) {
                ticker.cancel(false);
            }
            if (channel != null) {
                disconnect(channel);
            } else {
                done.complete(null);
            }
        });
        return done;
    }

    private void disconnect(Channel ch) {
        ch.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE,
                false, 0))).addListener(f -> ch.close());
    }

    private void connect() {
        if (stopped || connecting || channel != null) {
            return;
        }
        connecting = true;
        List<Endpoint> endpoints = settings.endpoints();
        Endpoint target = endpoints.get(Math.floorMod(endpointIndex, endpoints.size()));
        attemptStartedNanos = System.nanoTime();
        bootstrap.connect(target.host(), target.port()).addListener(f -> {
            connecting = false;
            if (!f.isSuccess()) {
                retryLater();
            }
        });
        endpoint = target;
    }

    private void retryLater() {
        if (stopped) {
            return;
        }
        endpointIndex++;
        long delay = backoffMillis == 0 ? settings.backoffMin().toMillis() : backoffMillis;
        backoffMillis = Math.min(settings.backoffMax().toMillis(), delay * 2);
        loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    /** Every 250 ms: a ping every second, and a connection that reads nothing for the stall timeout is dropped. */
    private void tick() {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (!connected) {
            if (now - attemptStartedNanos > settings.connectTimeout().toNanos()) {
                workload.failedConnect(this, "no CONNACK within " + settings.connectTimeout().toMillis() + " ms");
                ch.close();
            }
            return;
        }
        if (now - lastReadNanos > settings.stallTimeout().toNanos()) {
            workload.stalled(this);
            ch.close();
            return;
        }
        if (now - lastPingNanos >= PING_EVERY_NANOS) {
            lastPingNanos = now;
            ch.writeAndFlush(PINGREQ);
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<MqttMessage> {

        private final Channel ch;

        Handler(Channel ch) {
            this.ch = ch;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connecting = false;
            channel = ch;
            connected = false;
            lastReadNanos = System.nanoTime();
            var connect = MqttMessageBuilders.connect().clientId(clientId).protocolVersion(MqttVersion.MQTT_3_1_1)
                    .cleanSession(cleanSession()).keepAlive(KEEP_ALIVE_SECONDS);
            if (settings.username() != null) {
                connect.hasUser(true).username(settings.username());
            }
            if (settings.password() != null) {
                connect.hasPassword(true).password(settings.password().getBytes(StandardCharsets.UTF_8));
            }
            ctx.writeAndFlush(connect.build());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
            if (ch != channel) {
                return;
            }
            lastReadNanos = System.nanoTime();
            if (msg.decoderResult().isFailure()) {
                workload.failedConnect(ChaosClient.this, "malformed packet from the broker: " + msg.decoderResult().cause());
                ctx.close();
                return;
            }
            switch (msg.fixedHeader().messageType()) {
                case CONNACK -> onConnAck(ctx, (MqttConnAckMessage) msg);
                case PUBLISH -> onPublish(ch, (MqttPublishMessage) msg);
                case PUBACK -> onPubAck(((MqttMessageIdVariableHeader) msg.variableHeader()).messageId());
                case SUBACK -> onSubAck(ch, (MqttSubAckMessage) msg);
                default -> { } // PINGRESP
            }
        }

        private void onConnAck(ChannelHandlerContext ctx, MqttConnAckMessage ack) {
            MqttConnectReturnCode code = ack.variableHeader().connectReturnCode();
            if (code != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                workload.failedConnect(ChaosClient.this, "CONNACK " + code);
                ctx.close();
                return;
            }
            long now = System.nanoTime();
            connected = true;
            backoffMillis = 0;
            lastPingNanos = now;
            boolean sessionPresent = ack.variableHeader().isSessionPresent();
            if (lostAtNanos >= 0) {
                workload.reconnected(ChaosClient.this, lostInRow, now - lostAtNanos, sessionPresent);
                lostAtNanos = -1;
            }
            onConnected(ch, sessionPresent);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ch != channel) {
                return;
            }
            boolean wasConnected = connected;
            connected = false;
            channel = null;
            if (wasConnected) {
                onConnectionLost();
            }
            if (stopped) {
                if (stoppedFuture != null) {
                    stoppedFuture.complete(null);
                }
                return;
            }
            if (closeToReconnect) {
                closeToReconnect = false;
                connect();
                return;
            }
            if (wasConnected && lostAtNanos < 0) {
                lostAtNanos = System.nanoTime();
                lostInRow = workload.currentRowIndex();
            }
            retryLater();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // an I/O error: channelInactive reconnects
        }
    }
}
