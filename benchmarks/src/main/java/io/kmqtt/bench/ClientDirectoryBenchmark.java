package io.kmqtt.bench;

import io.kmqtt.admin.state.ClientDirectory;
import io.kmqtt.admin.state.NodeDirectory;
import io.kmqtt.admin.state.Page;
import io.kmqtt.core.state.ClientRecord;
import io.kmqtt.core.state.NodeRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The admin API's clients view at a million clients (4 gateways, one subscription each): what a
 * listing request costs (a page, with meta.count over every match), a prefix listing, a lookup, and
 * absorbing one presence update from the clients table.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgs = {"-Xms3g", "-Xmx3g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class ClientDirectoryBenchmark {

    @Param({"1000000"})
    int clients;

    private ClientDirectory directory;
    private final ClientDirectory.Query all = new ClientDirectory.Query(null, null, null, null);
    private final ClientDirectory.Query prefix = new ClientDirectory.Query(null, "device-05", null, null);

    @Setup
    public void build() {
        long now = System.currentTimeMillis();
        NodeDirectory nodes = new NodeDirectory(Long.MAX_VALUE / 2);
        for (int g = 0; g < 4; g++) {
            NodeRecord n = new NodeRecord("gw-" + g, "gateway", "run", "", now, now, false, Map.of());
            nodes.onPut(n.key(), n.encode());
        }
        nodes.onCaughtUp();
        directory = new ClientDirectory(nodes);
        for (int i = 0; i < clients; i++) {
            ClientRecord r = record(i, now);
            directory.onPut(r.key(), r.encode());
        }
        directory.onCaughtUp();
    }

    private static ClientRecord record(int i, long now) {
        String id = String.format("device-%07d", i);
        return new ClientRecord(id, "user" + i, "gw-" + (i % 4), "run", "10.0.0.1:40000", 4, 60, true, 0, now, 0,
                List.of(ClientRecord.Subscription.of("topic/device_user" + i + "/t_2", 1, false, false, 0)));
    }

    @Benchmark
    public Page<ClientDirectory.Client> listFirstPage() {
        return directory.list(all, 1, 100);
    }

    @Benchmark
    public Page<ClientDirectory.Client> listPage1000() {
        return directory.list(all, 1000, 100);
    }

    @Benchmark
    public Page<ClientDirectory.Client> listByClientIdPrefix() {
        return directory.list(prefix, 1, 100);
    }

    @Benchmark
    public Object findOne() {
        return directory.find(String.format("device-%07d", ThreadLocalRandom.current().nextInt(clients)));
    }

    @Benchmark
    public int presenceUpdate() {
        ClientRecord r = record(ThreadLocalRandom.current().nextInt(clients), System.currentTimeMillis());
        directory.onPut(r.key(), r.encode());
        return directory.size();
    }
}
