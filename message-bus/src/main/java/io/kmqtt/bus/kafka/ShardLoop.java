package io.kmqtt.bus.kafka;

import io.kmqtt.core.bus.ShardListener;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.EnvelopeCodec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The router side of the bus: one consumer in the routers' group, subscribed to both the messages
 * and the routes topic. The two are co-partitioned and the range assignor gives partition p of both
 * to the same router, so shard p's messages and routes arrive at the same place.
 *
 * <p>On assignment of shard p the router's table for p is rebuilt from the compacted routes
 * partition, read from its beginning; the messages partition stays paused until the routes
 * partition has been read up to the end offset it had when the shard was assigned. Message offsets
 * are committed only after every delivery of the batch was acknowledged; on a failed delivery the
 * batch is consumed again. Route offsets are never committed: they are re-read at every assignment.
 */
final class ShardLoop extends PollLoop implements ConsumerRebalanceListener {

    private static final Logger LOG = Logger.getLogger(ShardLoop.class.getName());
    private static final long RETRY_BACKOFF_MILLIS = 1000;

    private final ShardListener listener;
    private final String messagesTopic;
    private final String routesTopic;
    /** Shards whose routes are still being loaded, with the routes end offset to reach. */
    private final Map<Integer, Long> loading = new HashMap<>();

    ShardLoop(Consumer<byte[], byte[]> consumer, String messagesTopic, String routesTopic, ShardListener listener) {
        super(consumer, "shards-" + messagesTopic);
        this.listener = listener;
        this.messagesTopic = messagesTopic;
        this.routesTopic = routesTopic;
        consumer.subscribe(List.of(messagesTopic, routesTopic), this);
    }

    @Override
    protected void pollOnce() {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL_TIMEOUT);
        // Routes first: a route announced before a message in the same batch must be in place for it.
        for (ConsumerRecord<byte[], byte[]> r : records.records(routesTopic)) {
            applyRoute(r);
        }
        resumeLoadedShards();
        Map<TopicPartition, Long> firstOffsets = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        List<CompletableFuture<Void>> deliveries = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records.records(messagesTopic)) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            firstOffsets.putIfAbsent(tp, r.offset());
            commits.put(tp, new OffsetAndMetadata(r.offset() + 1));
            try {
                deliveries.add(dispatch(r).toCompletableFuture());
            } catch (IllegalArgumentException e) {
                LOG.warning("skipping undecodable message at " + tp + "@" + r.offset() + ": " + e.getMessage());
            }
        }
        if (commits.isEmpty()) {
            return;
        }
        try {
            CompletableFuture.allOf(deliveries.toArray(CompletableFuture[]::new)).get();
            consumer.commitSync(commits);
        } catch (ExecutionException e) {
            // Kafka refused a delivery even after the producer's own retries: consume the batch again.
            LOG.log(Level.WARNING, "delivery failed, re-consuming " + firstOffsets.size()
                    + " partition(s) from their batch start in " + RETRY_BACKOFF_MILLIS + " ms", e.getCause());
            firstOffsets.forEach(consumer::seek);
            sleepQuietly(RETRY_BACKOFF_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void applyRoute(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null) {
            return;
        }
        try {
            listener.onRoute(r.partition(), RouteRecords.decodeRoute(r.key(), r.value()));
        } catch (IllegalArgumentException e) {
            LOG.warning("skipping undecodable route at " + r.topic() + "-" + r.partition() + "@" + r.offset()
                    + ": " + e.getMessage());
        }
    }

    private void resumeLoadedShards() {
        if (loading.isEmpty()) {
            return;
        }
        List<TopicPartition> ready = new ArrayList<>();
        loading.entrySet().removeIf(e -> {
            TopicPartition routes = new TopicPartition(routesTopic, e.getKey());
            if (consumer.position(routes) >= e.getValue()) {
                ready.add(new TopicPartition(messagesTopic, e.getKey()));
                return true;
            }
            return false;
        });
        if (!ready.isEmpty()) {
            consumer.resume(ready);
            LOG.info(() -> "routes loaded, consuming messages of " + ready);
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        List<TopicPartition> routes = new ArrayList<>();
        List<TopicPartition> messages = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            (tp.topic().equals(routesTopic) ? routes : messages).add(tp);
        }
        consumer.seekToBeginning(routes);
        Map<TopicPartition, Long> ends = consumer.endOffsets(routes);
        for (TopicPartition tp : messages) {
            listener.onShardAssigned(tp.partition());
            Long end = ends.get(new TopicPartition(routesTopic, tp.partition()));
            if (end == null) {
                LOG.severe("shard " + tp.partition() + " assigned without its routes partition: are "
                        + messagesTopic + " and " + routesTopic + " partitioned alike and the range assignor in use?");
                continue;
            }
            loading.put(tp.partition(), end);
        }
        consumer.pause(messages);
        resumeLoadedShards();
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        // The previous batch was delivered and committed before poll() called us: nothing in flight.
        for (TopicPartition tp : partitions) {
            if (tp.topic().equals(messagesTopic)) {
                loading.remove(tp.partition());
                listener.onShardRevoked(tp.partition());
            }
        }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        onPartitionsRevoked(partitions);
    }

    /** A plain message, or one for a single shared subscription (the share header: {@code group \0 filter}). */
    private java.util.concurrent.CompletionStage<Void> dispatch(ConsumerRecord<byte[], byte[]> r) {
        Envelope message = EnvelopeCodec.decode(r.value());
        org.apache.kafka.common.header.Header share = r.headers().lastHeader(KafkaTopics.SHARE_HEADER);
        if (share == null) {
            return listener.onMessage(r.partition(), message);
        }
        String value = new String(share.value(), java.nio.charset.StandardCharsets.UTF_8);
        int split = value.indexOf('\u0000');
        if (split < 0) {
            throw new IllegalArgumentException("share header without a group/filter separator");
        }
        return listener.onShareMessage(r.partition(), value.substring(0, split), value.substring(split + 1), message);
    }
}
