package io.kmqtt.core.routing;

import io.kmqtt.core.bus.RouterHeartbeat;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Which routers are alive and which shards each routes, judged from their heartbeats.
 *
 * <p>Judged by this router's clock when a heartbeat arrives, never by the sender's, so that routers
 * need not agree on the time. A heartbeat replayed from the log at start-up therefore looks fresh
 * for one expiry period; {@link ShardOwnership} waits that long before it acts.
 */
public final class RouterLiveness implements Consumer<RouterHeartbeat> {

    private record Seen(RouterHeartbeat heartbeat, long receivedAtMillis) {
    }

    private final Map<String, Seen> latest = new ConcurrentHashMap<>();
    private final long expiryMillis;
    private final LongSupplier clock;

    public RouterLiveness(long expiryMillis, LongSupplier clock) {
        this.expiryMillis = expiryMillis;
        this.clock = clock;
    }

    @Override
    public void accept(RouterHeartbeat heartbeat) {
        latest.put(heartbeat.routerId(), new Seen(heartbeat, clock.getAsLong()));
    }

    /** Routers heard from within the expiry and not leaving, by id, sorted. */
    public Set<String> liveRouters() {
        long now = clock.getAsLong();
        Set<String> live = new TreeSet<>();
        latest.forEach((id, seen) -> {
            if (isLive(seen, now)) {
                live.add(id);
            }
        });
        return live;
    }

    /** The router is alive and says it routes the shard (its routes loaded). */
    public boolean routes(String routerId, int shard) {
        Seen seen = latest.get(routerId);
        return seen != null && isLive(seen, clock.getAsLong()) && seen.heartbeat().routing().contains(shard);
    }

    private boolean isLive(Seen seen, long now) {
        return !seen.heartbeat().leaving() && now - seen.receivedAtMillis() <= expiryMillis;
    }
}
