package io.kmqtt.bench;

import io.kmqtt.gateway.wire.PacketChecker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * What the gateway's {@link PacketChecker} adds to every packet a client sends, on the hot path: a
 * steady stream of QoS 1 PUBLISHes after CONNECT, each read pushed through an {@link EmbeddedChannel}
 * holding only the checker ({@code checked}), against the same read through one holding a handler
 * that only passes it on ({@code baseline}). The difference is the checker's own work; the rest
 * (the channel, the duplicate of the read buffer, reading and releasing what comes out) is in both.
 * <ul>
 *   <li>{@code publish311}: an MQTT 3.1.1 PUBLISH with a 64-byte payload (the checker frames it and
 *       looks at its type only);</li>
 *   <li>{@code publish5}: an MQTT 5 PUBLISH with a 64-byte payload and three properties (Message
 *       Expiry Interval, Content Type, one User Property), each checked for being allowed and unique;</li>
 *   <li>{@code publish5Batch16}: 16 such PUBLISHes in one read (one operation is 16 packets).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class PacketCheckerBenchmark {

    @Param({"publish311", "publish5", "publish5Batch16"})
    String read;

    private EmbeddedChannel checked;
    private EmbeddedChannel baseline;
    /** One read's bytes; each invocation pushes a retained duplicate of it, which the reader releases. */
    private ByteBuf bytes;

    @Setup(Level.Trial)
    public void setUp() {
        int level = read.equals("publish311") ? 4 : 5;
        bytes = Unpooled.wrappedBuffer(switch (read) {
            case "publish311" -> publish311(1);
            case "publish5" -> publish5(1);
            case "publish5Batch16" -> {
                ByteArrayOutputStream batch = new ByteArrayOutputStream();
                for (int i = 1; i <= 16; i++) {
                    batch.writeBytes(publish5(i));
                }
                yield batch.toByteArray();
            }
            default -> throw new IllegalArgumentException(read);
        });
        checked = new EmbeddedChannel(new PacketChecker(268_435_455));
        baseline = new EmbeddedChannel(new PassOn());
        for (EmbeddedChannel channel : new EmbeddedChannel[]{checked, baseline}) {
            channel.writeInbound(Unpooled.wrappedBuffer(connect(level)));
            drain(channel);
            // The checker must pass the reads on, not refuse them.
            channel.writeInbound(bytes.retainedDuplicate());
            if (drain(channel) != bytes.readableBytes()) {
                throw new IllegalStateException("the read did not pass " + channel.pipeline().names());
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        checked.finishAndReleaseAll();
        baseline.finishAndReleaseAll();
        bytes.release();
    }

    @Benchmark
    public int checked() {
        checked.writeInbound(bytes.retainedDuplicate());
        return drain(checked);
    }

    @Benchmark
    public int baseline() {
        baseline.writeInbound(bytes.retainedDuplicate());
        return drain(baseline);
    }

    /** Reads and releases what came out: the number of bytes. */
    private static int drain(EmbeddedChannel channel) {
        int n = 0;
        for (ByteBuf buf; (buf = channel.readInbound()) != null; ) {
            n += buf.readableBytes();
            buf.release();
        }
        return n;
    }

    /** A handler that is one hop in the pipeline, as the checker is, and does nothing else. */
    @ChannelHandler.Sharable
    private static final class PassOn extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            // Overridden: the adapter's own channelRead is marked @Skip, and Netty would skip the handler.
            ctx.fireChannelRead(msg);
        }
    }

    // ---- packets ---------------------------------------------------------------------------------

    private static final String TOPIC = "topic/device_user4711/t_7";

    private static byte[] connect(int level) {
        Packet body = new Packet().string("MQTT").bytes(level, 0x02).u16(60);
        if (level == 5) {
            body.bytes(0); // no properties
        }
        return body.string("device_user4711").packet(0x10);
    }

    private static byte[] publish311(int packetId) {
        return new Packet().string(TOPIC).u16(packetId).raw(new byte[64]).packet(0x32);
    }

    private static byte[] publish5(int packetId) {
        byte[] properties = new Packet()
                .bytes(0x02).u16(0).u16(3600) // Message Expiry Interval
                .bytes(0x03).string("application/json") // Content Type
                .bytes(0x26).string("trace-id").string("4bf92f3577b34da6a3ce929d0e0e4736") // User Property
                .toByteArray();
        return new Packet().string(TOPIC).u16(packetId).varInt(properties.length).raw(properties)
                .raw(new byte[64]).packet(0x32);
    }

    private static final class Packet extends ByteArrayOutputStream {
        Packet bytes(int... values) {
            for (int value : values) {
                write(value);
            }
            return this;
        }

        Packet u16(int value) {
            return bytes(value >>> 8 & 0xFF, value & 0xFF);
        }

        Packet string(String value) {
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            return u16(utf8.length).raw(utf8);
        }

        Packet varInt(int value) {
            do {
                int digit = value & 0x7F;
                value >>>= 7;
                write(value > 0 ? digit | 0x80 : digit);
            } while (value > 0);
            return this;
        }

        Packet raw(byte[] value) {
            writeBytes(value);
            return this;
        }

        /** This as the body of a packet with the given first byte. */
        byte[] packet(int header) {
            return new Packet().bytes(header).varInt(size()).raw(toByteArray()).toByteArray();
        }
    }
}
