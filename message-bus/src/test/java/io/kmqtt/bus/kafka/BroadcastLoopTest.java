package io.kmqtt.bus.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The commands reader gathers: after a poll that brought records it waits before it polls again. */
class BroadcastLoopTest {

    private static final TopicPartition COMMANDS = new TopicPartition("mqtt.commands", 0);

    @Test
    void afterRecordsTheNextPollWaitsForTheGatherTimeAndEveryCommandArrivesInOrder() throws Exception {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("latest");
        consumer.updateBeginningOffsets(Map.of(COMMANDS, 0L));
        consumer.updateEndOffsets(Map.of(COMMANDS, 0L));
        List<String> received = new CopyOnWriteArrayList<>();
        List<Long> receivedAtNanos = new CopyOnWriteArrayList<>();
        BroadcastLoop loop = new BroadcastLoop(consumer, COMMANDS.topic(), Duration.ofMillis(300), bytes -> {
            received.add(new String(bytes, StandardCharsets.UTF_8));
            receivedAtNanos.add(System.nanoTime());
        });
        loop.start();
        try {
            add(consumer, 0, "a");
            awaitSize(received, 1);
            add(consumer, 1, "b"); // written just after the first was read: waits for the next poll
            add(consumer, 2, "c");
            awaitSize(received, 3);

            assertThat(received).containsExactly("a", "b", "c");
            assertThat(Duration.ofNanos(receivedAtNanos.get(1) - receivedAtNanos.get(0)))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(250));
            assertThat(receivedAtNanos.get(2) - receivedAtNanos.get(1)).as("b and c came in one poll")
                    .isLessThan(Duration.ofMillis(100).toNanos());
        } finally {
            loop.close();
        }
    }

    private static void add(MockConsumer<byte[], byte[]> consumer, long offset, String value) {
        consumer.addRecord(new ConsumerRecord<>(COMMANDS.topic(), 0, offset, null, value.getBytes(StandardCharsets.UTF_8)));
    }

    private static void awaitSize(List<String> list, int size) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (list.size() < size && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(list).hasSize(size);
    }
}
