package io.kmqtt.bus.kafka;

import io.kmqtt.core.bus.HeartbeatListener;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import java.util.List;
import java.util.logging.Logger;

/** Reads the compacted gateways topic from the beginning: the latest heartbeat of every gateway, then new ones. */
final class HeartbeatLoop extends PollLoop {

    private static final Logger LOG = Logger.getLogger(HeartbeatLoop.class.getName());

    private final HeartbeatListener listener;

    HeartbeatLoop(Consumer<byte[], byte[]> consumer, String topic, HeartbeatListener listener) {
        super(consumer, "heartbeats-" + topic);
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
                listener.onHeartbeat(RouteRecords.decodeHeartbeat(r.key(), r.value()));
            } catch (IllegalArgumentException e) {
                LOG.warning("skipping undecodable heartbeat at " + r.topic() + "@" + r.offset() + ": " + e.getMessage());
            }
        }
    }
}
