package io.kmqtt.gateway.cluster;

import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.state.ClusterCommand;
import io.kmqtt.core.state.SessionRecord;
import io.kmqtt.gateway.handler.Disconnects;
import io.kmqtt.gateway.session.ClientSession;
import io.kmqtt.gateway.session.LocalSubscriptions;
import io.kmqtt.gateway.session.PersistentSessions;
import io.kmqtt.gateway.session.SessionRegistry;
import io.kmqtt.gateway.session.WillMessages;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Carries out the commands broadcast to every gateway, for the clients connected here: takeovers
 * by another gateway, and the admin API's kick, subscribe and unsubscribe. Announces this
 * gateway's own takeovers.
 */
@ApplicationScoped
public class ClusterCommands {

    private static final Logger LOG = Logger.getLogger(ClusterCommands.class);

    private final MessageBus bus;
    private final GatewayRef self;
    private final SessionRegistry sessions;
    private final LocalSubscriptions subscriptions;
    private final ClientPresence presence;
    private final WillMessages wills;
    private final PersistentSessions persistentSessions;
    /**
     * Per client id, how many of this gateway's TAKEOVER announcements are not yet read back from
     * the commands channel. The channel is one partition, so every gateway reads the takeovers in
     * the same order, and the last one wins: a takeover from another gateway read while this
     * gateway still has one of its own to read for that client id was written before ours, and is
     * older than the connection that wrote ours.
     */
    private final Map<String, Integer> unreadAnnouncements = new ConcurrentHashMap<>();
    private MessageBus.Registration consuming;

    @Inject
    public ClusterCommands(MessageBus bus, GatewayRef self, SessionRegistry sessions, LocalSubscriptions subscriptions,
                           ClientPresence presence, WillMessages wills, PersistentSessions persistentSessions) {
        this.wills = wills;
        this.persistentSessions = persistentSessions;
        this.bus = bus;
        this.self = self;
        this.sessions = sessions;
        this.subscriptions = subscriptions;
        this.presence = presence;
    }

    /** Starts consuming commands. Call at start-up. */
    public void start() {
        consuming = bus.consumeBroadcasts(bytes -> execute(ClusterCommand.decode(bytes)));
    }

    public void stop() {
        if (consuming != null) {
            consuming.close();
        }
    }

    /**
     * A connection of this client id is about to be registered here: from now until its TAKEOVER
     * ({@link #announceConnected}) is read back, takeovers that other gateways announced earlier
     * leave this client id alone here. Call before the connection is registered, then
     * {@link #announceConnected}.
     */
    public void announcing(String clientId) {
        unreadAnnouncements.merge(clientId, 1, Integer::sum);
    }

    /**
     * Tells the other gateways that this client id is now connected here, so they drop its older
     * connection, and save its session for this gateway (or, with discard, drop that too).
     * Completes once the announcement is in the commands channel, or could not be written.
     */
    public CompletionStage<Void> announceConnected(String clientId, boolean discard) {
        ClusterCommand.Type type = discard ? ClusterCommand.Type.TAKEOVER_DISCARD : ClusterCommand.Type.TAKEOVER;
        return bus.broadcast(new ClusterCommand(type, clientId, self.toString(), null, 0).encode())
                .handle((ok, error) -> {
                    if (error != null) {
                        announcementRead(clientId); // it is not in the channel: nothing to wait for
                        LOG.warnf("client '%s': takeover not announced (an older connection on another gateway stays"
                                + " open until it ends): %s", clientId, error.getMessage());
                    }
                    return null;
                });
    }

    private void announcementRead(String clientId) {
        unreadAnnouncements.computeIfPresent(clientId, (id, n) -> n == 1 ? null : n - 1);
    }

    void execute(ClusterCommand command) {
        boolean takeover = command.type() == ClusterCommand.Type.TAKEOVER
                || command.type() == ClusterCommand.Type.TAKEOVER_DISCARD;
        boolean discard = command.type() == ClusterCommand.Type.TAKEOVER_DISCARD;
        // Looked up before the check below: a connection registered after this line announced
        // itself after this command, so it is newer and must not be the one taken over.
        ClientSession session = sessions.get(command.clientId());
        if (takeover) {
            if (command.origin().equals(self.toString())) {
                announcementRead(command.clientId());
                return;
            }
            if (unreadAnnouncements.containsKey(command.clientId())) {
                // The client connected here after it connected there (a quick reconnect through a load
                // balancer): this takeover is older than our connection, whose own takeover, later in
                // the channel, ends the one there. Acting on it would disconnect the newer connection
                // (0x8E) and discard its session, will and all.
                LOG.debugf("client '%s': takeover by %s ignored, the client connected here since", command.clientId(),
                        command.origin());
                return;
            }
            wills.cancel(command.clientId()); // it connected again elsewhere within its Will Delay Interval
            persistentSessions.takenOverElsewhere(command.clientId(), discard, command.origin());
        }
        if (command.type() == ClusterCommand.Type.DISCARD_SESSION) {
            if (persistentSessions.isParkedHere(command.clientId())) {
                LOG.infof("client '%s': its disconnected session ended by %s", command.clientId(), command.origin());
                persistentSessions.discard(command.clientId(), false);
            }
            return;
        }
        if (command.type() == ClusterCommand.Type.RELEASED) {
            if (command.filter().equals(self.toString())) {
                persistentSessions.released(command.clientId(),
                        command.session().length == 0 ? null : SessionRecord.decode(command.session()));
            }
            return;
        }
        if (session == null) {
            return;
        }
        switch (command.type()) {
            case TAKEOVER, TAKEOVER_DISCARD -> session.onLoop(() -> {
                session.takenOver(discard, command.origin());
                Disconnects.disconnect(session.endpoint(), MqttDisconnectReasonCode.SESSION_TAKEN_OVER,
                        "the client connected again at gateway " + command.origin());
            });
            case KICK -> session.onLoop(() -> Disconnects.disconnect(session.endpoint(),
                    MqttDisconnectReasonCode.ADMINISTRATIVE_ACTION, "kicked by " + command.origin()));
            case SUBSCRIBE -> session.onLoop(() -> {
                LOG.infof("client '%s': subscribed to '%s' (QoS %d) by %s", session.clientId(), command.filter(),
                        command.qos(), command.origin());
                subscriptions.subscribe(session, command.filter(), command.qos())
                        .whenComplete((ok, error) -> {
                            presence.update(session);
                            persistentSessions.saveConnected(session);
                        });
            });
            case RELEASED, DISCARD_SESSION -> {
            }
            case UNSUBSCRIBE -> session.onLoop(() -> {
                var withdrawal = subscriptions.unsubscribe(session, command.filter());
                if (withdrawal != null) {
                    LOG.infof("client '%s': unsubscribed from '%s' by %s", session.clientId(), command.filter(),
                            command.origin());
                    withdrawal.whenComplete((ok, error) -> {
                        presence.update(session);
                        persistentSessions.saveConnected(session);
                    });
                }
            });
        }
    }
}
