package io.kmqtt.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Authenticated MQTT 3.1.1 CONNECTs per second against a running broker. Each connection sends a
 * CONNECT with a seed user (user1..userN, password 123456), reads the CONNACK, sends DISCONNECT
 * and closes; {@code concurrency} CONNECTs are in flight. The client writes raw packets on one
 * Netty event loop so that, on a shared machine, the broker rather than the client is measured.
 *
 * java -cp benchmarks/target/benchmarks.jar io.kmqtt.bench.ConnectRate HOST PORT TOTAL CONCURRENCY USERS
 */
@Command(name = "ConnectRate", showDefaultValues = true,
        description = "Authenticated MQTT 3.1.1 CONNECTs per second against a running broker: each connection sends "
                + "CONNECT as a seed user (user1..userN), reads the CONNACK, disconnects. Exit 1 if any failed.",
        footer = "Example: java -cp benchmarks/target/benchmarks.jar io.kmqtt.bench.ConnectRate 127.0.0.1 11883 100000 200 10000")
public final class ConnectRate implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    private static final byte[] DISCONNECT = {(byte) 0xE0, 0};

    @Parameters(index = "0", arity = "0..1", paramLabel = "HOST", description = "Broker host.")
    String host = "127.0.0.1";

    @Parameters(index = "1", arity = "0..1", paramLabel = "PORT", description = "Broker MQTT port.")
    int port = 1883;

    @Parameters(index = "2", arity = "0..1", paramLabel = "TOTAL", description = "CONNECTs to make.")
    int total = 20_000;

    @Parameters(index = "3", arity = "0..1", paramLabel = "CONCURRENCY", description = "CONNECTs in flight at once.")
    int concurrency = 200;

    @Parameters(index = "4", arity = "0..1", paramLabel = "USERS", description = "Seed users to cycle through (password 123456).")
    int users = 10_000;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(Cli.commandLine(new ConnectRate()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (total < 1 || concurrency < 1 || users < 1) {
            throw new IllegalArgumentException("TOTAL, CONCURRENCY and USERS must be at least 1");
        }
        Semaphore inFlight = new Semaphore(concurrency);
        AtomicLong accepted = new AtomicLong();
        ConcurrentHashMap<String, AtomicLong> failures = new ConcurrentHashMap<>();
        EventLoopGroup loop = new NioEventLoopGroup(1);
        Bootstrap bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.SO_LINGER, 0);
        long started = System.nanoTime();
        for (int i = 0; i < total; i++) {
            inFlight.acquire();
            byte[] connect = connectPacket("bench-" + i, "user" + (i % users + 1), "123456");
            bootstrap.handler(new ConnAckReader(connect, accepted, failures, inFlight))
                    .connect(host, port).addListener(f -> {
                        if (!f.isSuccess()) {
                            failures.computeIfAbsent("tcp connect", k -> new AtomicLong()).incrementAndGet();
                            inFlight.release();
                        }
                    });
        }
        inFlight.acquire(concurrency);
        double seconds = (System.nanoTime() - started) / 1e9;
        long failed = failures.values().stream().mapToLong(AtomicLong::get).sum();
        spec.commandLine().getOut().printf(Locale.ROOT, "%,d CONNECTs accepted, %,d failed %s, in %.1f s: %,.0f CONNECT/s (concurrency %d)%n",
                accepted.get(), failed, failures, seconds, accepted.get() / seconds, concurrency);
        loop.shutdownGracefully();
        return failed == 0 ? 0 : 1;
    }

    /** Sends the CONNECT when active; on the 4-byte CONNACK counts the outcome and disconnects. */
    private static final class ConnAckReader extends ChannelInboundHandlerAdapter {
        private final byte[] connect;
        private final AtomicLong accepted;
        private final ConcurrentHashMap<String, AtomicLong> failures;
        private final Semaphore inFlight;
        private final ByteBuf received = Unpooled.buffer(4);
        private boolean done;

        ConnAckReader(byte[] connect, AtomicLong accepted, ConcurrentHashMap<String, AtomicLong> failures, Semaphore inFlight) {
            this.connect = connect;
            this.accepted = accepted;
            this.failures = failures;
            this.inFlight = inFlight;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(connect));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            received.writeBytes(in, Math.min(in.readableBytes(), received.writableBytes()));
            in.release();
            if (received.readableBytes() < 4 || done) {
                return;
            }
            int returnCode = received.getByte(3);
            if (received.getByte(0) == 0x20 && returnCode == 0) {
                accepted.incrementAndGet();
                finish();
                ctx.writeAndFlush(Unpooled.wrappedBuffer(DISCONNECT)).addListener(f -> ctx.close());
            } else {
                fail("CONNACK " + returnCode);
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!done) {
                fail("closed before CONNACK");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private void fail(String kind) {
            failures.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
            finish();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            received.release();
        }

        private void finish() {
            if (!done) {
                done = true;
                inFlight.release();
            }
        }
    }

    static byte[] connectPacket(String clientId, String username, String password) {
        ByteArrayOutputStream variable = new ByteArrayOutputStream();
        writeString(variable, "MQTT");
        variable.write(4);                 // protocol level 3.1.1
        variable.write(0b1100_0010);       // username, password, clean session
        variable.write(0);
        variable.write(60);                // keep alive
        writeString(variable, clientId);
        writeString(variable, username);
        writeString(variable, password);
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(0x10);
        int remaining = variable.size();
        do {
            int digit = remaining % 128;
            remaining /= 128;
            packet.write(remaining > 0 ? digit | 0x80 : digit);
        } while (remaining > 0);
        packet.writeBytes(variable.toByteArray());
        return packet.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xFF);
        out.writeBytes(bytes);
    }
}
