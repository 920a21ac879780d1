package io.kmqtt.bench;

import io.kmqtt.core.bus.DeliveryListener;
import io.kmqtt.core.bus.DeliveryReader;
import io.kmqtt.core.bus.GatewayHeartbeat;
import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.HeartbeatListener;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.bus.RouteChange;
import io.kmqtt.core.bus.RouterHeartbeat;
import io.kmqtt.core.bus.ShardConsumer;
import io.kmqtt.core.bus.ShardListener;
import io.kmqtt.core.bus.ShardMessage;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.EnvelopeCodec;
import io.kmqtt.core.routing.GatewayLiveness;
import io.kmqtt.core.routing.Router;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.InMemoryTable;
import io.kmqtt.core.state.ReplicatedTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A router's work per message (`Router.onMessage`): match the shard's routes, pick the live
 * gateways, hand one delivery per gateway to the bus. The bus here does what the Kafka bus does
 * with the record value and nothing more: it forwards the message's bytes as the shard holds them
 * (the router's path since the routers stopped re-encoding), or encodes the envelope again (the
 * path before). The shard holds 100,000 seed-shaped exact routes on 4 gateways and 1,000 wildcards.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class RouterBenchmark {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    /** What the Kafka bus does with a delivery's value, without Kafka. */
    static final class ValueOnlyBus implements MessageBus {
        Blackhole sink;

        @Override
        public CompletionStage<Void> deliver(String gatewayId, ShardMessage message) {
            sink.consume(message.encoded() != null ? message.encoded() : EnvelopeCodec.encode(message.message()));
            return DONE;
        }

        @Override
        public CompletionStage<Void> deliverShared(String gatewayId, String group, String filter, ShardMessage message) {
            return deliver(gatewayId, message);
        }

        @Override
        public ReplicatedTable table(ClusterTable table) {
            return new InMemoryTable(table);
        }

        @Override public int shardCount() { return 1; }
        @Override public CompletionStage<Void> publish(Envelope message) { return DONE; }
        @Override public CompletionStage<Void> publishToShare(String g, String f, Envelope m) { return DONE; }
        @Override public CompletionStage<Void> announceRoute(RouteChange change) { return DONE; }
        @Override public CompletionStage<Void> heartbeat(GatewayHeartbeat heartbeat) { return DONE; }
        @Override public Registration consumeDeliveries(GatewayRef gateway, DeliveryListener listener) { return () -> { }; }
        @Override public DeliveryReader deliveryReader(GatewayRef gateway) { return null; }
        @Override public CompletionStage<List<Envelope>> unreadDeliveries(String gatewayId, int limit) { return null; }
        @Override public ShardConsumer consumeShards(ShardListener listener) { return null; }
        @Override public CompletionStage<Void> routerHeartbeat(RouterHeartbeat heartbeat) { return DONE; }
        @Override public Registration consumeRouterHeartbeats(Consumer<RouterHeartbeat> listener) { return () -> { }; }
        @Override public Registration consumeHeartbeats(HeartbeatListener listener) { return () -> { }; }
        @Override public CompletionStage<Void> withdrawRoute(int shard, RouteChange change) { return DONE; }
        @Override public CompletionStage<Void> broadcast(byte[] command) { return DONE; }
        @Override public Registration consumeBroadcasts(Consumer<byte[]> listener) { return () -> { }; }
        @Override public void close() { }
    }

    private final ValueOnlyBus bus = new ValueOnlyBus();
    private Router router;
    private ShardMessage forwarded;
    private ShardMessage reencoded;
    private ShardMessage unrouted;

    @Setup
    public void setUp(Blackhole blackhole) {
        bus.sink = blackhole;
        GatewayLiveness liveness = new GatewayLiveness(60_000, System::currentTimeMillis);
        router = new Router(bus, liveness);
        router.onShardAssigned(0);
        GatewayRef[] gateways = new GatewayRef[4];
        for (int g = 0; g < gateways.length; g++) {
            gateways[g] = new GatewayRef("gw-" + g, "inc");
            liveness.onHeartbeat(new GatewayHeartbeat(gateways[g], System.currentTimeMillis(), false));
        }
        for (int i = 0; i < 100_000; i++) {
            router.onRoute(0, RouteChange.add(gateways[i % 4], SeedTopics.exact(i)));
        }
        for (int i = 0; i < 1_000; i++) {
            router.onRoute(0, RouteChange.add(gateways[i % 4], "topic/device_user" + (200_000 + i) + "/+"));
        }
        Envelope m = new Envelope(SeedTopics.exact(4711), new byte[64], 1, false, "user4711", "gw-1",
                System.currentTimeMillis(), 0, null);
        forwarded = new ShardMessage(0, 1, m, EnvelopeCodec.encode(m));
        reencoded = new ShardMessage(0, 1, m, null);
        Envelope nobody = new Envelope("topic/nobody/t_1", new byte[64], 1, false, "x", "gw-1", 0, 0, null);
        unrouted = new ShardMessage(0, 2, nobody, EnvelopeCodec.encode(nobody));
    }

    @Benchmark
    public CompletionStage<Void> routeOneMatchForwardingTheShardsBytes() {
        return router.onMessage(forwarded);
    }

    @Benchmark
    public CompletionStage<Void> routeOneMatchEncodingTheEnvelopeAgain() {
        return router.onMessage(reencoded);
    }

    @Benchmark
    public CompletionStage<Void> routeAMessageNobodySubscribesTo() {
        return router.onMessage(unrouted);
    }
}
