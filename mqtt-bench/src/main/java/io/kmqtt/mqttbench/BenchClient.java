package io.kmqtt.mqttbench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
    final Map<Integer, Long> unacknowledged = new HashMap<>();
    ScheduledFuture<?> publishTask;
    ScheduledFuture<?> pingTask;
    ScheduledFuture<?> ttlTask;

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
        nextPacketId = nextPacketId % 65535 + 1;
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

    static long sentMicros(ByteBuf payload) {
        return payload.readableBytes() >= Long.BYTES ? payload.getLong(payload.readerIndex()) : -1;
    }
}
