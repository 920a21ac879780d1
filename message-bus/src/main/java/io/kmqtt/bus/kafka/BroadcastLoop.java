package io.kmqtt.bus.kafka;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Reads the commands topic from its end, without a consumer group: every reader sees every command sent from now on. */
final class BroadcastLoop extends PollLoop {

    private static final Logger LOG = Logger.getLogger(BroadcastLoop.class.getName());

    private final java.util.function.Consumer<byte[]> listener;

    BroadcastLoop(Consumer<byte[], byte[]> consumer, String topic, java.util.function.Consumer<byte[]> listener) {
        super(consumer, "broadcasts-" + topic);
        this.listener = listener;
        List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0));
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        consumer.position(partitions.get(0)); // resolve the end now, not at the first poll
    }

    @Override
    protected void pollOnce() {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL_TIMEOUT)) {
            if (r.value() == null) {
                continue;
            }
            try {
                listener.accept(r.value());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "command at " + r.topic() + "@" + r.offset() + " failed; skipped", e);
            }
        }
    }
}
