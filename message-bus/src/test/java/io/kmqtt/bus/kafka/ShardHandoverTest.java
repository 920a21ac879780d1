package io.kmqtt.bus.kafka;

import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.RouteChange;
import io.kmqtt.core.bus.ShardConsumer;
import io.kmqtt.core.bus.ShardListener;
import io.kmqtt.core.bus.ShardMessage;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.testinfra.KafkaServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two routers (two buses on one real Kafka) hand shards to each other while messages stream: both
 * route the shards for a while, and the gateway's delivery channel still sees every message once,
 * in order.
 */
class ShardHandoverTest {

    private static KafkaServer kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaServer.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    /** Stands in for the router: every message goes to one gateway. */
    private record ForwardAll(KafkaMessageBus bus, String gateway) implements ShardListener {
        @Override
        public void onShardAssigned(int shard) {
        }

        @Override
        public void onRoute(int shard, RouteChange change) {
        }

        @Override
        public CompletionStage<Void> onMessage(ShardMessage message) {
            return bus.deliver(gateway, message);
        }

        @Override
        public CompletionStage<Void> onShareMessage(ShardMessage message, String group, String filter) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onShardRevoked(int shard) {
        }
    }

    @Test
    void shardsMovingBetweenRoutersMidStreamLoseAndRepeatNothing() throws Exception {
        KafkaBusSettings settings = new KafkaBusSettings(kafka.bootstrapServers(), "t-" + UUID.randomUUID().toString().substring(0, 8),
                2, (short) 1, Duration.ofHours(1), Duration.ofMinutes(10), "routers-" + UUID.randomUUID(), Map.of());
        try (KafkaMessageBus gateway = KafkaMessageBus.start(settings, Duration.ofSeconds(30));
             KafkaMessageBus routerA = KafkaMessageBus.start(settings, Duration.ofSeconds(30));
             KafkaMessageBus routerB = KafkaMessageBus.start(settings, Duration.ofSeconds(30))) {
            List<String> received = new CopyOnWriteArrayList<>();
            gateway.consumeDeliveries(new GatewayRef("gw", "1"), deliveries -> {
                deliveries.forEach(d -> received.add(new String(d.message().payload(), StandardCharsets.UTF_8)));
                return CompletableFuture.completedFuture(null);
            });
            ShardConsumer a = routerA.consumeShards(new ForwardAll(routerA, "gw"));
            a.own(0);
            a.own(1);

            int total = 3_000;
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                // topic t0..t3 spread over both shards; the payload says which message of its topic it is
                String topic = "t" + (i % 4);
                sent.add(gateway.publish(Envelope.of(topic, (topic + ":" + i / 4).getBytes(StandardCharsets.UTF_8), 1,
                        false, "p")).toCompletableFuture());
                if (i == total / 3) {
                    ShardConsumer b = routerB.consumeShards(new ForwardAll(routerB, "gw"));
                    b.own(0);
                    b.own(1); // both routers route both shards from here on
                    await(() -> b.routing().equals(Set.of(0, 1)), "router B routes both shards");
                }
                if (i == 2 * total / 3) {
                    a.release(0);
                    a.release(1);
                }
                if (i % 100 == 0) {
                    Thread.sleep(5);
                }
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get();
            await(() -> received.size() >= total, "every message delivered");
            Thread.sleep(1_000); // a late copy would show now

            assertThat(received).hasSize(total).doesNotHaveDuplicates();
            Map<String, Integer> next = new HashMap<>();
            for (String r : received) {
                String topic = r.substring(0, r.indexOf(':'));
                int n = Integer.parseInt(r.substring(r.indexOf(':') + 1));
                assertThat(n).as("order on %s", topic).isEqualTo(next.getOrDefault(topic, 0));
                next.put(topic, n + 1);
            }
            assertThat(a.owned()).isEmpty();
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(20);
        }
    }
}
