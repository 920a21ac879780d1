package io.kmqtt.gateway.session;

import io.kmqtt.core.state.SessionRecord;
import io.kmqtt.gateway.cluster.ClientPresence;
import io.kmqtt.gateway.cluster.ClusterCommands;
import io.kmqtt.gateway.config.GatewayConfig;
import io.kmqtt.gateway.delivery.OutboundWindow;
import io.kmqtt.gateway.handler.Disconnects;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A session's life on this gateway, in one place: it starts (clean, or resuming a persistent
 * session, possibly taking it over from another connection here or elsewhere), it is announced,
 * and it ends (its connection closes: it is parked if it outlives the connection, handed over if
 * a newer connection took it, else dropped).
 *
 * <pre>
 *   begin ──► CONNACK ──► connected ──► (resume: subscriptions back, holder saves, queue read) ──► live
 *                                                                                                  │
 *   closed ◄── DISCONNECT / network / takeover / kick / keep alive ◄───────────────────────────────┘
 *     ├─ persistent, taken over      → handed over (what it owes saved, RELEASED to the taker)
 *     ├─ persistent                  → parked here until its expiry (PersistentSessions)
 *     └─ otherwise                   → dropped; its will goes out unless the DISCONNECT was normal
 * </pre>
 *
 * The persistence side (sessions table, offline queues, parked sessions, handover across
 * gateways) is {@link PersistentSessions}; this class decides when each of its steps runs.
 */
@ApplicationScoped
public class SessionLifecycle {

    private static final Logger LOG = Logger.getLogger(SessionLifecycle.class);

    private final GatewayConfig config;
    private final SessionRegistry sessions;
    private final LocalSubscriptions subscriptions;
    private final PersistentSessions persistentSessions;
    private final ClientPresence presence;
    private final ClusterCommands commands;
    private final WillMessages wills;
    private final SharedHandOff sharedHandOff;

    @Inject
    public SessionLifecycle(GatewayConfig config, SessionRegistry sessions, LocalSubscriptions subscriptions,
                            PersistentSessions persistentSessions, ClientPresence presence, ClusterCommands commands,
                            WillMessages wills, SharedHandOff sharedHandOff) {
        this.config = config;
        this.sessions = sessions;
        this.subscriptions = subscriptions;
        this.persistentSessions = persistentSessions;
        this.presence = presence;
        this.commands = commands;
        this.wills = wills;
        this.sharedHandOff = sharedHandOff;
    }

    /**
     * How a session started: the stored session it resumes (if any), the connection here it
     * replaced (if any), and, when it resumes, the holder's answer once it has saved the session.
     */
    public record Start(Optional<SessionRecord> resumed, ClientSession replacedHere,
                        CompletableFuture<SessionRecord> released) {
        public boolean sessionPresent() {
            return resumed.isPresent();
        }
    }

    /**
     * A CONNECT was accepted: the session starts clean or resumes the stored one, and replaces any
     * connection of the same client id. Before CONNACK.
     *
     * <p>MQTT-3.1.2-4/-5 and MQTT 5.0 section 3.1.2.4: a clean start discards the session; otherwise
     * it resumes, whatever this CONNECT's Session Expiry Interval: that only says how long the session
     * outlives this connection (0, or absent: it ends when this connection closes, section 3.1.2.11.2).
     */
    public Start begin(ClientSession session, boolean cleanStart) {
        Optional<SessionRecord> resumed = cleanStart ? Optional.empty() : persistentSessions.find(session.clientId());
        if (resumed.isPresent()) {
            session.outbound().hold(); // its saved messages go first
            if (!session.persistent()) {
                session.endsWithConnection(); // its stored state goes when this connection closes
            }
        }
        wills.cancel(session.clientId()); // connected again within its previous connection's Will Delay Interval
        boolean discard = resumed.isEmpty();
        if (discard) {
            persistentSessions.discard(session.clientId(), session.persistent());
        }
        // Before the holder hears of it (the replaced connection closing, or the announcement).
        CompletableFuture<SessionRecord> released = discard ? null : persistentSessions.expectRelease(session.clientId());
        // Before it is registered: a takeover announced by another gateway before this connection's
        // own must not reach it (ClusterCommands).
        commands.announcing(session.clientId());
        ClientSession previous = sessions.register(session);
        if (previous != null) {
            previous.takenOver(discard, null);
            String why = "another connection with the same client id connected from " + session.peer();
            previous.onLoop(() -> Disconnects.disconnect(previous.endpoint(), MqttDisconnectReasonCode.SESSION_TAKEN_OVER, why));
        }
        return new Start(resumed, previous, released);
    }

    /**
     * Tells the cluster this client id is connected here (TAKEOVER): call after {@link #begin}, and
     * send CONNACK when this completes. Written before the CONNACK, the announcement is older than
     * any later connection of the client, at any gateway, so the last connection the client made
     * is always the one that stays. Completes when written, when it could not be, or after the
     * handover timeout, whichever comes first (CONNACK is not held back longer).
     */
    public CompletionStage<Void> announce(ClientSession session, Start start) {
        return commands.announceConnected(session.clientId(), start.resumed().isEmpty()).toCompletableFuture()
                .completeOnTimeout(null, config.sessionHandoverTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** CONNACK was sent: bring a resumed session's subscriptions and messages back. */
    public void connected(ClientSession session, Start start) {
        wills.connected(session);
        if (start.resumed().isPresent()) {
            resume(session, start.resumed().get(), start.replacedHere(), start.released());
        } else {
            presence.update(session);
            persistentSessions.saveConnected(session);
        }
    }

    /**
     * Resumes a saved session: its subscriptions come back at once (messages queue behind the saved
     * ones), its owner is told, and once the previous holder has saved what it owed, the offline
     * queue is read and sending starts.
     */
    private void resume(ClientSession session, SessionRecord record, ClientSession replacedHere,
                        CompletableFuture<SessionRecord> released) {
        subscribeAll(session, record)
                .thenRun(() -> {
                    presence.update(session);
                    persistentSessions.saveResuming(session); // the routers stop collecting for it
                })
                .thenCompose(v -> persistentSessions.takeOver(session.clientId(), record, replacedHere, released,
                        config.sessionHandoverTimeout()))
                .thenCompose(holder -> holder == null ? CompletableFuture.completedFuture(null) : reconcile(session, holder))
                .whenComplete((ok, error) -> {
                    if (error != null) {
                        LOG.warnf(error, "client '%s': resuming its session failed part-way", session.clientId());
                    }
                    persistentSessions.resume(session, config.sessionHandoverTimeout());
                });
    }

    /** The holder's subscriptions win over the table's, which may not yet show its last (un)subscribes. */
    private CompletionStage<Void> reconcile(ClientSession session, SessionRecord holder) {
        if (holder.subscriptions().equals(session.subscriptions())
                && holder.subscriptionIds().equals(session.subscriptionIds())) {
            return CompletableFuture.completedFuture(null);
        }
        for (String filter : List.copyOf(session.subscriptions().keySet())) {
            if (!holder.subscriptions().containsKey(filter)) {
                subscriptions.unsubscribe(session, filter);
            }
        }
        return subscribeAll(session, holder).thenRun(() -> {
            presence.update(session);
            persistentSessions.saveConnected(session);
        });
    }

    private CompletableFuture<Void> subscribeAll(ClientSession session, SessionRecord record) {
        List<CompletableFuture<Void>> routes = new ArrayList<>();
        record.subscriptions().forEach((filter, options) -> {
            int id = record.subscriptionId(filter);
            if (!Integer.valueOf(options).equals(session.subscriptions().get(filter))
                    || id != session.subscriptionIds().getOrDefault(filter, 0)) {
                routes.add(subscriptions.subscribe(session, filter, options, id).toCompletableFuture());
            }
        });
        // A route that could not be announced is logged by the bus; the session goes on with the rest.
        return CompletableFuture.allOf(routes.toArray(CompletableFuture[]::new)).handle((ok, error) -> null);
    }

    /**
     * The client's DISCONNECT may change the Session Expiry Interval (0 ends the session with the
     * connection), but not from 0 (MQTT 5.0 section 3.14.2.2.2). Returns false for that protocol error.
     */
    public boolean disconnectReceived(ClientSession session, MqttProperties properties) {
        if (properties == null) {
            return true;
        }
        MqttProperties.MqttProperty<?> p = properties.getProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value());
        if (p == null || !(p.value() instanceof Integer seconds)) {
            return true;
        }
        if (!session.persistent()) {
            return seconds == 0;
        }
        session.sessionExpirySeconds(Math.min(Integer.toUnsignedLong(seconds), config.maxSessionExpiry().toSeconds()));
        if (seconds == 0) {
            session.endsWithConnection();
        }
        return true;
    }

    /** The connection closed, for whatever reason: park, hand over or drop the session. */
    public void closed(ClientSession session, boolean normalDisconnect) {
        boolean replacedHere = sessions.get(session.clientId()) != session;
        sessions.unregister(session);
        List<OutboundWindow.Unfinished> unfinishedShared = session.outbound().takeUnfinishedShared();
        boolean livesOn = session.persistent() && persistentSessions.connectionClosed(session, replacedHere);
        if (session.endedByDisconnect() && !replacedHere && !session.isTakenOver()) {
            // Its DISCONNECT set the expiry to 0, or it resumed the session without one.
            persistentSessions.discard(session.clientId(), false);
        }
        if (!livesOn) {
            session.outbound().close();
        }
        // The routes of groups it leaves go first, so that the router does not pick this gateway for what it hands off.
        CompletionStage<Void> left = livesOn ? subscriptions.leaveSharedGroups(session) : subscriptions.unsubscribeAll(session);
        if (!unfinishedShared.isEmpty()) {
            left.whenComplete((ok, error) -> sharedHandOff.handOff(session.clientId(), unfinishedShared));
        }
        if (livesOn && persistentSessions.isParkedHere(session.clientId())) {
            presence.parked(session);
        } else {
            presence.disconnected(session);
        }
        if (normalDisconnect) {
            wills.forget(session);
        } else {
            wills.connectionLost(session);
        }
    }
}
