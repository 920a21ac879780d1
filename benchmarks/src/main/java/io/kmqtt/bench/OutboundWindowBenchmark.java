package io.kmqtt.bench;

import io.kmqtt.core.message.Envelope;
import io.kmqtt.gateway.GatewayMetrics.DropReason;
import io.kmqtt.gateway.delivery.ClientConnection;
import io.kmqtt.gateway.delivery.DeliveryBudget;
import io.kmqtt.gateway.delivery.Outbound;
import io.kmqtt.gateway.delivery.OutboundWindow;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's outbound path per message and session: offer to the session's window, drain
 * (PUBLISH built and MQTT-encoded into the channel, one flush per drain), and the client's PUBACK
 * freeing the slot. {@code sessions} is the fan-out: one message offered to that many sessions.
 * The connection is a Netty EmbeddedChannel with the MQTT encoder, its event loop the calling thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class OutboundWindowBenchmark {

    private static final int BATCH = 32;

    /**
     * One client on an EmbeddedChannel: tasks wait until the "event loop" runs them (after the
     * batch, as a real loop would after the delivery thread's offers); what is written is encoded,
     * then dropped.
     */
    static final class EncodingConnection implements ClientConnection {
        final EmbeddedChannel channel = new EmbeddedChannel(MqttEncoder.INSTANCE);
        final List<Integer> packetIds = new ArrayList<>();
        final List<Runnable> tasks = new ArrayList<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        void runTasks() {
            for (int i = 0; i < tasks.size(); i++) {
                tasks.get(i).run();
            }
            tasks.clear();
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public boolean isWritable() {
            return true;
        }

        @Override
        public void whenWritable(Runnable task) {
            throw new IllegalStateException("always writable");
        }

        @Override
        public void write(MqttMessage packet) {
            if (packet instanceof MqttPublishMessage publish && publish.variableHeader().packetId() > 0) {
                packetIds.add(publish.variableHeader().packetId());
            }
            channel.write(packet);
        }

        @Override
        public void flush() {
            channel.flush();
            ByteBuf out;
            while ((out = channel.readOutbound()) != null) {
                out.release();
            }
        }

        @Override
        public boolean isMqtt5() {
            return false;
        }
    }

    private static final OutboundWindow.Events NO_EVENTS = new OutboundWindow.Events() {
        @Override
        public void delivered(Envelope message, long nowMillis) {
        }

        @Override
        public void dropped(DropReason reason, int count) {
        }
    };

    @Param({"1", "10", "100"})
    public int sessions;

    private final List<OutboundWindow> windows = new ArrayList<>();
    private final List<EncodingConnection> connections = new ArrayList<>();
    private Envelope message;
    private long offset;

    @Setup
    public void setUp() {
        DeliveryBudget budget = new DeliveryBudget(Long.MAX_VALUE);
        for (int i = 0; i < sessions; i++) {
            EncodingConnection c = new EncodingConnection();
            connections.add(c);
            windows.add(new OutboundWindow(c, NO_EVENTS, budget, BATCH, BATCH, 1_000, 100_000, 10_000, Long.MAX_VALUE, 0,
                    System::currentTimeMillis));
        }
        message = new Envelope(SeedTopics.exact(4711), new byte[64], 1, false, "user4711", "gw-1",
                System.currentTimeMillis(), 0, null);
    }

    /** A batch of 32 QoS 1 messages to every session: offered, written, acknowledged. Per message and session. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void qos1OfferDrainAcknowledge() {
        for (int m = 0; m < BATCH; m++) {
            Outbound out = new Outbound(message, 1, false, Outbound.NO_IDS, null, offset++);
            for (int s = 0; s < sessions; s++) {
                windows.get(s).offerLive(out);
            }
        }
        for (int s = 0; s < sessions; s++) {
            EncodingConnection c = connections.get(s);
            OutboundWindow w = windows.get(s);
            c.runTasks();
            List<Integer> sent = List.copyOf(c.packetIds);
            c.packetIds.clear();
            for (int id : sent) {
                w.onPubAck(id);
            }
        }
    }
}
