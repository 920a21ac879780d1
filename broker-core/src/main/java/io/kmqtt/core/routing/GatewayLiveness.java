package io.kmqtt.core.routing;

import io.kmqtt.core.bus.GatewayHeartbeat;
import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.HeartbeatListener;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Which gateway incarnations are alive, judged from their heartbeats.
 *
 * <p>The incarnation a gateway last heartbeated with is alive while its heartbeats are fresher than
 * the expiry and it has not said it is leaving. Any other incarnation (an older run whose routes
 * outlived it, or a new run whose routes arrived before its first heartbeat) is given one expiry
 * period of grace from the moment it is first asked about, and is dead after that.
 */
public final class GatewayLiveness implements HeartbeatListener {

    private record Seen(String incarnation, long atMillis, boolean leaving) {
    }

    private final Map<String, Seen> latestById = new ConcurrentHashMap<>();
    private final Map<GatewayRef, Long> graceStartedAt = new ConcurrentHashMap<>();
    private final long expiryMillis;
    private final LongSupplier clock;

    public GatewayLiveness(long expiryMillis, LongSupplier clock) {
        this.expiryMillis = expiryMillis;
        this.clock = clock;
    }

    @Override
    public void onHeartbeat(GatewayHeartbeat hb) {
        // Judged by our clock, not the sender's: the two machines' clocks may disagree.
        latestById.put(hb.gateway().id(), new Seen(hb.gateway().incarnation(), clock.getAsLong(), hb.leaving()));
        graceStartedAt.remove(hb.gateway());
    }

    public boolean isAlive(GatewayRef ref) {
        long now = clock.getAsLong();
        Seen seen = latestById.get(ref.id());
        if (seen != null && seen.incarnation().equals(ref.incarnation())) {
            return !seen.leaving() && now - seen.atMillis() <= expiryMillis;
        }
        long since = graceStartedAt.computeIfAbsent(ref, r -> now);
        return now - since <= expiryMillis;
    }

    /**
     * The incarnation is the one its gateway id last heartbeated with, freshly, and not leaving:
     * no grace for an older run (a restarted gateway does not hold its old run's sessions).
     */
    public boolean isCurrent(GatewayRef ref) {
        Seen seen = latestById.get(ref.id());
        return seen != null && seen.incarnation().equals(ref.incarnation()) && !seen.leaving()
                && clock.getAsLong() - seen.atMillis() <= expiryMillis;
    }

    /** Gateways whose latest incarnation heartbeats and is not leaving (for metrics; walks every gateway). */
    public int liveGatewayCount() {
        long now = clock.getAsLong();
        int live = 0;
        for (Seen seen : latestById.values()) {
            if (!seen.leaving() && now - seen.atMillis() <= expiryMillis) {
                live++;
            }
        }
        return live;
    }

    /** Forgets an incarnation whose routes are gone. */
    public void forget(GatewayRef ref) {
        graceStartedAt.remove(ref);
    }
}
