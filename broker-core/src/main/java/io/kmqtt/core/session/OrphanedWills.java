package io.kmqtt.core.session;

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
    /** When this router first found a will's gateway dead: its delay counts from then. */
    private final Map<String, Long> orphanedAt = new ConcurrentHashMap<>();
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
    public void onPut(String key, byte[] value) {
        try {
            wills.put(key, WillRecord.decode(value));
            orphanedAt.remove(key);
        } catch (IllegalArgumentException e) {
            LOG.warning("will '" + key + "' skipped: " + e.getMessage());
        }
    }

    @Override
    public void onRemove(String key) {
        wills.remove(key);
        orphanedAt.remove(key);
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
        for (Map.Entry<String, WillRecord> entry : wills.entrySet()) {
            String key = entry.getKey();
            WillRecord record = entry.getValue();
            if (liveness.isAlive(record.owner())) {
                orphanedAt.remove(key);
                continue;
            }
            long since = orphanedAt.computeIfAbsent(key, k -> now);
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
