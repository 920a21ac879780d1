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
import io.kmqtt.gateway.ConnectionLimit;
import io.kmqtt.gateway.GatewayMetrics;
import io.kmqtt.gateway.GatewayMetrics.AuthResult;
import io.kmqtt.gateway.GatewayMetrics.ConnectStage;
import io.kmqtt.gateway.cluster.BanList;
import io.kmqtt.gateway.cluster.ClientPresence;
import io.kmqtt.gateway.cluster.RetainedMessages;
import io.kmqtt.gateway.config.GatewayConfig;
import io.kmqtt.gateway.session.ClientSession;
import io.kmqtt.gateway.session.LocalSubscriptions;
import io.kmqtt.gateway.session.MqttProperties5;
import io.kmqtt.gateway.session.SessionRegistry;
import io.kmqtt.gateway.session.PersistentSessions;
import io.kmqtt.gateway.session.SessionLifecycle;
import io.kmqtt.gateway.delivery.DeliveryBudget;
import io.kmqtt.gateway.delivery.OutboundWindow;
import io.kmqtt.gateway.inbound.InboundFlow;
import io.kmqtt.gateway.wire.ChannelConnection;
import io.kmqtt.gateway.wire.EndpointAcks;
import io.netty.channel.Channel;
import io.kmqtt.gateway.wire.ConnectCredentials;
import io.kmqtt.gateway.wire.KeepAlive;
import io.kmqtt.gateway.wire.MqttGatewayServer;
import io.kmqtt.gateway.wire.ConnectionFault;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Optional;

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
    private final RetainedMessages retained;
    private final PersistentSessions persistentSessions;
    private final SessionLifecycle lifecycle;
    private final DeliveryBudget deliveryBudget;
    /* One of each for the gateway, given the session with each packet: nothing per connection (issue #17). */
    private final PublishHandler publish;
    private final SubscribeHandler subscribe;
    private final UnsubscribeHandler unsubscribe;
    private final ConnectionLimit connectionLimit;
    private volatile boolean shuttingDown;

    @Inject
    public ConnectHandler(GatewayConfig config, MessageBus bus, GatewayRef gateway, SessionRegistry sessions,
                          LocalSubscriptions subscriptions, GatewayMetrics metrics, AuthBackend authBackend,
                          ClientPresence presence, BanList bans, RetainedMessages retained,
                          PersistentSessions persistentSessions, SessionLifecycle lifecycle, DeliveryBudget deliveryBudget) {
        this.config = config;
        this.bus = bus;
        this.gateway = gateway;
        this.sessions = sessions;
        this.subscriptions = subscriptions;
        this.metrics = metrics;
        this.limits = new TopicLimits(config.maxTopicLength(), config.maxTopicLevels());
        this.authBackend = authBackend;
        this.allowAnonymous = allowsAnonymous(config, authBackend);
        this.presence = presence;
        this.bans = bans;
        this.retained = retained;
        this.persistentSessions = persistentSessions;
        this.lifecycle = lifecycle;
        this.deliveryBudget = deliveryBudget;
        this.publish = new PublishHandler(bus, gateway, limits, metrics, config.topicAliasMaximum());
        this.subscribe = new SubscribeHandler(subscriptions, limits, presence, retained, persistentSessions);
        this.unsubscribe = new UnsubscribeHandler(subscriptions, limits, presence, persistentSessions);
        this.connectionLimit = ConnectionLimit.of(config.maxConnections(), ConnectionLimit.openFilesLimit());
    }

    /** How many connections this gateway takes; its listeners close TCP connections beyond it. */
    public ConnectionLimit connectionLimit() {
        return connectionLimit;
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
        return (endpoint, credentials, keepAlive, channel, acceptedNanos) -> {
            metrics.connectStage(ConnectStage.WIRE, acceptedNanos);
            if (!rateLimit.tryAcquire()) {
                refuse(endpoint, credentials.username(), endpoint.protocolVersion() == 5
                        ? MqttConnectReturnCode.CONNECTION_REFUSED_CONNECTION_RATE_EXCEEDED
                        : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                        "more than " + config.maxConnectRate() + " CONNECTs a second on the " + listener
                                + " listener (mqtt.max-connect-rate)");
                return;
            }
            handle(endpoint, credentials, keepAlive, channel);
        };
    }

    /**
     * The CONNECT handler of the message-path warm-up's loopback listener: a client with this user
     * name and secret (which never leaves the process) gets {@code permissions} without asking the
     * credential store; any other CONNECT is refused.
     */
    public MqttGatewayServer.ConnectionHandler forWarmUp(String user, byte[] secret, Permissions permissions) {
        return (endpoint, credentials, keepAlive, channel, acceptedNanos) -> {
            if (!user.equals(credentials.username()) || credentials.password() == null
                    || !java.security.MessageDigest.isEqual(secret, credentials.password())) {
                refuse(endpoint, credentials.username(), MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED,
                        "only the gateway's own warm-up clients connect to its warm-up listener");
                return;
            }
            accept(endpoint, channel, keepAlive, user, permissions);
        };
    }

    public void handle(MqttEndpoint endpoint, ConnectCredentials credentials, KeepAlive keepAlive, Channel channel) {
        boolean v5 = endpoint.protocolVersion() == 5;
        if (shuttingDown) {
            refuseShuttingDown(endpoint);
            return;
        }
        if (sessions.size() >= connectionLimit.sessions() && sessions.get(endpoint.clientIdentifier()) == null) {
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
                accept(endpoint, channel, keepAlive, null, Permissions.ALLOW_ALL);
            } else {
                metrics.authenticated(AuthResult.NOT_AUTHORIZED);
                refuse(endpoint, credentials.username(), v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
                        : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED, "no credentials and anonymous access is off");
            }
            return;
        }
        if (!authBackend.configured()) {
            if (allowAnonymous) {
                accept(endpoint, channel, keepAlive, username, Permissions.ALLOW_ALL); // like Mosquitto without a password file: names are not checked
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
        long asked = System.nanoTime();
        authBackend.authenticator().authenticate(request)
                .exceptionally(error -> AuthDecision.refuse(AuthDecision.Outcome.UNAVAILABLE, error.toString()))
                .thenAccept(decision -> {
                    metrics.connectStage(ConnectStage.AUTH, asked);
                    context.runOnContext(v -> decide(endpoint, channel, keepAlive, username, decision));
                });
    }

    private void decide(MqttEndpoint endpoint, Channel channel, KeepAlive keepAlive, String username,
                        AuthDecision decision) {
        boolean v5 = endpoint.protocolVersion() == 5;
        switch (decision.outcome()) {
            case ALLOW -> {
                metrics.authenticated(AuthResult.SUCCESS);
                accept(endpoint, channel, keepAlive, username, Permissions.resolve(decision.superuser(), decision.rules(), username,
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

    private void accept(MqttEndpoint endpoint, Channel channel, KeepAlive keepAlive, String username,
                        Permissions permissions) {
        if (shuttingDown) {
            refuseShuttingDown(endpoint); // its authentication finished after the drain began
            return;
        }
        Context context = Vertx.currentContext();
        ClientSession session = newSession(endpoint, channel, context, username, permissions);
        long requestedExpiry = ClientPresence.sessionExpiry(endpoint);
        long expiry = Math.min(requestedExpiry, config.maxSessionExpiry().toSeconds());
        session.sessionExpirySeconds(expiry);

        boolean[] normalDisconnect = {false};

        endpoint.publishAutoAck(false);
        int serverKeepAlive = serverKeepAlive(endpoint);
        endpoint.publishHandler(message -> publish.handle(session, message));
        endpoint.publishReleaseHandler(packetId -> publish.handleRelease(session, packetId));
        endpoint.subscribeHandler(message -> subscribe.handle(session, message));
        endpoint.unsubscribeHandler(message -> unsubscribe.handle(session, message));
        endpoint.publishAcknowledgeHandler(session.outbound()::onPubAck);
        endpoint.publishReceivedHandler(session.outbound()::onPubRec);
        endpoint.publishCompletionHandler(session.outbound()::onPubComp);
        endpoint.disconnectMessageHandler(msg -> {
            // MQTT 5 reason 0x04 asks for the will to be sent anyway (MQTT 5.0 section 3.14.2.1).
            normalDisconnect[0] = msg.code() != MqttDisconnectReasonCode.WITH_WILL_MESSAGE;
            if (!lifecycle.disconnectReceived(session, msg.properties())) {
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
        // Until CONNACK is sent, a close only marks the connection: the session's start finishes first.
        ConnackState state = new ConnackState();
        endpoint.closeHandler(v -> {
            if (!state.connackSent) {
                state.closedBefore = true;
            } else if (!state.closeHandled) {
                state.closeHandled = true;
                lifecycle.closed(session, normalDisconnect[0]);
            }
        });

        SessionLifecycle.Start start = lifecycle.begin(session, endpoint.isCleanSession());
        MqttProperties connack = connackProperties(endpoint, serverKeepAlive, requestedExpiry, expiry);
        long announced = System.nanoTime();
        lifecycle.announce(session, start).whenComplete((ok, error) -> session.onLoop(() -> {
            metrics.connectStage(ConnectStage.ANNOUNCE, announced);
            boolean sent = !state.closedBefore;
            if (sent) {
                try {
                    endpoint.accept(start.sessionPresent(), connack);
                } catch (IllegalStateException gone) {
                    sent = false;
                }
            }
            state.connackSent = true;
            if (sent) {
                metrics.connected();
                if (serverKeepAlive > 0) {
                    keepAlive.enforce(serverKeepAlive); // MQTT 5: what CONNACK told it (section 3.1.2.10); 3.1.1: untold
                }
            }
            lifecycle.connected(session, start);
            if (!sent) {
                // The client hung up before its CONNACK. Its takeover is announced, so the session goes
                // on as one whose connection closed at once (parked, handed over or dropped), will unsent.
                state.closeHandled = true;
                lifecycle.closed(session, true);
            }
        }));
    }

    /**
     * Whether CONNACK went out, whether the connection closed before it did, and whether its close
     * was handled (once, whichever of the two paths sees it first); used on the connection's event loop.
     */
    private static final class ConnackState {
        boolean connackSent;
        boolean closeHandled;
        boolean closedBefore;
    }

    /** The session of an accepted connection, with its outbound and inbound flows on the connection's channel. */
    private ClientSession newSession(MqttEndpoint endpoint, Channel channel, Context context, String username,
                                     Permissions permissions) {
        boolean v5 = endpoint.protocolVersion() == 5;
        ClientSession session = new ClientSession(endpoint.clientIdentifier(), username, endpoint, context, permissions,
                metrics);
        // MQTT 5 Receive Maximum: never more unacknowledged QoS 1 and 2 PUBLISHes than the client allows.
        int receiveMaximum = v5 ? MqttProperties5.receiveMaximum(endpoint.connectProperties()) : Integer.MAX_VALUE;
        int window = Math.min(config.inflightWindow(), receiveMaximum);
        int windowMax = Math.min(config.inflightWindowMax(), receiveMaximum);
        OutboundWindow outbound = new OutboundWindow(new ChannelConnection(channel, v5), session, deliveryBudget, window,
                windowMax, config.maxQueuedMessages(), config.maxBehindMessages(), config.stuckClientTimeout().toMillis(),
                v5 ? MqttProperties5.maximumPacketSize(endpoint.connectProperties()) : Long.MAX_VALUE,
                v5 ? MqttProperties5.topicAliasMaximum(endpoint.connectProperties()) : 0, System::currentTimeMillis);
        session.attach(outbound, new InboundFlow(new EndpointAcks(endpoint, channel), config.receiveMaximum(), v5));
        return session;
    }

    private MqttProperties connackProperties(MqttEndpoint endpoint, int serverKeepAlive, long requestedExpiry, long expiry) {
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
        return connack;
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
}
