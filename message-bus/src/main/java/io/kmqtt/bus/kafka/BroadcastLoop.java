package io.kmqtt.bus.kafka;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Reads the commands topic from its end, without a consumer group: every reader sees every command sent from now on. */
final class BroadcastLoop extends PollLoop {

    private static final Logger LOG = Logger.getLogger(BroadcastLoop.class.getName());

    private final java.util.function.Consumer<byte[]> listener;

    BroadcastLoop(Consumer<byte[], byte[]> consumer, String topic, Duration gather,
                  java.util.function.Consumer<byte[]> listener) {
        super(consumer, "broadcasts-" + topic, gather);
        this.listener = listener;
        List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0));
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        consumer.position(partitions.get(0)); // resolve the end now, not at the first poll
    }

    @Override
    protected void pollOnce() {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL_TIMEOUT);
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.value() == null) {
                continue;
            }
            try {
                listener.accept(r.value());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "command at " + r.topic() + "@" + r.offset() + " failed; skipped", e);
            }
        }
        if (!records.isEmpty()) {
            gather();
        }
    }
}
