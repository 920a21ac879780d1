package io.kmqtt.bus.kafka;

import io.kmqtt.core.bus.DeliveryListener;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.EnvelopeCodec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Reads one gateway's delivery topic from its end at start-up and hands each poll's messages to the
 * gateway as one batch, so that the gateway can flush each connection once per batch.
 */
final class DeliveryLoop extends PollLoop {

    private static final Logger LOG = Logger.getLogger(DeliveryLoop.class.getName());

    private final DeliveryListener listener;
    /** Latest shard positions of the plain deliveries, and of each shared subscription's (by record key). */
    private final ShardPosition positions = new ShardPosition();
    private final java.util.Map<String, ShardPosition> sharedPositions = new java.util.HashMap<>();
    private long copiesDropped;

    DeliveryLoop(Consumer<byte[], byte[]> consumer, String topic, DeliveryListener listener) {
        super(consumer, "deliveries-" + topic);
        this.listener = listener;
        TopicPartition partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
        consumer.seekToEnd(List.of(partition));
        // Resolve the position now, so that nothing delivered after this constructor returns is skipped.
        consumer.position(partition);
    }

    @Override
    protected void pollOnce() {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL_TIMEOUT);
        if (records.isEmpty()) {
            return;
        }
        // Plain deliveries go over in batches; a shared one (keyed group \0 filter) on its own, in order.
        List<Envelope> batch = new ArrayList<>(records.count());
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (isCopy(r)) {
                continue;
            }
            try {
                Envelope message = EnvelopeCodec.decode(r.value());
                if (r.key() == null) {
                    batch.add(message);
                    continue;
                }
                String key = new String(r.key(), StandardCharsets.UTF_8);
                int sep = key.indexOf('\u0000');
                if (sep < 0) {
                    throw new IllegalArgumentException("shared delivery key without a separator");
                }
                if (!batch.isEmpty()) {
                    listener.onDeliveries(batch);
                    batch = new ArrayList<>();
                }
                listener.onSharedDelivery(key.substring(0, sep), key.substring(sep + 1), message);
            } catch (IllegalArgumentException e) {
                LOG.warning("skipping undecodable delivery at " + r.topic() + "@" + r.offset() + ": " + e.getMessage());
            }
        }
        if (!batch.isEmpty()) {
            listener.onDeliveries(batch);
        }
    }

    /**
     * A second copy of a message already delivered: two routers routed its shard for a moment. One
     * message may reach a gateway once as a plain delivery and once per shared subscription, so
     * each of those streams is checked apart.
     */
    private boolean isCopy(ConsumerRecord<byte[], byte[]> r) {
        org.apache.kafka.common.header.Header position = r.headers().lastHeader(KafkaTopics.SHARD_POSITION_HEADER);
        if (position == null) {
            return false; // written by an older router
        }
        try {
            ShardPosition seen = r.key() == null ? positions
                    : sharedPositions.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ShardPosition());
            if (seen.advance(ShardPosition.shard(position.value()), ShardPosition.offset(position.value()))) {
                return false;
            }
        } catch (IllegalArgumentException e) {
            LOG.warning("delivery at " + r.topic() + "@" + r.offset() + " has a malformed position: " + e.getMessage());
            return false;
        }
        if (copiesDropped++ % 10_000 == 0) {
            LOG.info("dropped a copy of a message already delivered (" + copiesDropped + " so far): two routers routed"
                    + " its shard during a handover");
        }
        return true;
    }
}
