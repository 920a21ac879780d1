package io.kmqtt.bench;

import io.kmqtt.core.index.SubscriptionIndex;
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
import org.openjdk.jmh.infra.Blackhole;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Matching a published topic against an index of 1M exact filters and 10k wildcard filters, the
 * per-message work of a router (and of a gateway for its local subscribers).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class SubscriptionIndexBenchmark {

    @Param({"1000000"})
    int exactFilters;

    @Param({"10000"})
    int wildcardFilters;

    private SubscriptionIndex<String, Integer> index;
    private String[] exactTopics;
    private String[] wildcardHitTopics;
    private String[] missTopics;
    private int cursor;

    @Setup(Level.Trial)
    public void build() {
        index = SeedTopics.build(exactFilters, wildcardFilters);
        Random random = new Random(42);
        exactTopics = new String[4096];
        wildcardHitTopics = new String[4096];
        missTopics = new String[4096];
        for (int i = 0; i < exactTopics.length; i++) {
            exactTopics[i] = SeedTopics.exact(random.nextInt(exactFilters));
            // device_user<j> with j < wildcardFilters is also covered by wildcard filters
            wildcardHitTopics[i] = "topic/device_user" + random.nextInt(wildcardFilters) + "/t_1";
            missTopics[i] = "other/device_user" + random.nextInt(exactFilters) + "/t_1";
        }
    }

    @Benchmark
    public void matchExactTopic(Blackhole bh) {
        index.match(exactTopics[cursor++ & 4095], (k, v) -> bh.consume(k));
    }

    @Benchmark
    public void matchTopicAlsoCoveredByWildcards(Blackhole bh) {
        index.match(wildcardHitTopics[cursor++ & 4095], (k, v) -> bh.consume(k));
    }

    @Benchmark
    public void matchTopicWithNoSubscriber(Blackhole bh) {
        index.match(missTopics[cursor++ & 4095], (k, v) -> bh.consume(k));
    }
}
