package io.kmqtt.core.session;

import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.routing.GatewayLiveness;
import io.kmqtt.core.state.ReplicatedTable;
import io.kmqtt.core.state.TableListener;
import io.kmqtt.core.state.WillRecord;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The router's side of will messages: publishes the wills a dead gateway held.
 *
 * <p>Follows the wills table, where each gateway keeps the will of every connection it holds (and
 * of disconnected ones whose will is delayed) until the connection ends normally or the will is
 * published. When the holding gateway is found dead (no heartbeat for {@code router.gateway-expiry}),
 * its wills are published after their delay, counted from then, by one router: the owner of the
 * shard the client id hashes to. A delayed will is cancelled if the client's persistent session
 * has meanwhile been resumed on a live gateway (MQTT 5.0 section 3.1.3.2.2). A published or
 * cancelled will is removed from the table; a publish the bus refuses is tried again next sweep.
 */
public final class OrphanedWills implements TableListener {

    private static final Logger LOG = Logger.getLogger(OrphanedWills.class.getName());

    private final ReplicatedTable table;
    private final MessageBus bus;
    private final GatewayLiveness liveness;
    private final OfflineSessions sessions;
    private final LongSupplier clock;
    private final Map<String, WillRecord> wills = new ConcurrentHashMap<>();
    /** The same wills by holding gateway, so that a sweep looks only at those of dead gateways. */
    private final Map<GatewayRef, Map<String, WillRecord>> byOwner = new ConcurrentHashMap<>();
    /** When this router first found a gateway dead: the delays of its wills count from then. */
    private final Map<GatewayRef, Long> deadSince = new ConcurrentHashMap<>();
    /** Wills being published, so that a slow publish is not started twice. */
    private final Set<String> publishing = ConcurrentHashMap.newKeySet();
    private final LongAdder published = new LongAdder();
    private final LongAdder cancelled = new LongAdder();

    public OrphanedWills(ReplicatedTable table, MessageBus bus, GatewayLiveness liveness, OfflineSessions sessions,
                         LongSupplier clock) {
        this.table = table;
        this.bus = bus;
        this.liveness = liveness;
        this.sessions = sessions;
        this.clock = clock;
    }

    @Override
    public synchronized void onPut(String key, byte[] value) {
        WillRecord record;
        try {
            record = WillRecord.decode(value);
        } catch (IllegalArgumentException e) {
            LOG.warning("will '" + key + "' skipped: " + e.getMessage());
            return;
        }
        WillRecord previous = wills.put(key, record);
        if (previous != null) {
            removeFromOwner(previous.owner(), key);
        }
        byOwner.computeIfAbsent(record.owner(), owner -> new ConcurrentHashMap<>()).put(key, record);
    }

    @Override
    public synchronized void onRemove(String key) {
        WillRecord previous = wills.remove(key);
        if (previous != null) {
            removeFromOwner(previous.owner(), key);
        }
    }

    private void removeFromOwner(GatewayRef owner, String key) {
        byOwner.computeIfPresent(owner, (o, group) -> {
            group.remove(key);
            return group.isEmpty() ? null : group;
        });
    }

    /**
     * Publishes the wills of dead gateways whose delay has passed and whose client id hashes to a
     * shard this router owns. Called by the routers' periodic sweep.
     *
     * @return the number of wills published or cancelled
     */
    public int publishDue(Collection<Integer> ownedShards, int shardCount) {
        long now = clock.getAsLong();
        int done = 0;
        deadSince.keySet().retainAll(byOwner.keySet());
        for (Map.Entry<GatewayRef, Map<String, WillRecord>> group : byOwner.entrySet()) {
            GatewayRef owner = group.getKey();
            if (liveness.isAlive(owner)) {
                deadSince.remove(owner);
                continue;
            }
            long since = deadSince.computeIfAbsent(owner, o -> now);
            done += publishDue(group.getValue(), since, now, ownedShards, shardCount);
        }
        return done;
    }

    private int publishDue(Map<String, WillRecord> group, long since, long now, Collection<Integer> ownedShards,
                           int shardCount) {
        int done = 0;
        for (Map.Entry<String, WillRecord> entry : group.entrySet()) {
            String key = entry.getKey();
            WillRecord record = entry.getValue();
            if (!ownedShards.contains(Math.floorMod(record.clientId().hashCode(), shardCount))
                    || !publishing.add(key)) {
                continue;
            }
            if (record.delaySeconds() > 0 && sessions.resumedElsewhere(record.clientId(), record.owner())) {
                cancelled.increment();
                done++;
                LOG.info("will of '" + record.clientId() + "' not sent: its session resumed before the Will Delay"
                        + " Interval ended (its gateway " + record.owner().id() + " is gone)");
                table.remove(key).whenComplete((ok, error) -> publishing.remove(key));
                continue;
            }
            if (now - since < record.delaySeconds() * 1000L) {
                publishing.remove(key);
                continue;
            }
            done++;
            publish(key, record, now);
        }
        return done;
    }

    private void publish(String key, WillRecord record, long now) {
        Envelope will = record.will();
        long expiry = will.expiryAtMillis() == 0 ? 0 : now + (will.expiryAtMillis() - will.createdAtMillis());
        Envelope message = new Envelope(will.topic(), will.payload(), will.qos(), will.retain(), will.publisherId(),
                will.originGateway(), now, expiry, will.properties());
        bus.publish(message)
                .thenCompose(ok -> table.remove(key))
                .whenComplete((ok, error) -> {
                    publishing.remove(key);
                    if (error != null) {
                        LOG.warning("will of '" + record.clientId() + "' to '" + will.topic() + "' not published yet"
                                + " (tried again next sweep): " + error.getMessage());
                    } else {
                        published.increment();
                        LOG.info("published the will of '" + record.clientId() + "' to '" + will.topic()
                                + "': its gateway " + record.owner().id() + " is gone");
                    }
                });
    }

    public int willCount() {
        return wills.size();
    }

    public long published() {
        return published.sum();
    }

    public long cancelled() {
        return cancelled.sum();
    }
}
