package io.kmqtt.gateway.session;

import io.kmqtt.auth.core.RepeatedWarning;
import io.kmqtt.bus.SessionConfig;
import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.session.OrderedAppends;
import io.kmqtt.core.session.PendingMessage;
import io.kmqtt.core.session.SessionInbox;
import io.kmqtt.core.state.ClusterCommand;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.ReplicatedTable;
import io.kmqtt.core.state.SessionRecord;
import io.kmqtt.core.state.TableMirror;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.topic.SharedSubscription;
import io.kmqtt.core.message.MessageKey;
import io.kmqtt.core.topic.MatchedSubscriptions;
import io.kmqtt.core.topic.Topics;
import io.kmqtt.gateway.GatewayMetrics;
import io.kmqtt.gateway.config.GatewayConfig;
import io.kmqtt.gateway.cluster.ClientPresence;
import io.kmqtt.gateway.GatewayMetrics.DropReason;
import io.kmqtt.gateway.delivery.Outbound;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The gateway's side of persistent sessions (MQTT 3.1.1 clean session 0, MQTT 5 Session Expiry
 * Interval above 0).
 *
 * <p>Each persistent session has one owner, recorded in the sessions table: the gateway its
 * connection is on. When the connection ends the session stays <em>parked</em> on that gateway: its
 * subscriptions stay in the local index and keep their routes, and every message for it is appended
 * to its offline queue in the {@link SessionInbox}, after what it had in flight and queued. When
 * the client comes back, here or through another gateway, the new gateway takes the session over:
 * the old owner saves what it still holds, stops collecting and says so ({@code RELEASED}); the new
 * one then reads the queue and sends it ahead of anything newer. If the owner died, the routers
 * collect the session's messages instead, and the new gateway waits for the owner only
 * {@code mqtt.session-handover-timeout}.
 */
@ApplicationScoped
public class PersistentSessions {

    private static final Logger LOG = Logger.getLogger(PersistentSessions.class);

    private final MessageBus bus;
    private final GatewayRef self;
    private final SessionInbox inbox;
    private final OrderedAppends appends;
    private final LocalSubscriptions subscriptions;
    private final GatewayMetrics metrics;
    private final Vertx vertx;
    private final ClientPresence presence;
    private final int maxQueued;
    private final Duration routerLag;
    private final Map<String, SessionRecord> records = new ConcurrentHashMap<>();
    private final TableMirror<SessionRecord> mirror = new TableMirror<>(records, SessionRecord::decode, "session");
    private final Map<String, ClientSession> parked = new ConcurrentHashMap<>();
    private final Map<String, Long> expiryTimers = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<SessionRecord>> awaitingRelease = new ConcurrentHashMap<>();
    private final AtomicLong storeFailures = new AtomicLong();
    /** One warning per 10 s while the store fails: a Redis outage fails every message of every parked session. */
    private final RepeatedWarning storeWarning = new RepeatedWarning(10_000, System::currentTimeMillis);
    /** What dead gateways had not read of their delivery channels, read once for all their sessions. */
    private final Map<String, Unread> unreadByGateway = new ConcurrentHashMap<>();
    /** Messages recovered for a resuming session from its dead owner's delivery channel. */
    private final Map<String, List<PendingMessage>> recovered = new ConcurrentHashMap<>();

    private record Unread(long readAtMillis, CompletableFuture<List<Envelope>> messages) {
    }

    /** How many unread deliveries of a dead gateway are read at most. */
    private static final int UNREAD_LIMIT = 200_000;
    /** How long one read of a dead gateway's channel serves its sessions' resumptions. */
    private static final long UNREAD_REUSE_MILLIS = 30_000;
    private volatile ReplicatedTable table;
    private MessageBus.Registration following;

    @Inject
    public PersistentSessions(MessageBus bus, GatewayRef self, SessionInbox inbox, SessionConfig config,
                              GatewayConfig gatewayConfig, LocalSubscriptions subscriptions, GatewayMetrics metrics,
                              Vertx vertx, ClientPresence presence) {
        this.presence = presence;
        this.bus = bus;
        this.self = self;
        this.inbox = inbox;
        this.appends = new OrderedAppends(inbox);
        this.subscriptions = subscriptions;
        this.metrics = metrics;
        this.vertx = vertx;
        this.maxQueued = config.maxQueuedMessages();
        this.routerLag = gatewayConfig.sessionMoveRouterLag();
    }

    /** Opens and follows the sessions table; blocks until Kafka has it. Call at start-up. */
    public void start() {
        table = bus.table(ClusterTable.SESSIONS);
        following = table.follow(mirror);
    }

    /** Waits (a bounded time) for the offline-queue appends under way, then stops following the table. */
    public void stop() {
        try {
            appends.allFlushed().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warnf("stopping with offline-queue appends for %d client(s) unfinished: %s", appends.pendingClients(), e);
        }
        if (following != null) {
            following.close();
        }
    }

    /** The client's session, if it has one that has not expired. */
    public Optional<SessionRecord> find(String clientId) {
        SessionRecord record = records.get(clientId);
        if (record == null || record.expiredAt(System.currentTimeMillis())) {
            return Optional.empty();
        }
        return Optional.of(record);
    }

    /** A session parked here, disconnected (for tests and the admin API). */
    public boolean isParkedHere(String clientId) {
        return parked.containsKey(clientId);
    }

    public int parkedCount() {
        return parked.size();
    }

    /** The sessions parked here (their clients disconnected), for the delivery channel's settled position. */
    public java.util.Collection<ClientSession> parkedSessions() {
        return parked.values();
    }

    // ---- a connection arrives -------------------------------------------------------------

    /**
     * A connection with a clean start (or without a persistent session) replaces whatever session
     * the client id had: it ends here, and every gateway is told to drop it unsaved (TAKEOVER_DISCARD).
     *
     * @param startsPersistent the new connection starts a persistent session, whose queue must begin empty
     */
    public void discard(String clientId, boolean startsPersistent) {
        ClientSession old = parked.remove(clientId);
        if (old != null) {
            old.outbound().unpark();
            cancelExpiry(clientId);
            subscriptions.unsubscribeAll(old);
            presence.disconnected(old);
        }
        if (old == null && !records.containsKey(clientId) && !startsPersistent) {
            return; // the usual case: a client that never had a persistent session costs nothing here
        }
        table.remove(clientId).whenComplete((ok, error) -> storeResult(clientId, "session removal", error));
        appends.flushed(clientId).thenCompose(v -> inbox.delete(clientId))
                .whenComplete((ok, error) -> storeResult(clientId, "offline queue deletion", error));
    }

    /**
     * The new connection resumes the client's session: completes when whoever held it (a
     * connection or park here, or another gateway) has saved what it owed the client, or after the
     * handover timeout if that holder does not answer (it died). Completes with the session as its
     * holder last knew it (its subscriptions may be newer than the table's), or null if no holder answered.
     *
     * @param replacedHere a connection of this client id on this gateway that the new one replaces
     * @param released     what {@link #expectRelease} returned, before the holder was told
     */
    public CompletionStage<SessionRecord> takeOver(String clientId, SessionRecord record, ClientSession replacedHere,
                                                   CompletableFuture<SessionRecord> released, Duration timeout) {
        ClientSession old = parked.remove(clientId);
        if (old != null) {
            awaitingRelease.remove(clientId, released);
            cancelExpiry(clientId);
            return handOver(old, null);
        }
        boolean heldElsewhere = !record.ownerId().equals(self.id()) || !record.ownerIncarnation().equals(self.incarnation());
        if (replacedHere == null && !heldElsewhere) {
            awaitingRelease.remove(clientId, released);
            return appends.flushed(clientId).thenApply(v -> null);
        }
        return released.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((holder, error) -> {
            awaitingRelease.remove(clientId, released);
            return error == null ? holder : null;
        }).thenCompose(holder -> {
            if (holder != null || !heldElsewhere) {
                return appends.flushed(clientId).thenApply(v -> holder);
            }
            // The owner did not answer: it is gone. What the routers sent it and it never read is its
            // sessions' too; the routers queue for them only once they see it dead.
            LOG.infof("client '%s': gateway %s did not hand its session over within %s (gone?); resuming with its"
                    + " offline queue and what %s left unread", clientId, record.ownerId(), timeout, record.ownerId());
            return unreadOf(record.ownerId()).handle((unread, readError) -> {
                if (readError != null) {
                    LOG.warnf("client '%s': the unread deliveries of gateway %s could not be read (messages routed to"
                            + " it before it died are lost for this session): %s", clientId, record.ownerId(), readError);
                } else {
                    List<PendingMessage> mine = matching(record, unread);
                    if (!mine.isEmpty()) {
                        recovered.put(clientId, mine);
                    }
                }
                return (SessionRecord) null;
            });
        });
    }

    /**
     * A connection here is about to resume the client's session: the waiter for its holder's answer
     * ({@link #released}) is in place before the holder is told (the TAKEOVER announcement, or the
     * replaced connection here closing), since the answer can come back before {@link #takeOver} runs.
     * Pass it to {@link #takeOver}.
     */
    public CompletableFuture<SessionRecord> expectRelease(String clientId) {
        CompletableFuture<SessionRecord> released = new CompletableFuture<>();
        awaitingRelease.put(clientId, released);
        return released;
    }

    /** The holder of a session this gateway is taking over has saved it (a RELEASED command, or locally). */
    public void released(String clientId, SessionRecord holder) {
        CompletableFuture<SessionRecord> waiting = awaitingRelease.remove(clientId);
        if (waiting != null) {
            waiting.complete(holder);
        }
    }

    /**
     * Reads the session's offline queue into the resumed connection and lets it send. Reads it once
     * more a handover timeout later: a router that had not yet seen the new owner's routes may
     * have queued a message meanwhile.
     */
    public void resume(ClientSession session, Duration lateSweepAfter) {
        String clientId = session.clientId();
        List<PendingMessage> fromDeadOwner = recovered.remove(clientId);
        inbox.takeAll(clientId).whenComplete((saved, error) -> {
            if (error != null) {
                storeResult(clientId, "offline queue read", error);
                saved = List.of();
            }
            session.outbound().restore(fromDeadOwner == null ? saved : merge(saved, fromDeadOwner));
        });
        vertx.setTimer(Math.max(1, lateSweepAfter.toMillis()), id -> {
            if (session.isClosed()) {
                return; // parked, handed over, or (session.endsWithConnection()) ended by its close
            }
            inbox.takeAll(clientId).whenComplete((late, error) -> {
                if (error != null) {
                    storeResult(clientId, "offline queue read", error);
                } else {
                    for (PendingMessage p : late) {
                        if (!p.released()) {
                            session.outbound().offer(new Outbound(p.message(), p.qos(), p.retain(), p.subscriptionIds()));
                        }
                    }
                }
                if (!session.persistent()) {
                    // Resumed by a connection without Session Expiry Interval: the session ends with it
                    // (MQTT 5.0 section 3.1.2.11.2). Now that what the routers queued during the move is
                    // read, nothing of it is stored any more: no record, no offline queue.
                    table.remove(clientId).whenComplete((ok, removeError) -> storeResult(clientId, "session removal", removeError));
                    appends.flushed(clientId).thenCompose(v -> inbox.delete(clientId))
                            .whenComplete((ok, deleteError) -> storeResult(clientId, "offline queue deletion", deleteError));
                }
            });
        });
    }

    /** A dead gateway's unread deliveries, read once and shared by its sessions' resumptions for a while. */
    private CompletionStage<List<Envelope>> unreadOf(String gatewayId) {
        long now = System.currentTimeMillis();
        unreadByGateway.values().removeIf(u -> now - u.readAtMillis() > 2 * UNREAD_REUSE_MILLIS);
        return unreadByGateway.compute(gatewayId, (id, old) -> old != null && now - old.readAtMillis() < UNREAD_REUSE_MILLIS
                ? old : new Unread(now, bus.unreadDeliveries(id, UNREAD_LIMIT).toCompletableFuture())).messages();
    }

    /** The messages a session's plain subscriptions match, as the session would have queued them. */
    static List<PendingMessage> matching(SessionRecord session, List<Envelope> messages) {
        List<PendingMessage> mine = new ArrayList<>();
        for (Envelope m : messages) {
            MatchedSubscriptions match = new MatchedSubscriptions();
            session.subscriptions().forEach((filter, options) -> {
                if (!SharedSubscription.isShared(filter) && Topics.matches(filter, m.topic())
                        && MatchedSubscriptions.deliversTo(options, session.clientId(), m.publisherId())) {
                    match.add(options, session.subscriptionId(filter));
                }
            });
            if (!match.isEmpty() && match.qos(m.qos()) > 0) {
                mine.add(PendingMessage.queued(m, match.qos(m.qos()), match.retain(m.retain()), match.subscriptionIds()));
            }
        }
        return mine;
    }

    /**
     * The offline queue and the messages recovered from a dead owner, as one queue: what was in
     * flight first, then the rest by the time it was published (the two sources interleave in
     * time), each message once.
     */
    static List<PendingMessage> merge(List<PendingMessage> saved, List<PendingMessage> recovered) {
        List<PendingMessage> inFlight = new ArrayList<>();
        List<PendingMessage> rest = new ArrayList<>();
        java.util.Set<MessageKey> seen = new java.util.HashSet<>();
        for (PendingMessage p : saved) {
            if (p.released() || p.packetId() != 0) {
                inFlight.add(p);
            } else {
                rest.add(p);
            }
            if (p.message() != null) {
                seen.add(MessageKey.of(p.message()));
            }
        }
        for (PendingMessage p : recovered) {
            if (seen.add(MessageKey.of(p.message()))) {
                rest.add(p);
            }
        }
        rest.sort(java.util.Comparator.comparingLong(p -> p.message().createdAtMillis()));
        inFlight.addAll(rest);
        return inFlight;
    }

    /** Records the session as connected here, with its subscriptions; after CONNECT and every (un)subscribe. */
    public void saveConnected(ClientSession session) {
        if (!session.persistent() || session.isClosed()) {
            return;
        }
        table.put(session.clientId(), recordOf(session, true, 0).encode())
                .whenComplete((ok, error) -> storeResult(session.clientId(), "session record", error));
    }

    /**
     * Records a session being resumed as connected here, so that the routers stop queuing for it;
     * also when the resuming connection has no Session Expiry Interval: its record stays until
     * {@link #resume}'s late sweep, or until the connection closes first.
     */
    public void saveResuming(ClientSession session) {
        if (session.isClosed()) {
            return;
        }
        table.put(session.clientId(), recordOf(session, true, 0).encode())
                .whenComplete((ok, error) -> storeResult(session.clientId(), "session record", error));
    }

    // ---- a connection ends ----------------------------------------------------------------

    /**
     * The connection of a persistent session ended. Taken over: save what it owed and release it
     * to its new holder (or drop it, if the new one started clean). Otherwise park it here.
     *
     * @param replacedHere a newer connection of the same client id took over on this gateway
     *                     (else {@link ClientSession#takenOverBy()} names the gateway that did, if any)
     * @return true if the session lives on (its subscriptions must stay)
     */
    public boolean connectionClosed(ClientSession session, boolean replacedHere) {
        String clientId = session.clientId();
        if (session.discardOnTakeover()) {
            session.outbound().park(p -> { });
            session.outbound().unpark();
            return false;
        }
        if (replacedHere || session.isTakenOver()) {
            String movingTo = replacedHere ? null : session.takenOverBy();
            handOver(session, movingTo).thenAccept(before -> releasedTo(clientId, movingTo, before));
            return true;
        }
        long now = System.currentTimeMillis();
        parked.put(clientId, session);
        // A session still being resumed parks once its saved messages are in place, ahead of the rest
        // (nothing is sent meanwhile). Unless it was taken over, discarded or expired by then.
        session.outbound().restored().thenRun(() -> {
            if (parked.get(clientId) == session) {
                park(session);
            }
        });
        table.put(clientId, recordOf(session, false, now).encode()).whenComplete((ok, error) -> storeResult(clientId, "session record", error));
        long timer = vertx.setTimer(Math.max(1, session.sessionExpirySeconds() * 1000), id -> expire(session));
        Long previous = expiryTimers.put(clientId, timer);
        if (previous != null) {
            vertx.cancelTimer(previous);
        }
        return true;
    }

    /** Another gateway took over a session parked here: save, stop collecting, tell it. */
    public void takenOverElsewhere(String clientId, boolean discard, String newHolder) {
        ClientSession old = parked.remove(clientId);
        if (old == null) {
            return;
        }
        cancelExpiry(clientId);
        presence.disconnected(old);
        if (discard) {
            old.outbound().unpark();
            subscriptions.unsubscribeAll(old);
            return;
        }
        handOver(old, newHolder).thenAccept(before -> releasedTo(clientId, newHolder, before));
    }

    private SessionRecord recordOf(ClientSession session, boolean connected, long disconnectedAt) {
        return new SessionRecord(session.clientId(), self.id(), self.incarnation(), connected,
                session.sessionExpirySeconds(), disconnectedAt, Map.copyOf(session.subscriptions()),
                Map.copyOf(session.subscriptionIds()));
    }

    /**
     * Saves what the session owes, stops collecting for it and drops its subscriptions here;
     * completes with the session as it was, once the saves are done.
     *
     * @param movingTo the taking gateway's {@code id/incarnation}; null when it moves to a connection here
     */
    private CompletionStage<SessionRecord> handOver(ClientSession session, String movingTo) {
        String clientId = session.clientId();
        SessionRecord before = recordOf(session, false, System.currentTimeMillis());
        // A session still being resumed here (it moves on at once) is parked once its saved messages
        // are in place, so that they are owed ahead of what arrived since.
        // Until the routers route the session's messages to its new gateway they send them here, so
        // its subscriptions stay, collecting into its queue (which the new gateway reads only after
        // RELEASED), until the routers have heard of the move. Then the messages routed here before
        // the routes go keep being collected until the last append is done, and so are those the
        // client had fallen behind on, taken back from the delivery channel.
        return session.outbound().restored()
                .thenCompose(restored -> {
                    park(session);
                    return routersHeardOfTheMove(clientId, movingTo);
                })
                .thenCompose(v -> {
                    subscriptions.unsubscribeAll(session);
                    return caughtUp(session, System.currentTimeMillis() + HAND_OVER_CATCH_UP_MILLIS);
                })
                .thenCompose(v -> appends.flushed(clientId))
                .thenApply(v -> {
                    session.outbound().unpark();
                    return before;
                });
    }

    /**
     * The longest a hand-over waits to see the new owner in the sessions table. The new gateway
     * writes itself there once its routes are in Kafka, and waits for RELEASED only
     * {@code mqtt.session-handover-timeout} (2 s by default), so this stays well below it.
     */
    private static final long MOVE_NOTICE_MAX_MILLIS = 1_000;

    /**
     * Completes once the routers can be taken to route the client's messages to {@code movingTo}:
     * the new owner is in the sessions table here, and {@code mqtt.session-move-router-lag} has passed since;
     * at once for a move within this gateway, whose routes stay.
     */
    private CompletionStage<Void> routersHeardOfTheMove(String clientId, String movingTo) {
        if (movingTo == null || movingTo.equals(self.toString())) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> heard = new CompletableFuture<>();
        long deadline = System.currentTimeMillis() + MOVE_NOTICE_MAX_MILLIS;
        vertx.setPeriodic(10, timer -> {
            SessionRecord record = records.get(clientId);
            boolean moved = record == null || !record.ownerId().equals(self.id())
                    || !record.ownerIncarnation().equals(self.incarnation());
            if (moved || System.currentTimeMillis() >= deadline) {
                vertx.cancelTimer(timer);
                if (!moved) {
                    LOG.debugf("client '%s': gateway %s not seen as its owner within %d ms; handing over anyway",
                            clientId, movingTo, MOVE_NOTICE_MAX_MILLIS);
                }
                vertx.setTimer(Math.max(1, routerLag.toMillis()), id -> heard.complete(null));
            }
        });
        return heard;
    }

    /** How long a hand-over waits for a session's missed messages to be taken back from the delivery channel. */
    private static final long HAND_OVER_CATCH_UP_MILLIS = 5_000;

    /** Completes once the session has nothing left to take back from the delivery channel, or at the deadline. */
    private CompletionStage<Void> caughtUp(ClientSession session, long deadlineMillis) {
        if (session.outbound().behindCount() == 0) {
            return CompletableFuture.completedFuture(null);
        }
        if (System.currentTimeMillis() >= deadlineMillis) {
            LOG.warnf("client '%s': handed over with %d message(s) it had fallen behind on still in the delivery channel;"
                    + " they are lost for it", session.clientId(), session.outbound().behindCount());
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> later = new CompletableFuture<>();
        vertx.setTimer(20, id -> caughtUp(session, deadlineMillis).whenComplete((ok, error) -> later.complete(null)));
        return later;
    }

    /** @param newHolder the taking gateway's {@code id/incarnation}; null for this gateway */
    private void releasedTo(String clientId, String newHolder, SessionRecord holder) {
        if (newHolder == null || newHolder.equals(self.toString())) {
            released(clientId, holder);
            return;
        }
        bus.broadcast(new ClusterCommand(ClusterCommand.Type.RELEASED, clientId, self.toString(), newHolder, 0,
                        holder.encode()).encode())
                .whenComplete((ok, error) -> {
                    if (error != null) {
                        LOG.warnf("client '%s': could not tell gateway %s its session is saved (it resumes after its"
                                + " handover timeout): %s", clientId, newHolder, error.getMessage());
                    }
                });
    }

    private void expire(ClientSession session) {
        String clientId = session.clientId();
        if (!parked.remove(clientId, session)) {
            return;
        }
        expiryTimers.remove(clientId);
        session.outbound().unpark();
        subscriptions.unsubscribeAll(session);
        presence.disconnected(session);
        LOG.debugf("session of '%s' expired after %d s", clientId, session.sessionExpirySeconds());
        table.remove(clientId).whenComplete((ok, error) -> storeResult(clientId, "session removal", error));
        appends.flushed(clientId).thenCompose(v -> inbox.delete(clientId))
                .whenComplete((ok, error) -> storeResult(clientId, "offline queue deletion", error));
    }

    private void cancelExpiry(String clientId) {
        Long timer = expiryTimers.remove(clientId);
        if (timer != null) {
            vertx.cancelTimer(timer);
        }
    }

    /** Appends what the session owes to its offline queue, and every later message for it after that. */
    private void park(ClientSession session) {
        long expiry = session.sessionExpirySeconds();
        append(session.clientId(), session.outbound().park(collector(session.clientId(), expiry)), expiry);
    }

    private Consumer<PendingMessage> collector(String clientId, long expirySeconds) {
        return entry -> append(clientId, List.of(entry), expirySeconds);
    }

    private void append(String clientId, List<PendingMessage> entries, long expirySeconds) {
        if (entries.isEmpty()) {
            return;
        }
        appends.append(clientId, entries, maxQueued, Math.max(1, expirySeconds) * 1000L)
                .whenComplete((dropped, error) -> {
                    if (error != null) {
                        metrics.dropped(DropReason.STORE_UNAVAILABLE, entries.size());
                        storeResult(clientId, "offline queue append", error);
                    } else if (dropped > 0) {
                        metrics.dropped(DropReason.QUEUE_FULL, dropped);
                    }
                });
    }

    private void storeResult(String clientId, String what, Throwable error) {
        if (error != null) {
            storeFailures.incrementAndGet();
            storeWarning.warn(LOG, () -> String.format("client '%s': %s failed (the session may lose messages or subscriptions):"
                    + " %s (%d such failures so far)", clientId, what, error.getMessage(), storeFailures.get()));
        }
    }

    /** Session store writes that failed since start. */
    public long storeFailures() {
        return storeFailures.get();
    }
}
