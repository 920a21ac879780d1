package io.kmqtt.gateway;

import io.kmqtt.bus.NodeStatusReporter;
import io.kmqtt.core.auth.AuthBackend;
import io.kmqtt.core.bus.GatewayHeartbeat;
import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.gateway.cluster.BanList;
import io.kmqtt.gateway.cluster.ClientPresence;
import io.kmqtt.gateway.cluster.ClusterCommands;
import io.kmqtt.gateway.cluster.RetainedMessages;
import io.kmqtt.gateway.cluster.SysTopics;
import io.kmqtt.gateway.config.GatewayConfig;
import io.kmqtt.gateway.delivery.ChannelCatchUp;
import io.kmqtt.gateway.delivery.DeliveryDispatcher;
import io.kmqtt.gateway.handler.ConnectHandler;
import io.kmqtt.gateway.handler.Disconnects;
import io.kmqtt.gateway.delivery.OutboundWindow;
import io.kmqtt.gateway.session.ClientSession;
import io.kmqtt.gateway.session.PersistentSessions;
import io.kmqtt.gateway.session.SessionRegistry;
import io.kmqtt.gateway.wire.MqttGatewayServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttServerOptions;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts and stops the gateway: joins the bus (delivery channel, heartbeats), then opens the MQTT
 * listener; on shutdown refuses new CONNECTs, disconnects its clients (spread over
 * {@code mqtt.drain-duration}) with "server shutting down", closes the listener and tells the
 * routers it is leaving.
 */
@ApplicationScoped
public class MqttListener {

    private static final Logger LOG = Logger.getLogger(MqttListener.class);

    @Inject
    GatewayConfig config;
    @Inject
    Vertx vertx;
    @Inject
    MessageBus bus;
    @Inject
    GatewayRef self;
    @Inject
    ConnectHandler connectHandler;
    @Inject
    DeliveryDispatcher dispatcher;
    private ChannelCatchUp catchUp;
    @Inject
    SessionRegistry sessions;

    @Inject
    io.kmqtt.gateway.session.LocalSubscriptions subscriptions;
    @Inject
    AuthBackend authBackend;
    @Inject
    GatewayMetrics metrics;
    @Inject
    ClientPresence presence;
    @Inject
    BanList bans;
    @Inject
    ClusterCommands commands;
    @Inject
    RetainedMessages retained;
    @Inject
    PersistentSessions persistentSessions;
    @Inject
    io.kmqtt.gateway.session.WillMessages wills;
    @Inject
    SysTopics sys;
    @Inject
    MeterRegistry registry;
    @ConfigProperty(name = "quarkus.http.port")
    int httpPort;

    /**
     * Stat name in the nodes table → the gateway meter it is read from; {@code messages_dropped.<reason>}
     * has the drops of one reason (the meter of that tag), {@code messages_dropped} their sum.
     */
    private static final Map<String, String> NODE_STATS = nodeStats();

    private static Map<String, String> nodeStats() {
        Map<String, String> stats = new java.util.LinkedHashMap<>(Map.of(
                "connections", "mqtt.connections",
                "connects", "mqtt.connects",
                "messages_in", "mqtt.messages.in",
                "messages_out", "mqtt.messages.out",
                "bytes_in", "mqtt.bytes.in",
                "bytes_out", "mqtt.bytes.out",
                "messages_dropped", "mqtt.messages.dropped",
                "filters", "mqtt.subscription.filters",
                "sessions_behind", "mqtt.sessions.behind"));
        for (GatewayMetrics.DropReason reason : GatewayMetrics.DropReason.values()) {
            String tag = reason.name().toLowerCase(java.util.Locale.ROOT);
            stats.put("messages_dropped." + tag, "mqtt.messages.dropped{reason=" + tag + "}");
        }
        return Map.copyOf(stats);
    }

    private NodeStatusReporter status;
    private long statusTimer = -1;
    private long sysTimer = -1;
    private long stuckTimer = -1;
    /** When the bus last took one of our heartbeats: a long gap means routers may have dropped our routes. */
    private volatile long lastHeartbeatTakenAt;

    /** The TCP listener, then WebSocket and TLS when enabled. */
    private final List<MqttGatewayServer> servers = new java.util.ArrayList<>();
    private MessageBus.Registration deliveries;
    private long heartbeatTimer = -1;

    void start(@Observes StartupEvent event) throws Exception {
        requireAuthenticationOffLoopback();
        // The first heartbeat also proves the bus works; the deliveries subscription starts from the
        // end of the channel before any route exists, so nothing addressed to us is missed.
        io.kmqtt.core.bus.DeliveryReader probe = bus.deliveryReader(self);
        if (probe != null) {
            // The channel can be read again: sessions that fall behind take their messages back from it.
            probe.close();
            catchUp = new ChannelCatchUp(() -> bus.deliveryReader(self), self.id());
            dispatcher.catchUpWith(catchUp);
            catchUp.start();
            io.micrometer.core.instrument.Gauge.builder("mqtt.sessions.behind", catchUp, ChannelCatchUp::sessionsBehind)
                    .description("sessions that fell behind the delivery channel and take their messages back from it")
                    .register(registry);
        }
        deliveries = bus.consumeDeliveries(self, dispatcher);
        if (catchUp == null) {
            // Memory bus: a full queue holds its publishers back; a client stuck for stuck-client-timeout stops doing so.
            long every = Math.max(100, config.stuckClientTimeout().toMillis() / 4);
            stuckTimer = vertx.setPeriodic(every, id -> releaseStuckClients());
        }
        bus.heartbeat(new GatewayHeartbeat(self, System.currentTimeMillis(), false)).toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
        lastHeartbeatTakenAt = System.currentTimeMillis();
        heartbeatTimer = vertx.setPeriodic(config.heartbeatInterval().toMillis(), id -> heartbeat());

        // Cluster state before the listener opens: bans apply to the first CONNECT, presence and
        // takeovers are written from it on.
        presence.start(vertx, config.presenceWriteDelay());
        bans.start();
        retained.start();
        commands.start();
        persistentSessions.start();
        wills.start();
        io.micrometer.core.instrument.Gauge.builder("mqtt.sessions.parked", persistentSessions, PersistentSessions::parkedCount)
                .description("persistent sessions held here whose client is disconnected").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("mqtt.sessions.store.failures", persistentSessions,
                PersistentSessions::storeFailures).description("session store writes that failed").register(registry);
        status = new NodeStatusReporter(bus, self.id(), "gateway", self.incarnation(),
                NodeStatusReporter.httpUrl(config.advertisedHttpUrl(), httpPort), registry, NODE_STATS);
        status.report();
        statusTimer = vertx.setPeriodic(config.statsInterval().toMillis(), id -> status.report());
        if (!config.sysInterval().isZero()) {
            sys.start(config.statsInterval().toMillis());
            sysTimer = vertx.setPeriodic(config.sysInterval().toMillis(), id -> sys.publish(status));
        }

        ConnectWarmUp.run(vertx, options(config.tcp().host(), config.tcp().port()), authBackend,
                config.warmUp().connects(), config.warmUp().timeout());
        MessagePathWarmUp.run(vertx, options(config.tcp().host(), config.tcp().port()), connectHandler, sessions, self.id(),
                config.warmUp().messages(), config.warmUp().timeout());
        ConnectionLimit limit = connectHandler.connectionLimit();
        LOG.infof("at most %d clients (mqtt.max-connections %d) and %d TCP connections; open-files limit %d",
                limit.sessions(), config.maxConnections(), limit.sockets(), ConnectionLimit.openFilesLimit());
        MqttGatewayServer tcp = listen("TCP", options(config.tcp().host(), config.tcp().port()));
        LOG.infof("MQTT gateway %s listening on %s:%d (TCP%s), authentication: %s, anonymous clients %s", self,
                config.tcp().host(), tcp.actualPort(), config.proxyProtocol() ? ", PROXY protocol" : "",
                authBackend.description(), ConnectHandler.allowsAnonymous(config, authBackend) ? "allowed" : "refused");
        if (config.ws().enabled()) {
            String host = config.ws().host().orElse(config.tcp().host());
            MqttGatewayServer ws = listen("WebSocket", options(host, config.ws().port()).setUseWebSocket(true));
            LOG.infof("MQTT gateway %s listening on %s:%d (WebSocket, path /mqtt)", self, host, ws.actualPort());
        }
        if (config.tls().enabled()) {
            String host = config.tls().host().orElse(config.tcp().host());
            MqttGatewayServer tls = listen("TLS", TlsOptions.apply(options(host, config.tls().port()), config.tls()));
            LOG.infof("MQTT gateway %s listening on %s:%d (TLS, client certificates %s)", self, host, tls.actualPort(),
                    config.tls().clientAuth().name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (heartbeatTimer >= 0) {
            vertx.cancelTimer(heartbeatTimer);
        }
        if (statusTimer >= 0) {
            vertx.cancelTimer(statusTimer);
        }
        if (stuckTimer >= 0) {
            vertx.cancelTimer(stuckTimer);
        }
        if (sysTimer >= 0) {
            vertx.cancelTimer(sysTimer);
        }
        sys.stop();
        connectHandler.refuseNewConnections();
        ConnectionDrain.disconnectSpread(List.copyOf(sessions.all()), config.drainDuration(), session -> session.onLoop(() ->
                Disconnects.disconnect(session.endpoint(), MqttDisconnectReasonCode.SERVER_SHUTTING_DOWN, "gateway shutting down")));
        awaitSessionsClosed(5_000);
        wills.awaitWrites(5_000);
        for (MqttGatewayServer server : servers) {
            server.close().toCompletionStage().toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
        bus.heartbeat(new GatewayHeartbeat(self, System.currentTimeMillis(), true)).toCompletableFuture()
                .orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
        if (status != null) {
            status.reportLeaving().toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
        presence.stop();
        commands.stop();
        persistentSessions.stop();
        bans.stop();
        retained.stop();
        if (deliveries != null) {
            deliveries.close();
        }
        if (catchUp != null) {
            catchUp.close();
        }
        LOG.infof("MQTT gateway %s stopped", self);
    }

    /** Lets the close handlers (route withdrawals, wills) run while the application is still up. */
    private void awaitSessionsClosed(long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (sessions.size() > 0 && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (sessions.size() > 0) {
            LOG.warnf("%d client(s) still open after the drain; closing the listener anyway", sessions.size());
        }
    }

    private MqttServerOptions options(String host, int port) {
        MqttServerOptions options = new MqttServerOptions()
                .setHost(host)
                .setPort(port)
                .setMaxMessageSize(config.maxMessageSize())
                .setMaxClientIdLength(config.maxClientIdLength())
                .setAutoClientId(true)
                .setTimeoutOnConnect((int) Math.max(1, config.connectTimeout().toSeconds()));
        options.setTcpNoDelay(true);
        options.setUseProxyProtocol(config.proxyProtocol());
        return options;
    }

    /** Opens one listener; each has its own connection rate limit. */
    private MqttGatewayServer listen(String name, MqttServerOptions options) throws Exception {
        MqttGatewayServer server = new MqttGatewayServer(vertx, options, connectHandler.connectionLimit(),
                connectHandler.forListener(name, new ConnectRateLimit(config.maxConnectRate())),
                error -> {
                    if (metrics.connectionError(error)) {
                        LOG.infof("a packet larger than mqtt.max-message-size (%d bytes) arrived before CONNECT completed"
                                + " (%s listener); connection closed", config.maxMessageSize(), name);
                    } else if (!(error instanceof java.io.IOException)) {
                        LOG.infof("connection closed before CONNECT completed (%s listener): %s", name, error.getMessage());
                    }
                });
        server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        servers.add(server);
        return server;
    }

    /** Anonymous access is for a broker on loopback; anything reachable from outside needs credentials. */
    private void requireAuthenticationOffLoopback() {
        if (!ConnectHandler.allowsAnonymous(config, authBackend)) {
            return;
        }
        List<String> hosts = new java.util.ArrayList<>(List.of(config.tcp().host()));
        if (config.ws().enabled()) {
            hosts.add(config.ws().host().orElse(config.tcp().host()));
        }
        if (config.tls().enabled()) {
            hosts.add(config.tls().host().orElse(config.tcp().host()));
        }
        for (String host : hosts) {
            try {
                if (!InetAddress.getByName(host).isLoopbackAddress()) {
                    throw new IllegalStateException("refusing to listen on " + host
                            + " with anonymous access: listen on 127.0.0.1 (MQTT_TCP_HOST, MQTT_WS_HOST, MQTT_TLS_HOST),"
                            + " or configure authentication (QUARKUS_REDIS_HOSTS, AUTH_USERS_FILE or MQTT_AUTH_SERVICE_URL)"
                            + " and leave MQTT_ALLOW_ANONYMOUS unset or false");
                }
            } catch (UnknownHostException e) {
                throw new IllegalStateException("listener host '" + host + "' does not resolve", e);
            }
        }
    }

    /** The port actually listened on (useful with port 0). */
    public int port() {
        return servers.isEmpty() ? -1 : servers.get(0).actualPort();
    }

    private void releaseStuckClients() {
        for (ClientSession session : sessions.all()) {
            OutboundWindow window = session.outbound();
            if (window != null) {
                window.releaseIfStuck();
            }
        }
    }

    /**
     * Tells the routers this gateway is alive. If the bus took none of our heartbeats for three
     * intervals (this process was paused, or the heartbeats' partition had no leader for a while), a
     * router may have judged us dead and removed our routes: announce them all again.
     */
    private void heartbeat() {
        bus.heartbeat(new GatewayHeartbeat(self, System.currentTimeMillis(), false)).whenComplete((ok, error) -> {
            if (error != null) {
                LOG.warnf("heartbeat not sent: %s; routers drop this gateway's routes if it stays silent",
                        error.getMessage());
                return;
            }
            long now = System.currentTimeMillis();
            long gap = now - lastHeartbeatTakenAt;
            lastHeartbeatTakenAt = now;
            if (gap > 3 * config.heartbeatInterval().toMillis()) {
                int renewed = subscriptions.renewRoutes();
                LOG.warnf("no heartbeat reached the bus for %d ms; announced this gateway's %d routes again in case a"
                        + " router judged it dead", gap, renewed);
            }
        });
    }
}
