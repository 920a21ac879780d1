package io.kmqtt.mqttbench;

import io.kmqtt.mqttbench.loss.SequencedPayload;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One simulated client: who it logs in as, what it subscribes to and where it publishes. Its
 * connection state is touched only on its channel's event loop.
 */
final class BenchClient {

    final String clientId;
    final String username;
    final byte[] password;
    final List<String> subscriptions;
    final String publishTopic;        // null: never publishes
    final Sampler publishSampler;
    final Sampler receiveSampler;
    final boolean churns;             // disconnects after a random TTL and is replaced

    Channel channel;
    long connectStartedNanos;
    volatile boolean connected;
    volatile boolean subscribed;
    boolean closingOnPurpose;
    int nextPacketId;
    int subscribePacketId = -1;
    /** QoS 1/2 publishes not yet acknowledged (PUBACK, PUBCOMP): packet id to send time (nanoTime). */
    final Map<Integer, Long> unacknowledged = new HashMap<>();
    /** unacknowledged.size(), readable from other threads. */
    volatile int unacknowledgedCount;
    /** Inbound QoS 2 packet ids between PUBLISH and PUBREL: a resent PUBLISH is not delivered twice. */
    final Set<Integer> inboundQos2 = new HashSet<>();
    ScheduledFuture<?> publishTask;
    ScheduledFuture<?> pingTask;
    ScheduledFuture<?> ttlTask;

    // sequenced scenarios (stream, fanin): null otherwise
    int publisherId;
    /** The streams this client publishes to (one per receiver, or one for a shared group). */
    List<StreamSlot> publishesTo;
    /** As a receiver: the stream of each publisher id. */
    Map<Integer, StreamSlot> receivesFrom;
    /** The publisher's own PUBLISH to acknowledgement times, for its stream rows. */
    SamplerStats acks;
    /** Last sequence number written (the next one is this + 1). */
    volatile long lastSeq;
    /** Packet id to sequence number, for acknowledged(). */
    final Map<Integer, Long> inflightSeq = new HashMap<>();
    volatile boolean streamStopped;

    BenchClient(String clientId, String username, String password, List<String> subscriptions, String publishTopic,
                Sampler publishSampler, Sampler receiveSampler, boolean churns) {
        this.clientId = clientId;
        this.username = username;
        this.password = password == null ? null : password.getBytes(StandardCharsets.UTF_8);
        this.subscriptions = subscriptions;
        this.publishTopic = publishTopic;
        this.publishSampler = publishSampler;
        this.receiveSampler = receiveSampler;
        this.churns = churns;
    }

    int nextPacketId() {
        do {
            nextPacketId = nextPacketId % 65535 + 1;
        } while (unacknowledged.containsKey(nextPacketId) || nextPacketId == subscribePacketId);
        return nextPacketId;
    }

    void cancelTasks() {
        for (ScheduledFuture<?> task : new ScheduledFuture<?>[]{publishTask, pingTask, ttlTask}) {
            if (task != null) {
                task.cancel(false);
            }
        }
        publishTask = null;
        pingTask = null;
        ttlTask = null;
    }

    /** Payload: the send time in microseconds since the epoch (this machine's clock), then padding. */
    static void writePayload(ByteBuf buf, int size) {
        buf.writeLong(Clock.epochMicros());
        buf.writeZero(Math.max(0, size - Long.BYTES));
    }

    /** A {@link SequencedPayload}: send time, publisher id, sequence number, padding. */
    static void writeSequenced(ByteBuf buf, int publisher, long seq, int size) {
        buf.writeLong(Clock.epochMicros());
        buf.writeInt(publisher);
        buf.writeLong(seq);
        buf.writeZero(Math.max(0, size - SequencedPayload.MIN_SIZE));
    }

    static long sentMicros(ByteBuf payload) {
        return payload.readableBytes() >= Long.BYTES ? payload.getLong(payload.readerIndex()) : -1;
    }
}
