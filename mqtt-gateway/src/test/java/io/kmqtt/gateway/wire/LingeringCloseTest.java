package io.kmqtt.gateway.wire;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LingeringClose} on real sockets: the server end of each connection answers the first
 * bytes it reads with what the test asks (a DISCONNECT and a close, or a close alone), as the
 * gateway's {@code Disconnects} does through Vert.x; a plain socket plays the client.
 */
class LingeringCloseTest {

    private static final long LINGER_MILLIS = 300;
    /** 0xE0, length 2, reason 0x94, no properties. */
    private static final byte[] DISCONNECT_0X94 = {(byte) 0xE0, 2, (byte) 0x94, 0};

    private EventLoopGroup group;
    private Channel server;
    private volatile boolean sendDisconnect;
    /** The inactive events the handler behind {@link LingeringClose} saw, and when the channels really closed. */
    private final AtomicInteger inactive = new AtomicInteger();
    private final BlockingQueue<Long> inactiveAt = new LinkedBlockingQueue<>();
    private final BlockingQueue<Long> closedAt = new LinkedBlockingQueue<>();
    private final AtomicInteger readsAfterTheEnd = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        group = new NioEventLoopGroup(1);
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.closeFuture().addListener(f -> closedAt.add(System.nanoTime()));
                        // What the decoder records at an MQTT 5 CONNECT: the encoder writes reason codes then.
                        ch.attr(AttributeKey.<MqttVersion>valueOf("NETTY_CODEC_MQTT_VERSION")).set(MqttVersion.MQTT_5);
                        ch.pipeline().addLast(MqttEncoder.INSTANCE, new LingeringClose(LINGER_MILLIS), new Endpoint());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    @AfterEach
    void stop() throws Exception {
        server.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** Stands for Vert.x: on the first bytes, DISCONNECT (if asked) and close; counts what it sees afterwards. */
    private final class Endpoint extends ChannelInboundHandlerAdapter {
        private boolean answered;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            if (answered) {
                readsAfterTheEnd.incrementAndGet();
                return;
            }
            answered = true;
            if (sendDisconnect) {
                ctx.write(new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0),
                        new MqttReasonCodeAndPropertiesVariableHeader((byte) 0x94, MqttProperties.NO_PROPERTIES)));
            }
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(f -> ctx.close());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            inactive.incrementAndGet();
            inactiveAt.add(System.nanoTime());
        }
    }

    @Test
    void aClientStillWritingReadsTheDisconnectThenEndOfStreamAndItsWritesAreTakenForTheLingerTime() throws Exception {
        sendDisconnect = true;
        try (Socket client = connect()) {
            OutputStream out = client.getOutputStream();
            out.write(1);
            out.flush();
            byte[] got = readUntilEnd(client.getInputStream(), 5_000);
            long endOfStreamAt = System.nanoTime();
            assertThat(got).as("the DISCONNECT, then end of stream").containsExactly(DISCONNECT_0X94);
            assertThat(inactiveAt.poll(5, TimeUnit.SECONDS)).as("the close handler ran").isNotNull();
            // Still taken: the server reads and discards.
            for (int i = 0; i < 10; i++) {
                out.write(new byte[1024]);
                out.flush();
            }
            assertThat(closedAt.poll(5, TimeUnit.SECONDS)).as("really closed, at the end of the linger")
                    .isBetween(endOfStreamAt + TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS / 2),
                            endOfStreamAt + TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS + 2_000));
        }
        assertThat(inactive.get()).as("inactive events behind the lingering close").isEqualTo(1);
        assertThat(readsAfterTheEnd.get()).as("bytes passed on after the close").isZero();
    }

    @Test
    void aClientThatClosesEndsTheLingerAtOnce() throws Exception {
        sendDisconnect = true;
        long closedByClientAt;
        try (Socket client = connect()) {
            client.getOutputStream().write(1);
            assertThat(readUntilEnd(client.getInputStream(), 5_000)).containsExactly(DISCONNECT_0X94);
            closedByClientAt = System.nanoTime();
        }
        assertThat(closedAt.poll(5, TimeUnit.SECONDS)).as("really closed when the client closed")
                .isLessThan(closedByClientAt + TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS / 2));
        assertThat(inactive.get()).isEqualTo(1);
    }

    @Test
    void withoutADisconnectTheCloseIsImmediate() throws Exception {
        sendDisconnect = false;
        try (Socket client = connect()) {
            client.getOutputStream().write(1);
            assertThat(readUntilEnd(client.getInputStream(), 5_000)).isEmpty();
            Long inactiveWhen = inactiveAt.poll(5, TimeUnit.SECONDS);
            Long closedWhen = closedAt.poll(5, TimeUnit.SECONDS);
            assertThat(inactiveWhen).isNotNull();
            assertThat(closedWhen).as("closed before the close handler ran, as a plain close").isLessThanOrEqualTo(inactiveWhen);
        }
        assertThat(inactive.get()).isEqualTo(1);
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect((InetSocketAddress) server.localAddress(), 5_000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(500);
        return socket;
    }

    private static byte[] readUntilEnd(InputStream in, int timeoutMillis) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        byte[] buffer = new byte[256];
        while (System.currentTimeMillis() < deadline) {
            try {
                int n = in.read(buffer);
                if (n < 0) {
                    return got.toByteArray();
                }
                got.write(buffer, 0, n);
            } catch (SocketTimeoutException notYet) {
                // read again
            }
        }
        throw new AssertionError("no end of stream within " + timeoutMillis + " ms; read " + got.size() + " bytes");
    }
}
