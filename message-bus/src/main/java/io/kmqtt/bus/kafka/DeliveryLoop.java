package io.kmqtt.bus.kafka;

import io.kmqtt.core.bus.Delivery;
import io.kmqtt.core.bus.DeliveryListener;
import io.kmqtt.core.message.EnvelopeCodec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Reads one gateway's delivery channel from its end at start-up and hands each poll's deliveries to
 * the gateway as one batch, so that the gateway can flush each connection once per batch.
 *
 * <p>Drops the second copy of a message that two routers both routed during a shard handover (see
 * {@link ShardPosition}). Records, every second, the position before which the gateway has settled
 * every delivery for the sessions that would outlive it ({@link DeliveryListener#settledBefore}): a
 * gateway resuming one of them after this one died reads the channel again from there.
 */
final class DeliveryLoop extends PollLoop {

    private static final Logger LOG = Logger.getLogger(DeliveryLoop.class.getName());
    static final long RECORD_POSITION_EVERY_MILLIS = 1000;

    private final DeliveryListener listener;
    private final TopicPartition partition;
    /** Latest shard positions of the plain deliveries, and of each shared subscription's (by record key). */
    private final ShardPosition positions = new ShardPosition();
    private final Map<String, ShardPosition> sharedPositions = new HashMap<>();
    private long copiesDropped;
    private long lastRecordedMillis;

    DeliveryLoop(Consumer<byte[], byte[]> consumer, String topic, DeliveryListener listener) {
        super(consumer, "deliveries-" + topic);
        this.listener = listener;
        this.partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
        consumer.seekToEnd(List.of(partition));
        // Resolve the position now, so that nothing delivered after this constructor returns is skipped.
        consumer.position(partition);
    }

    @Override
    protected void pollOnce() {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL_TIMEOUT);
        if (!records.isEmpty()) {
            List<Delivery> batch = new ArrayList<>(records.count());
            for (ConsumerRecord<byte[], byte[]> r : records) {
                if (isCopy(r)) {
                    continue;
                }
                try {
                    batch.add(decode(r));
                } catch (IllegalArgumentException e) {
                    LOG.warning("skipping undecodable delivery at " + r.topic() + "@" + r.offset() + ": " + e.getMessage());
                }
            }
            if (!batch.isEmpty()) {
                listener.onDeliveries(batch); // sessions that cannot take them now fall behind: nothing waits here
            }
        }
        recordPositionIfDue();
    }

    /** A plain delivery, or one for a shared subscription (keyed {@code group \0 filter}). */
    static Delivery decode(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null) {
            return Delivery.plain(EnvelopeCodec.decode(r.value()), r.offset());
        }
        String key = new String(r.key(), StandardCharsets.UTF_8);
        int sep = key.indexOf('\u0000');
        if (sep < 0) {
            throw new IllegalArgumentException("shared delivery key without a separator");
        }
        return new Delivery(EnvelopeCodec.decode(r.value()), r.offset(), key.substring(0, sep), key.substring(sep + 1));
    }

    private void recordPositionIfDue() {
        long now = System.currentTimeMillis();
        if (now - lastRecordedMillis < RECORD_POSITION_EVERY_MILLIS) {
            return;
        }
        lastRecordedMillis = now;
        long position = Math.min(consumer.position(partition), listener.settledBefore());
        consumer.commitAsync(Map.of(partition, new OffsetAndMetadata(position)), (offsets, error) -> {
            if (error != null) {
                LOG.fine(() -> "recording the delivery position failed (the next attempt follows): " + error);
            }
        });
    }

    @Override
    protected void onStop() {
        try {
            long position = Math.min(consumer.position(partition), listener.settledBefore());
            consumer.commitSync(Map.of(partition, new OffsetAndMetadata(position)), java.time.Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            LOG.fine(() -> "recording the final delivery position failed: " + e);
        }
    }

    /**
     * A second copy of a message already delivered: two routers routed its shard for a moment. One
     * message may reach a gateway once as a plain delivery and once per shared subscription, so
     * each of those streams is checked apart.
     */
    private boolean isCopy(ConsumerRecord<byte[], byte[]> r) {
        Header position = r.headers().lastHeader(KafkaTopics.SHARD_POSITION_HEADER);
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
