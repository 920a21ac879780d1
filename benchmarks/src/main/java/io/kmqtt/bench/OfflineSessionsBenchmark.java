package io.kmqtt.bench;

import io.kmqtt.core.bus.GatewayHeartbeat;
import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.routing.GatewayLiveness;
import io.kmqtt.core.session.InMemorySessionInbox;
import io.kmqtt.core.session.OfflineSessions;
import io.kmqtt.core.session.PendingMessage;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.InMemoryTable;
import io.kmqtt.core.state.SessionRecord;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What persistent sessions add to a router's per-message work ({@code OfflineSessions.route}),
 * with the seed's topic design (each session subscribed to {@code topic/device_user<i>/#}):
 * <ul>
 *   <li>{@code delivered}: the session's owner is alive and gets the message (the common case,
 *       nothing to queue);</li>
 *   <li>{@code queued}: the owner is dead, the message is appended to the session's queue (in
 *       memory here; Redis adds a network round trip, not measured by this benchmark);</li>
 *   <li>{@code noMatch}: the topic matches no persistent session.</li>
 * </ul>
 * And the codec of one queue entry ({@code PendingMessage}), which every queued message pays.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class OfflineSessionsBenchmark {

    @Param({"0", "100000"})
    int sessions;

    private OfflineSessions live;
    private OfflineSessions orphaned;
    private Envelope[] messages;
    private Envelope[] misses;
    private byte[] encodedEntry;
    private PendingMessage entry;
    private int cursor;
    private static final List<String> DELIVERED_TO_OWNER = List.of("gw-1");

    @Setup(Level.Trial)
    public void build() {
        GatewayLiveness liveness = new GatewayLiveness(10_000, System::currentTimeMillis);
        liveness.onHeartbeat(new GatewayHeartbeat(new GatewayRef("gw-1", "inc"), System.currentTimeMillis(), false));
        live = fill(liveness, "gw-1");
        orphaned = fill(liveness, "gw-dead");
        messages = new Envelope[4096];
        misses = new Envelope[4096];
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < messages.length; i++) {
            int user = sessions == 0 ? i : random.nextInt(sessions);
            messages[i] = Envelope.of("topic/device_user" + user + "/t_1", new byte[256], 1, false, "pub");
            misses[i] = Envelope.of("other/device_user" + user + "/t_1", new byte[256], 1, false, "pub");
        }
        entry = PendingMessage.queued(messages[0], 1, false, new int[] {7});
        encodedEntry = entry.encode();
    }

    private OfflineSessions fill(GatewayLiveness liveness, String owner) {
        InMemoryTable table = new InMemoryTable(ClusterTable.SESSIONS);
        // A bound of 16 keeps the in-memory queues small: the benchmark measures routing, not memory growth.
        OfflineSessions offline = new OfflineSessions(table, new InMemorySessionInbox(), liveness, 16,
                System::currentTimeMillis);
        table.follow(offline);
        for (int i = 0; i < sessions; i++) {
            String clientId = "device_user" + i;
            table.put(clientId, new SessionRecord(clientId, owner, "inc", true, 7200, 0,
                    Map.of("topic/device_user" + i + "/#", 1)).encode());
        }
        return offline;
    }

    private Envelope next(Envelope[] from) {
        return from[cursor++ & (from.length - 1)];
    }

    @Benchmark
    public Object delivered() {
        return live.route(next(messages), DELIVERED_TO_OWNER);
    }

    @Benchmark
    public Object queued() {
        return orphaned.route(next(messages), List.of());
    }

    @Benchmark
    public Object noMatch() {
        return live.route(next(misses), List.of());
    }

    @Benchmark
    public byte[] encodeEntry() {
        return entry.encode();
    }

    @Benchmark
    public PendingMessage decodeEntry() {
        return PendingMessage.decode(encodedEntry);
    }
}
