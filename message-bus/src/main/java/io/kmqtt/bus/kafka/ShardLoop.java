package io.kmqtt.bus.kafka;

import io.kmqtt.core.bus.ShardConsumer;
import io.kmqtt.core.bus.ShardListener;
import io.kmqtt.core.bus.ShardMessage;
import io.kmqtt.core.message.EnvelopeCodec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The router side of the bus: one consumer, assigned (not subscribed: no consumer group protocol)
 * the messages and routes partitions of the shards this router is told to own.
 *
 * <p>Owning shard p: its routes partition is read from the beginning up to the end offset it had
 * when p was taken, with the messages partition paused; then messages are routed from the offset the
 * routers last recorded for p (in the routers' group), or from the oldest retained message.
 *
 * <p>Routing is pipelined: each message's deliveries are handed to the producer and the loop goes on
 * to the next message without waiting for Kafka. A shard's position is recorded (committed, about
 * every {@value #COMMIT_INTERVAL_MILLIS} ms) only up to the last message whose deliveries, and
 * every earlier one's, Kafka has acknowledged, so a router that dies loses nothing: the next owner
 * routes again from there, and gateways drop the copies by the messages' shard positions. A delivery
 * Kafka refuses even after the producer's retries rewinds the shard to that message. A shard with
 * more than {@value #MAX_IN_FLIGHT} messages unacknowledged is paused until Kafka catches up.
 *
 * <p>Releasing shard p: no further message of p is routed, the deliveries under way are awaited, the
 * position is committed, then p is unassigned and the listener told.
 */
final class ShardLoop extends PollLoop implements ShardConsumer {

    private static final Logger LOG = Logger.getLogger(ShardLoop.class.getName());
    private static final long RETRY_BACKOFF_MILLIS = 1000;
    static final long COMMIT_INTERVAL_MILLIS = 500;
    static final int MAX_IN_FLIGHT = 20_000;
    private static final Duration RELEASE_POLL = Duration.ofMillis(20);
    private static final Duration IDLE_POLL = Duration.ofMillis(100);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private enum Phase { LOADING, ROUTING, RELEASING }

    private record Pending(long offset, CompletableFuture<Void> done) {
    }

    private static final class Shard {
        final int id;
        final TopicPartition messages;
        final TopicPartition routes;
        Phase phase = Phase.LOADING;
        /** Assigned, positioned, and told to the listener. */
        boolean started;
        /** Its routes were read up to {@link #routesEnd}. */
        boolean loaded;
        long routesEnd;
        final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
        /** The offset after the last message routed with every delivery acknowledged; -1: none yet. */
        long routedTo = -1;
        long committedTo = -1;
        boolean paused;

        Shard(int id, String messagesTopic, String routesTopic) {
            this.id = id;
            this.messages = new TopicPartition(messagesTopic, id);
            this.routes = new TopicPartition(routesTopic, id);
        }
    }

    private final ShardListener listener;
    private final String messagesTopic;
    private final String routesTopic;
    /** What this router is told to own; read by the loop, which brings {@link #shards} in line. */
    private final Set<Integer> wanted = ConcurrentHashMap.newKeySet();
    /** Loop thread only. */
    private final Map<Integer, Shard> shards = new HashMap<>();
    private volatile Set<Integer> routingView = Set.of();
    private long lastCommitMillis = System.currentTimeMillis();

    ShardLoop(Consumer<byte[], byte[]> consumer, String messagesTopic, String routesTopic, ShardListener listener) {
        super(consumer, "shards-" + messagesTopic);
        this.listener = listener;
        this.messagesTopic = messagesTopic;
        this.routesTopic = routesTopic;
    }

    // ---- ShardConsumer, any thread --------------------------------------------------------

    // The loop notices within one poll timeout; waking the consumer instead could interrupt it in
    // the middle of a commit.

    @Override
    public void own(int shard) {
        wanted.add(shard);
    }

    @Override
    public void release(int shard) {
        wanted.remove(shard);
    }

    @Override
    public Set<Integer> owned() {
        return Set.copyOf(wanted);
    }

    @Override
    public Set<Integer> routing() {
        return routingView;
    }

    // ---- the loop ---------------------------------------------------------------------------

    @Override
    protected void pollOnce() {
        reconcile();
        if (shards.isEmpty()) {
            sleepQuietly(IDLE_POLL.toMillis());
            return;
        }
        boolean releasing = shards.values().stream().anyMatch(s -> s.phase == Phase.RELEASING);
        ConsumerRecords<byte[], byte[]> records = consumer.poll(releasing ? RELEASE_POLL : POLL_TIMEOUT);
        // Routes first: a route announced before a message in the same batch must be in place for it.
        for (ConsumerRecord<byte[], byte[]> r : records.records(routesTopic)) {
            applyRoute(r);
        }
        finishLoading();
        for (TopicPartition tp : records.partitions()) {
            if (!tp.topic().equals(messagesTopic)) {
                continue;
            }
            Shard shard = shards.get(tp.partition());
            if (shard == null || shard.phase != Phase.ROUTING) {
                continue; // being released: its next owner routes these
            }
            for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                shard.inFlight.addLast(new Pending(r.offset(), dispatch(r)));
            }
        }
        settle();
        commitIfDue();
        finishReleasing();
    }

    /** Takes the shards this router was told to own, and starts releasing those it no longer should. */
    private void reconcile() {
        for (Integer id : wanted) {
            Shard shard = shards.get(id);
            if (shard == null) {
                shards.put(id, new Shard(id, messagesTopic, routesTopic));
            } else if (shard.phase == Phase.RELEASING) {
                // Wanted again before it was gone: carry on where it was.
                shard.phase = shard.loaded ? Phase.ROUTING : Phase.LOADING;
                if (shard.loaded) {
                    consumer.resume(List.of(shard.messages));
                    shard.paused = false;
                }
            }
        }
        for (Shard shard : shards.values()) {
            if (!wanted.contains(shard.id) && shard.phase != Phase.RELEASING) {
                shard.phase = Phase.RELEASING;
                consumer.pause(List.of(shard.messages));
                LOG.info(() -> "releasing shard " + shard.id + " once " + shard.inFlight.size()
                        + " message(s) under way are delivered");
            }
        }
        List<Shard> toStart = shards.values().stream().filter(s -> !s.started && s.phase != Phase.RELEASING).toList();
        if (!toStart.isEmpty()) {
            assignAll();
            for (Shard shard : toStart) {
                start(shard);
            }
        }
    }

    private void assignAll() {
        List<TopicPartition> partitions = new ArrayList<>();
        for (Shard shard : shards.values()) {
            if (shard.started || shard.phase != Phase.RELEASING) {
                partitions.add(shard.messages);
                partitions.add(shard.routes);
            }
        }
        consumer.assign(partitions);
    }

    /** A new shard: its route table from the start of the routes log, messages paused until then. */
    private void start(Shard shard) {
        listener.onShardAssigned(shard.id);
        consumer.pause(List.of(shard.messages));
        consumer.seekToBeginning(List.of(shard.routes));
        shard.routesEnd = consumer.endOffsets(List.of(shard.routes)).getOrDefault(shard.routes, 0L);
        OffsetAndMetadata committed = consumer.committed(Set.of(shard.messages)).get(shard.messages);
        if (committed != null) {
            consumer.seek(shard.messages, committed.offset());
            shard.routedTo = committed.offset();
            shard.committedTo = committed.offset();
        } else {
            // QoS 1 messages were acknowledged to their publishers as soon as Kafka had them: none may
            // be skipped, so a shard never routed starts at its oldest retained message.
            consumer.seekToBeginning(List.of(shard.messages));
        }
        LOG.info(() -> "shard " + shard.id + " taken: loading its routes (" + shard.routesEnd + " records), then routing"
                + (committed == null ? " from its oldest message" : " from offset " + committed.offset()));
        shard.started = true;
    }

    private void finishLoading() {
        List<TopicPartition> ready = new ArrayList<>();
        for (Shard shard : shards.values()) {
            if (shard.phase == Phase.LOADING && shard.started && consumer.position(shard.routes) >= shard.routesEnd) {
                shard.phase = Phase.ROUTING;
                shard.loaded = true;
                ready.add(shard.messages);
                LOG.info(() -> "shard " + shard.id + ": routes loaded, routing its messages");
            }
        }
        if (!ready.isEmpty()) {
            consumer.resume(ready);
            publishViews();
        }
    }

    /** Moves each shard's position past the messages whose deliveries Kafka has all acknowledged. */
    private void settle() {
        for (Shard shard : shards.values()) {
            Pending head;
            while ((head = shard.inFlight.peekFirst()) != null && head.done().isDone()) {
                if (head.done().isCompletedExceptionally()) {
                    rewind(shard, head);
                    break;
                }
                shard.inFlight.pollFirst();
                shard.routedTo = head.offset() + 1;
            }
            if (shard.phase == Phase.ROUTING) {
                if (!shard.paused && shard.inFlight.size() >= MAX_IN_FLIGHT) {
                    consumer.pause(List.of(shard.messages));
                    shard.paused = true;
                } else if (shard.paused && shard.inFlight.size() < MAX_IN_FLIGHT / 2) {
                    consumer.resume(List.of(shard.messages));
                    shard.paused = false;
                }
            }
        }
    }

    /** Kafka refused a delivery even after the producer's retries: route the shard again from that message. */
    private void rewind(Shard shard, Pending failed) {
        Throwable cause = failed.done().handle((ok, error) -> error).join();
        LOG.log(Level.WARNING, "shard " + shard.id + ": a delivery of the message at offset " + failed.offset()
                + " failed; routing again from there in " + RETRY_BACKOFF_MILLIS + " ms", cause);
        shard.inFlight.clear(); // later completions of this round are of no interest: it is routed again
        consumer.seek(shard.messages, failed.offset());
        sleepQuietly(RETRY_BACKOFF_MILLIS);
    }

    private void commitIfDue() {
        long now = System.currentTimeMillis();
        if (now - lastCommitMillis < COMMIT_INTERVAL_MILLIS) {
            return;
        }
        lastCommitMillis = now;
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Shard shard : shards.values()) {
            if (shard.routedTo > shard.committedTo) {
                offsets.put(shard.messages, new OffsetAndMetadata(shard.routedTo));
                shard.committedTo = shard.routedTo;
            }
        }
        if (!offsets.isEmpty()) {
            consumer.commitAsync(offsets, (committed, error) -> {
                if (error != null) {
                    // The next commit carries a later position; only a router failover in between reroutes more.
                    LOG.fine(() -> "recording shard positions failed (the next attempt follows): " + error);
                }
            });
        }
    }

    /** Shards being released whose deliveries are all acknowledged: record their position and let go. */
    private void finishReleasing() {
        List<Shard> done = new ArrayList<>();
        for (Shard shard : shards.values()) {
            if (shard.phase == Phase.RELEASING && shard.inFlight.isEmpty()) {
                done.add(shard);
            }
        }
        if (done.isEmpty()) {
            return;
        }
        commitFinal(done);
        for (Shard shard : done) {
            shards.remove(shard.id);
            if (shard.started) {
                listener.onShardRevoked(shard.id);
                LOG.info(() -> "shard " + shard.id + " released at offset " + shard.routedTo);
            }
        }
        assignAll();
        publishViews();
    }

    private void commitFinal(List<Shard> released) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Shard shard : released) {
            if (shard.routedTo > shard.committedTo) {
                offsets.put(shard.messages, new OffsetAndMetadata(shard.routedTo));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            try {
                consumer.commitSync(offsets, Duration.ofSeconds(5));
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                consumer.commitSync(offsets, Duration.ofSeconds(5)); // woken by close(): the commit still matters
            }
        } catch (RuntimeException e) {
            // The next owner starts from the previous position: it routes some messages again, loses none.
            LOG.warning("could not record the final position of shard(s) " + offsets.keySet() + ": " + e);
        }
    }

    private void publishViews() {
        Set<Integer> routing = new TreeSet<>();
        shards.forEach((id, shard) -> {
            if (shard.phase == Phase.ROUTING) {
                routing.add(id);
            }
        });
        routingView = Set.copyOf(routing);
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

    /** A plain message, or one for a single shared subscription (the share header: {@code group \0 filter}). */
    private CompletableFuture<Void> dispatch(ConsumerRecord<byte[], byte[]> r) {
        ShardMessage message;
        try {
            message = new ShardMessage(r.partition(), r.offset(), EnvelopeCodec.decode(r.value()), r.value());
        } catch (IllegalArgumentException e) {
            LOG.warning("skipping undecodable message at " + r.topic() + "-" + r.partition() + "@" + r.offset()
                    + ": " + e.getMessage());
            return DONE;
        }
        Header share = r.headers().lastHeader(KafkaTopics.SHARE_HEADER);
        CompletionStage<Void> routed;
        if (share == null) {
            routed = listener.onMessage(message);
        } else {
            String value = new String(share.value(), StandardCharsets.UTF_8);
            int split = value.indexOf('\u0000');
            if (split < 0) {
                LOG.warning("skipping message with a malformed share header at " + r.topic() + "-" + r.partition()
                        + "@" + r.offset());
                return DONE;
            }
            routed = listener.onShareMessage(message, value.substring(0, split), value.substring(split + 1));
        }
        return routed.toCompletableFuture();
    }

    @Override
    protected void onStop() {
        // Closing: wait (boundedly) for the deliveries under way, then record how far each shard got.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Shard shard : shards.values()) {
            for (Pending p : shard.inFlight) {
                long left = deadline - System.nanoTime();
                try {
                    p.done().get(Math.max(0, left), TimeUnit.NANOSECONDS);
                } catch (Exception e) {
                    break; // not delivered: the next owner routes it again
                }
                shard.routedTo = p.offset() + 1;
            }
            shard.inFlight.clear();
        }
        commitFinal(List.copyOf(shards.values()));
        shards.values().stream().filter(s -> s.started).forEach(s -> listener.onShardRevoked(s.id));
        shards.clear();
        routingView = Set.of();
    }
}
