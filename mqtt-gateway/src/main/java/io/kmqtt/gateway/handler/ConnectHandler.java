package io.kmqtt.gateway.handler;

import io.kmqtt.core.auth.AuthBackend;
import io.kmqtt.core.auth.AuthDecision;
import io.kmqtt.core.auth.AuthRequest;
import io.kmqtt.core.auth.Permissions;
import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.state.BanRecord;
import io.kmqtt.core.topic.TopicLimits;
import io.kmqtt.core.topic.Topics;
import io.kmqtt.gateway.ConnectRateLimit;
import io.kmqtt.gateway.GatewayMetrics;
import io.kmqtt.gateway.GatewayMetrics.AuthResult;
import io.kmqtt.gateway.cluster.BanList;
import io.kmqtt.gateway.cluster.ClientPresence;
import io.kmqtt.gateway.cluster.ClusterCommands;
import io.kmqtt.gateway.cluster.RetainedMessages;
import io.kmqtt.gateway.config.GatewayConfig;
import io.kmqtt.gateway.session.ClientSession;
import io.kmqtt.gateway.session.LocalSubscriptions;
import io.kmqtt.gateway.session.MqttProperties5;
import io.kmqtt.gateway.session.SessionRegistry;
import io.kmqtt.gateway.session.PersistentSessions;
import io.kmqtt.gateway.session.SharedHandOff;
import io.kmqtt.gateway.session.WillMessages;
import io.kmqtt.gateway.wire.ConnectCredentials;
import io.kmqtt.gateway.wire.KeepAlive;
import io.kmqtt.gateway.wire.MqttGatewayServer;
import io.kmqtt.gateway.wire.ConnectionFault;
import io.kmqtt.core.state.SessionRecord;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A new connection's CONNECT: decide, register the session, and wire one handler per packet type.
 * Everything after this runs on the connection's event loop.
 */
@ApplicationScoped
public class ConnectHandler {

    private static final Logger LOG = Logger.getLogger(ConnectHandler.class);
    /** The shape of the ids Vert.x assigns to clients that connect with an empty one (UUID.randomUUID()). */
    private static final java.util.regex.Pattern ASSIGNED_ID =
            java.util.regex.Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

    private final GatewayConfig config;
    private final MessageBus bus;
    private final GatewayRef gateway;
    private final SessionRegistry sessions;
    private final LocalSubscriptions subscriptions;
    private final GatewayMetrics metrics;
    private final TopicLimits limits;
    private final AuthBackend authBackend;
    private final boolean allowAnonymous;
    private final ClientPresence presence;
    private final BanList bans;
    private final ClusterCommands commands;
    private final RetainedMessages retained;
    private final WillMessages wills;
    private final PersistentSessions persistentSessions;
    private final SharedHandOff sharedHandOff;
    private volatile boolean shuttingDown;

    @Inject
    public ConnectHandler(GatewayConfig config, MessageBus bus, GatewayRef gateway, SessionRegistry sessions,
                          LocalSubscriptions subscriptions, GatewayMetrics metrics, AuthBackend authBackend,
                          ClientPresence presence, BanList bans, ClusterCommands commands, RetainedMessages retained,
                          WillMessages wills, PersistentSessions persistentSessions, SharedHandOff sharedHandOff) {
        this.sharedHandOff = sharedHandOff;
        this.wills = wills;
        this.persistentSessions = persistentSessions;
        this.retained = retained;
        this.presence = presence;
        this.bans = bans;
        this.commands = commands;
        this.config = config;
        this.bus = bus;
        this.gateway = gateway;
        this.sessions = sessions;
        this.subscriptions = subscriptions;
        this.metrics = metrics;
        this.limits = new TopicLimits(config.maxTopicLength(), config.maxTopicLevels());
        this.authBackend = authBackend;
        this.allowAnonymous = allowsAnonymous(config, authBackend);
    }

    /** Anonymous access defaults to on only when there is nothing to authenticate against. */
    public static boolean allowsAnonymous(GatewayConfig config, AuthBackend authBackend) {
        return config.allowAnonymous().orElse(!authBackend.configured());
    }

    /**
     * From now on every CONNECT gets "server unavailable", so that clients go to another gateway
     * while this one drains the ones it has. The listener itself stays open until the drain ends:
     * closing it would drop every connection at once.
     */
    public void refuseNewConnections() {
        shuttingDown = true;
    }

    /** The CONNECT handler of one listener, which has its own connection rate limit. */
    public MqttGatewayServer.ConnectionHandler forListener(String listener, ConnectRateLimit rateLimit) {
        return (endpoint, credentials, keepAlive) -> {
            if (!rateLimit.tryAcquire()) {
                refuse(endpoint, credentials.username(), endpoint.protocolVersion() == 5
                        ? MqttConnectReturnCode.CONNECTION_REFUSED_CONNECTION_RATE_EXCEEDED
                        : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                        "more than " + config.maxConnectRate() + " CONNECTs a second on the " + listener
                                + " listener (mqtt.max-connect-rate)");
                return;
            }
            handle(endpoint, credentials, keepAlive);
        };
    }

    public void handle(MqttEndpoint endpoint, ConnectCredentials credentials, KeepAlive keepAlive) {
        boolean v5 = endpoint.protocolVersion() == 5;
        if (shuttingDown) {
            refuseShuttingDown(endpoint);
            return;
        }
        if (config.maxConnections() > 0 && sessions.size() >= config.maxConnections()
                && sessions.get(endpoint.clientIdentifier()) == null) {
            refuse(endpoint, credentials.username(), v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED
                    : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                    "this gateway holds " + sessions.size() + " connections, its limit (mqtt.max-connections)");
            return;
        }
        if (endpoint.will() != null && endpoint.will().isWillFlag()
                && !Topics.validateName(endpoint.will().getWillTopic(), limits).isValid()) {
            refuse(endpoint, credentials.username(), v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_TOPIC_NAME_INVALID
                    : MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED, "invalid will topic");
            return;
        }
        if (v5 && endpoint.connectProperties().getProperty(
                MqttProperties.MqttPropertyType.AUTHENTICATION_METHOD.value()) != null) {
            // MQTT-4.12.0-1: an Authentication Method the server does not support is refused.
            refuse(endpoint, credentials.username(), MqttConnectReturnCode.CONNECTION_REFUSED_BAD_AUTHENTICATION_METHOD,
                    "asks for enhanced authentication, which this gateway does not offer");
            return;
        }
        String username = credentials.username();
        Optional<BanRecord> ban = bans.find(endpoint.clientIdentifier(), username,
                endpoint.remoteAddress() == null ? null : endpoint.remoteAddress().host());
        if (ban.isPresent()) {
            refuse(endpoint, credentials.username(), v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_BANNED
                    : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, "banned by " + ban.get().kind().apiName()
                    + " '" + ban.get().value() + "'" + (ban.get().reason().isEmpty() ? "" : ": " + ban.get().reason()));
            return;
        }
        if (username == null && credentials.password() == null) {
            if (allowAnonymous) {
                accept(endpoint, keepAlive, null, Permissions.ALLOW_ALL);
            } else {
                metrics.authenticated(AuthResult.NOT_AUTHORIZED);
                refuse(endpoint, credentials.username(), v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
                        : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, "no credentials and anonymous access is off");
            }
            return;
        }
        if (!authBackend.configured()) {
            if (allowAnonymous) {
                accept(endpoint, keepAlive, username, Permissions.ALLOW_ALL); // like Mosquitto without a password file: names are not checked
            } else {
                metrics.authenticated(AuthResult.NOT_AUTHORIZED);
                refuse(endpoint, credentials.username(), v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
                        : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, "no credential store is configured");
            }
            return;
        }
        if (username == null) {
            // MQTT 5 allows a password alone; the credential stores look users up by name.
            metrics.authenticated(AuthResult.BAD_CREDENTIALS);
            refuse(endpoint, null, v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
                    : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD, "a password without a user name");
            return;
        }
        Context context = Vertx.currentContext();
        AuthRequest request = new AuthRequest(endpoint.clientIdentifier(), username, credentials.password(),
                String.valueOf(endpoint.remoteAddress()));
        authBackend.authenticator().authenticate(request)
                .exceptionally(error -> AuthDecision.refuse(AuthDecision.Outcome.UNAVAILABLE, error.toString()))
                .thenAccept(decision -> context.runOnContext(v -> decide(endpoint, keepAlive, username, decision)));
    }

    private void decide(MqttEndpoint endpoint, KeepAlive keepAlive, String username, AuthDecision decision) {
        boolean v5 = endpoint.protocolVersion() == 5;
        switch (decision.outcome()) {
            case ALLOW -> {
                metrics.authenticated(AuthResult.SUCCESS);
                accept(endpoint, keepAlive, username, Permissions.resolve(decision.superuser(), decision.rules(), username,
                        endpoint.clientIdentifier(), decision.allowOnNoMatch()));
            }
            case BAD_CREDENTIALS -> {
                metrics.authenticated(AuthResult.BAD_CREDENTIALS);
                refuse(endpoint, username, v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
                        : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD, decision.reason());
            }
            case NOT_AUTHORIZED -> {
                metrics.authenticated(AuthResult.NOT_AUTHORIZED);
                refuse(endpoint, username, v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
                        : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, decision.reason());
            }
            case UNAVAILABLE -> {
                metrics.authenticated(AuthResult.UNAVAILABLE);
                // Never "bad credentials" for an outage: the client must retry, not discard its password.
                refuse(endpoint, username, v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5
                        : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE, decision.reason());
            }
        }
    }

    private static void refuse(MqttEndpoint endpoint, String username, MqttConnectReturnCode code, String why) {
        LOG.infof("CONNECT from %s (client '%s', user '%s') refused with %s: %s", endpoint.remoteAddress(),
                endpoint.clientIdentifier(), username == null ? "" : username, code, why);
        try {
            endpoint.reject(code);
        } catch (IllegalStateException gone) {
            // the client hung up while we were deciding
        }
    }

    private void refuseShuttingDown(MqttEndpoint endpoint) {
        refuse(endpoint, null, endpoint.protocolVersion() == 5 ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5
                : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE, "gateway shutting down");
    }

    private void accept(MqttEndpoint endpoint, KeepAlive keepAlive, String username, Permissions permissions) {
        if (shuttingDown) {
            refuseShuttingDown(endpoint); // its authentication finished after the drain began
            return;
        }
        Context context = Vertx.currentContext();
        // MQTT 5 Receive Maximum: never more unacknowledged QoS 1 and 2 PUBLISHes than the client allows.
        int window = endpoint.protocolVersion() == 5
                ? Math.min(config.inflightWindow(), MqttProperties5.receiveMaximum(endpoint.connectProperties()))
                : config.inflightWindow();
        ClientSession session = new ClientSession(endpoint.clientIdentifier(), username, endpoint, context, permissions,
                window, config.maxQueuedMessages(), metrics);
        long requestedExpiry = ClientPresence.sessionExpiry(endpoint);
        long expiry = Math.min(requestedExpiry, config.maxSessionExpiry().toSeconds());
        session.sessionExpirySeconds(expiry);
        // MQTT-3.1.2-4/-5 and MQTT 5.0 section 3.1.2.4: a clean start discards the session; otherwise it
        // resumes, whatever this CONNECT's Session Expiry Interval: that only says how long the session
        // outlives this connection (0, or absent: it ends when this connection closes, section 3.1.2.11.2).
        Optional<SessionRecord> resumed = endpoint.isCleanSession()
                ? Optional.empty() : persistentSessions.find(session.clientId());
        if (resumed.isPresent()) {
            session.hold(); // its saved messages go first
            if (!session.persistent()) {
                session.endsWithConnection(); // its stored state goes when this connection closes (onClose)
            }
        }
        PublishHandler publish = new PublishHandler(session, context, bus, gateway, limits, metrics,
                endpoint.protocolVersion() == 5 ? config.topicAliasMaximum() : 0,
                endpoint.protocolVersion() == 5 ? config.receiveMaximum() : Integer.MAX_VALUE);
        SubscribeHandler subscribe = new SubscribeHandler(session, context, subscriptions, limits, presence, retained,
                persistentSessions);
        UnsubscribeHandler unsubscribe = new UnsubscribeHandler(session, context, subscriptions, limits, presence,
                persistentSessions);
        boolean[] normalDisconnect = {false};

        endpoint.publishAutoAck(false);
        int serverKeepAlive = serverKeepAlive(endpoint);
        endpoint.publishHandler(publish::handle);
        endpoint.publishReleaseHandler(publish::handleRelease);
        endpoint.subscribeHandler(subscribe::handle);
        endpoint.unsubscribeHandler(unsubscribe::handle);
        endpoint.publishAcknowledgeHandler(session::onPubAck);
        endpoint.publishReceivedHandler(session::onPubRec);
        endpoint.publishCompletionHandler(session::onPubComp);
        endpoint.disconnectMessageHandler(msg -> {
            // MQTT 5 reason 0x04 asks for the will to be sent anyway (MQTT 5.0 section 3.14.2.1).
            normalDisconnect[0] = msg.code() != MqttDisconnectReasonCode.WITH_WILL_MESSAGE;
            if (!updateSessionExpiry(session, msg.properties())) {
                normalDisconnect[0] = false; // not a valid DISCONNECT: the will stays (MQTT-3.1.2-8)
                Disconnects.disconnect(endpoint, MqttDisconnectReasonCode.PROTOCOL_ERROR,
                        "DISCONNECT sets a Session Expiry Interval on a session that had none (MQTT 5.0 section 3.14.2.2.2)");
            }
        });
        endpoint.exceptionHandler(error -> {
            if (metrics.connectionError(error)) {
                // MQTT 5.0 section 3.14.2.1: 0x95 Packet too large (a 3.1.1 client is just closed).
                Disconnects.disconnect(endpoint, MqttDisconnectReasonCode.PACKET_TOO_LARGE,
                        "sent a packet larger than mqtt.max-message-size (" + config.maxMessageSize() + " bytes)");
            } else if (error instanceof java.io.IOException) {
                LOG.debugf("client '%s' from %s: connection error: %s", session.clientId(), session.peer(), error);
            } else if (error instanceof ConnectionFault fault) {
                // A packet the wire layer refused, or a keep alive that ran out.
                Disconnects.disconnect(endpoint, MqttDisconnectReasonCode.valueOf(fault.reasonCode()), fault.getMessage());
            } else {
                // A packet the decoder refused (MQTT 5.0 section 4.13: 0x81 Malformed Packet) or
                // another protocol violation Vert.x reports: one line with the client and the reason.
                Disconnects.disconnect(endpoint, error instanceof io.netty.handler.codec.DecoderException
                        ? MqttDisconnectReasonCode.MALFORMED_PACKET : MqttDisconnectReasonCode.PROTOCOL_ERROR,
                        "sent a packet the gateway cannot accept: " + error.getMessage());
            }
        });
        endpoint.closeHandler(v -> onClose(session, normalDisconnect[0]));

        wills.cancel(session.clientId()); // connected again within its previous connection's Will Delay Interval
        boolean discard = resumed.isEmpty();
        if (discard) {
            persistentSessions.discard(session.clientId(), session.persistent());
        }
        // Before it is registered: a takeover announced by another gateway before this connection's
        // own must not reach it (ClusterCommands).
        commands.announcing(session.clientId());
        ClientSession previous = sessions.register(session);
        if (previous != null) {
            previous.takenOver(discard, null);
            String why = "another connection with the same client id connected from " + endpoint.remoteAddress();
            previous.onLoop(() -> Disconnects.disconnect(previous.endpoint(), MqttDisconnectReasonCode.SESSION_TAKEN_OVER, why));
        }
        MqttProperties connack = new MqttProperties();
        if (endpoint.protocolVersion() == 5) {
            // Shared subscriptions are available: the property's absence says so (MQTT 5.0 section 3.2.2.3.15).
            if (ASSIGNED_ID.matcher(endpoint.clientIdentifier()).matches()) {
                // Vert.x replaced an empty client id with a UUID and does not say so: the client must learn
                // it (MQTT-3.2.2-16). A client that chose a UUID itself is merely told its own id.
                connack.add(new MqttProperties.StringProperty(
                        MqttProperties.MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER.value(), endpoint.clientIdentifier()));
            }
            connack.add(new MqttProperties.IntegerProperty(
                    MqttProperties.MqttPropertyType.MAXIMUM_PACKET_SIZE.value(), config.maxMessageSize()));
            if (config.topicAliasMaximum() > 0) {
                connack.add(new MqttProperties.IntegerProperty(
                        MqttProperties.MqttPropertyType.TOPIC_ALIAS_MAXIMUM.value(), config.topicAliasMaximum()));
            }
            if (config.receiveMaximum() < 65_535) {
                connack.add(new MqttProperties.IntegerProperty(
                        MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value(), config.receiveMaximum()));
            }
            if (serverKeepAlive > 0) {
                connack.add(new MqttProperties.IntegerProperty(
                        MqttProperties.MqttPropertyType.SERVER_KEEP_ALIVE.value(), serverKeepAlive));
            }
            if (expiry != requestedExpiry) {
                // The server's value replaces the client's (MQTT 5.0 section 3.2.2.3.2).
                connack.add(new MqttProperties.IntegerProperty(
                        MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), (int) expiry));
            }
        }
        try {
            endpoint.accept(resumed.isPresent(), connack); // Session Present (MQTT-3.2.2-2, -3)
        } catch (IllegalStateException gone) {
            sessions.unregister(session); // the client hung up during authentication
            session.markClosed();
            commands.notAnnounced(session.clientId());
            return;
        }
        metrics.connected();
        wills.connected(session);
        if (serverKeepAlive > 0) {
            keepAlive.enforce(serverKeepAlive); // MQTT 5: what CONNACK told it (section 3.1.2.10); 3.1.1: untold
        }
        commands.announceConnected(session.clientId(), discard);
        if (resumed.isPresent()) {
            resume(session, resumed.get(), previous);
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
    private void resume(ClientSession session, SessionRecord record, ClientSession replacedHere) {
        subscribeAll(session, record)
                .thenRun(() -> {
                    presence.update(session);
                    persistentSessions.saveResuming(session); // the routers stop collecting for it
                })
                .thenCompose(v -> persistentSessions.takeOver(session.clientId(), record, replacedHere,
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
     * MQTT 5.0 section 3.14.2.2.2: a DISCONNECT may change the Session Expiry Interval (0 ends the
     * session with the connection), but not from 0. Returns false for that protocol error.
     */
    private boolean updateSessionExpiry(ClientSession session, MqttProperties properties) {
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

    /**
     * The keep alive this connection is held to instead of its own (mqtt.max-keep-alive), or 0 if it
     * keeps its own: an MQTT 5 client is told it as Server Keep Alive (MQTT-3.2.2-21). MQTT 3.1.1
     * has no way to tell the client, and its client is held to the maximum all the same: a
     * gateway that sets one means no connection may stay silent longer.
     */
    private int serverKeepAlive(MqttEndpoint endpoint) {
        if (config.maxKeepAlive().isEmpty()) {
            return 0;
        }
        int max = config.maxKeepAlive().getAsInt();
        int asked = endpoint.keepAliveTimeSeconds();
        return asked == 0 || asked > max ? max : 0;
    }

    private void onClose(ClientSession session, boolean normalDisconnect) {
        boolean replacedHere = sessions.get(session.clientId()) != session;
        sessions.unregister(session);
        List<ClientSession.Unfinished> unfinishedShared = session.takeUnfinishedShared();
        boolean livesOn = session.persistent() && persistentSessions.connectionClosed(session, replacedHere);
        if (session.endedByDisconnect() && !replacedHere && !session.isTakenOver()) {
            // Its DISCONNECT set the expiry to 0, or it resumed the session without one.
            persistentSessions.discard(session.clientId(), false);
        }
        session.markClosed();
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
