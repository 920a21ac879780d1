package io.kmqtt.bus.kafka;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import java.util.List;
import java.util.function.BiFunction;
import java.util.logging.Logger;

/**
 * Reads a compacted heartbeat topic (gateways' or routers') from the beginning: the latest heartbeat
 * of every sender, then new ones as they come.
 */
final class HeartbeatLoop<T> extends PollLoop {

    private static final Logger LOG = Logger.getLogger(HeartbeatLoop.class.getName());

    private final BiFunction<byte[], byte[], T> decoder;
    private final java.util.function.Consumer<T> listener;

    HeartbeatLoop(Consumer<byte[], byte[]> consumer, String topic, BiFunction<byte[], byte[], T> decoder,
                  java.util.function.Consumer<T> listener) {
        super(consumer, "heartbeats-" + topic);
        this.decoder = decoder;
        this.listener = listener;
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    @Override
    protected void pollOnce() {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL_TIMEOUT)) {
            if (r.value() == null) {
                continue;
            }
            try {
                listener.accept(decoder.apply(r.key(), r.value()));
            } catch (IllegalArgumentException e) {
                LOG.warning("skipping undecodable heartbeat at " + r.topic() + "@" + r.offset() + ": " + e.getMessage());
            }
        }
    }
}
