package io.kmqtt.core.session;

import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.index.SubscriptionIndex;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.routing.GatewayLiveness;
import io.kmqtt.core.state.ReplicatedTable;
import io.kmqtt.core.state.SessionRecord;
import io.kmqtt.core.state.TableListener;
import io.kmqtt.core.topic.MatchedSubscriptions;
import io.kmqtt.core.topic.SharedSubscription;
import io.kmqtt.core.topic.SubscriptionOptions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The router's side of persistent sessions: queues messages for the sessions no live gateway
 * looks after.
 *
 * <p>Follows the sessions table. A session whose owning gateway is alive and has a route for the
 * message gets it from that gateway (connected, or parked there after its client left). Otherwise
 * (the owner was killed or drained away, or its routes have not reached this router yet) nobody
 * would deliver it: the router that owns the message's shard appends it to the session's offline
 * queue, at min(published, subscribed) QoS; QoS 0 is not queued. Deciding by the routes the router
 * has applied, not only by the table, means a message is never missed while the two disagree. It
 * also ends the sessions of dead owners whose expiry has passed.
 */
public final class OfflineSessions implements TableListener {

    private static final Logger LOG = Logger.getLogger(OfflineSessions.class.getName());

    private final ReplicatedTable table;
    private final SessionInbox inbox;
    private final OrderedAppends appends;
    private final GatewayLiveness liveness;
    private final int maxQueued;
    private final LongSupplier clock;
    private final Map<String, SessionRecord> sessions = new ConcurrentHashMap<>();
    /** Values: {@link SubscriptionOptions#withIdentifier} (options and Subscription Identifier). */
    private final SubscriptionIndex<String, Long> index = new SubscriptionIndex<>();
    /** When this router first found the owner of a still-connected session dead: its expiry counts from then. */
    private final Map<String, Long> orphanedAt = new ConcurrentHashMap<>();
    private final LongAdder queued = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder expired = new LongAdder();

    public OfflineSessions(ReplicatedTable table, SessionInbox inbox, GatewayLiveness liveness, int maxQueued,
                           LongSupplier clock) {
        this.table = table;
        this.inbox = inbox;
        this.appends = new OrderedAppends(inbox);
        this.liveness = liveness;
        this.maxQueued = maxQueued;
        this.clock = clock;
    }

    // ---- the sessions table -------------------------------------------------------------

    @Override
    public synchronized void onPut(String key, byte[] value) {
        SessionRecord record;
        try {
            record = SessionRecord.decode(value);
        } catch (IllegalArgumentException e) {
            LOG.warning("session '" + key + "' skipped: " + e.getMessage());
            return;
        }
        SessionRecord previous = sessions.put(key, record);
        if (previous != null) {
            previous.subscriptions().keySet().forEach(filter -> index.remove(filter, key));
        }
        record.subscriptions().forEach((filter, options) -> {
            if (!SharedSubscription.isShared(filter)) {
                index.add(filter, key, SubscriptionOptions.withIdentifier(options, record.subscriptionId(filter)));
            }
        });
        orphanedAt.remove(key);
    }

    @Override
    public synchronized void onRemove(String key) {
        SessionRecord previous = sessions.remove(key);
        if (previous != null) {
            previous.subscriptions().keySet().forEach(filter -> index.remove(filter, key));
        }
        orphanedAt.remove(key);
    }

    @Override
    public void onCaughtUp() {
    }

    // ---- per message --------------------------------------------------------------------

    /**
     * Queues the message for every matching session whose owner does not get it. Called by the
     * shard's owner; the stage completes when the queues have it (null if no session needed it).
     *
     * @param deliveredTo the ids of the live gateways the message is delivered to
     */
    public CompletionStage<Void> route(Envelope message, List<String> deliveredTo) {
        if (message.qos() == 0 || sessions.isEmpty()) {
            return null;
        }
        List<CompletableFuture<?>> writes = new ArrayList<>(0);
        Map<String, MatchedSubscriptions> matched = new HashMap<>(4);
        index.match(message.topic(), (clientId, subscription) -> {
            if (MatchedSubscriptions.deliversTo(SubscriptionOptions.optionsOf(subscription), clientId, message.publisherId())) {
                matched.computeIfAbsent(clientId, id -> new MatchedSubscriptions()).add(subscription);
            }
        });
        matched.forEach((clientId, match) -> {
            SessionRecord session = sessions.get(clientId);
            int qos = match.qos(message.qos());
            if (session == null || qos == 0 || (deliveredTo.contains(session.ownerId()) && hasLiveOwner(session))) {
                return;
            }
            queued.increment();
            writes.add(appends.append(clientId, List.of(PendingMessage.queued(message, qos,
                            match.retain(message.retain()), match.subscriptionIds())), maxQueued,
                            Math.max(1, session.expirySeconds() * 1000L))
                    .whenComplete((drops, error) -> {
                        if (error != null) {
                            if (failed.sum() % 1000 == 0) {
                                LOG.warning("offline queue of '" + clientId + "': message on '" + message.topic()
                                        + "' not stored (the client will not get it): " + error.getMessage()
                                        + " (" + (failed.sum() + 1) + " such failures so far)");
                            }
                            failed.increment();
                        } else if (drops > 0) {
                            dropped.add(drops);
                        }
                    }).toCompletableFuture());
        });
        // A store failure is counted and logged above; it must not hold up the shard.
        return writes.isEmpty() ? null
                : CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).handle((ok, error) -> null);
    }

    /**
     * Whether the client's persistent session is now held by a live gateway other than {@code previousOwner}:
     * its client connected again there.
     */
    public boolean resumedElsewhere(String clientId, GatewayRef previousOwner) {
        SessionRecord session = sessions.get(clientId);
        return session != null && hasLiveOwner(session)
                && !(session.ownerId().equals(previousOwner.id()) && session.ownerIncarnation().equals(previousOwner.incarnation()));
    }

    private boolean hasLiveOwner(SessionRecord session) {
        return !session.ownerId().isEmpty()
                && liveness.isCurrent(new GatewayRef(session.ownerId(), session.ownerIncarnation()));
    }

    // ---- expiry -------------------------------------------------------------------------

    /**
     * Ends the sessions without a live owner whose expiry has passed: removes them from the table
     * and deletes their queues. A session its owner still looks after is the owner's to end.
     *
     * @return the number of sessions ended
     */
    public int expireOrphans() {
        long now = clock.getAsLong();
        int ended = 0;
        for (SessionRecord session : List.copyOf(sessions.values())) {
            if (hasLiveOwner(session)) {
                orphanedAt.remove(session.clientId());
                continue;
            }
            long since = session.connected()
                    ? orphanedAt.computeIfAbsent(session.clientId(), id -> now)
                    : session.disconnectedAtMillis();
            if (now - since < session.expirySeconds() * 1000L) {
                continue;
            }
            ended++;
            expired.increment();
            table.remove(session.clientId());
            inbox.delete(session.clientId());
            LOG.info("session '" + session.clientId() + "' expired (its gateway " + session.ownerId() + " is gone)");
        }
        return ended;
    }

    public int sessionCount() {
        return sessions.size();
    }

    public long queued() {
        return queued.sum();
    }

    public long dropped() {
        return dropped.sum();
    }

    public long failed() {
        return failed.sum();
    }

    public long expired() {
        return expired.sum();
    }
}
