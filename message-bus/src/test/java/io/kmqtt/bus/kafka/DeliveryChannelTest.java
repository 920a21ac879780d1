package io.kmqtt.bus.kafka;

import io.kmqtt.core.bus.Delivery;
import io.kmqtt.core.bus.DeliveryListener;
import io.kmqtt.core.bus.DeliveryReader;
import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.bus.ShardMessage;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.testinfra.KafkaServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** A gateway's delivery channel on a real Kafka: read again from a position, and recovered from the settled position. */
class DeliveryChannelTest {

    private static KafkaServer kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaServer.start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    private static KafkaBusSettings settings() {
        return new KafkaBusSettings(kafka.bootstrapServers(), "d-" + UUID.randomUUID().toString().substring(0, 8), 1,
                (short) 1, Duration.ofHours(1), Duration.ofMinutes(10), "routers", Map.of());
    }

    private static void deliver(MessageBus router, String gateway, int count) throws Exception {
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Envelope m = Envelope.of("t", ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false, "p");
            sent.add(router.deliver(gateway, new ShardMessage(0, i, m, null)).toCompletableFuture());
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get();
    }

    private static String text(Delivery d) {
        return new String(d.message().payload(), StandardCharsets.UTF_8);
    }

    @Test
    void aSessionThatFellBehindReadsTheChannelAgainFromAnyPosition() throws Exception {
        KafkaBusSettings settings = settings();
        GatewayRef gw = new GatewayRef("gw-r", "1");
        try (KafkaMessageBus gateway = KafkaMessageBus.start(settings, Duration.ofSeconds(30));
             KafkaMessageBus router = KafkaMessageBus.start(settings, Duration.ofSeconds(30))) {
            List<Delivery> live = new CopyOnWriteArrayList<>();
            gateway.consumeDeliveries(gw, deliveries -> {
                live.addAll(deliveries);
                return CompletableFuture.completedFuture(null);
            });
            deliver(router, gw.id(), 10);
            await(() -> live.size() == 10);
            try (DeliveryReader reader = gateway.deliveryReader(gw)) {
                long fourth = live.get(3).channelOffset();
                List<Delivery> again = reader.read(fourth, 3, Duration.ofSeconds(5));
                assertThat(again).extracting(DeliveryChannelTest::text).containsExactly("m3", "m4", "m5");
                assertThat(again).extracting(Delivery::channelOffset).containsExactly(fourth, fourth + 1, fourth + 2);
                assertThat(reader.read(live.get(9).channelOffset(), 100, Duration.ofSeconds(5)))
                        .extracting(DeliveryChannelTest::text).containsExactly("m9");
                assertThat(reader.firstOffset()).isEqualTo(live.get(0).channelOffset());
            }
        }
    }

    @Test
    void aGatewayThatDiedIsReadAgainFromWhereItHadSettledEverything() throws Exception {
        KafkaBusSettings settings = settings();
        GatewayRef gw = new GatewayRef("gw-w", "1");
        List<Delivery> live = new CopyOnWriteArrayList<>();
        try (KafkaMessageBus router = KafkaMessageBus.start(settings, Duration.ofSeconds(30))) {
            KafkaMessageBus dying = KafkaMessageBus.start(settings, Duration.ofSeconds(30));
            dying.consumeDeliveries(gw, new DeliveryListener() {
                @Override
                public CompletionStage<Void> onDeliveries(List<Delivery> deliveries) {
                    live.addAll(deliveries);
                    return CompletableFuture.completedFuture(null);
                }

                @Override
                public long settledBefore() {
                    // a lasting session has not acknowledged m4 yet
                    return live.size() > 4 ? live.get(4).channelOffset() : Long.MAX_VALUE;
                }
            });
            deliver(router, gw.id(), 8);
            await(() -> live.size() == 8);
            Thread.sleep(2 * DeliveryLoop.RECORD_POSITION_EVERY_MILLIS + 200);
            dying.close();

            try (KafkaMessageBus heir = KafkaMessageBus.start(settings, Duration.ofSeconds(30))) {
                List<Envelope> unread = heir.unreadDeliveries(gw.id(), 100).toCompletableFuture().get();
                assertThat(unread).extracting(m -> new String(m.payload(), StandardCharsets.UTF_8))
                        .containsExactly("m4", "m5", "m6", "m7");
            }
        }
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(20);
        }
    }
}
