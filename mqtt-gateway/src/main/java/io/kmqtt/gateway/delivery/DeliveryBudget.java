package io.kmqtt.gateway.delivery;

import io.kmqtt.gateway.config.GatewayConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway-wide bound on what its sessions' queues hold in memory ({@code mqtt.delivery-buffer-bytes}).
 * Each session's queue is bounded too ({@code mqtt.max-queued-messages}), but a burst to thousands
 * of sessions at once would fill every one of them; past this budget, a session with more than its
 * in-flight window queued takes no more from memory: it falls behind (the messages wait in the
 * delivery channel) or, on the memory bus, its publishers wait. Messages a session has in flight
 * beyond its first {@code mqtt.inflight-window} stay in this budget until acknowledged, and a
 * window grows past that first part only while the budget has room ({@link OutboundWindow}).
 */
@Singleton
public final class DeliveryBudget {

    private final long limitBytes;
    private final AtomicLong used = new AtomicLong();

    @Inject
    public DeliveryBudget(GatewayConfig config) {
        this(config.deliveryBufferBytes());
    }

    public DeliveryBudget(long limitBytes) {
        this.limitBytes = limitBytes;
    }

    /** No limit, for tests. */
    public static DeliveryBudget unlimited() {
        return new DeliveryBudget(Long.MAX_VALUE);
    }

    public boolean exhausted() {
        return used.get() >= limitBytes;
    }

    void take(long bytes) {
        used.addAndGet(bytes);
    }

    void give(long bytes) {
        used.addAndGet(-bytes);
    }

    /** Bytes held now. */
    public long used() {
        return used.get();
    }
}
