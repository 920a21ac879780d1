package io.kmqtt.routing;

import io.kmqtt.bus.NodeStatusReporter;
import io.kmqtt.bus.SessionConfig;
import io.kmqtt.core.session.OfflineSessions;
import io.kmqtt.core.session.OrphanedWills;
import io.kmqtt.core.session.SessionInbox;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.ReplicatedTable;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.routing.BusClock;
import io.kmqtt.core.routing.GatewayLiveness;
import io.kmqtt.core.bus.RouterHeartbeat;
import io.kmqtt.core.bus.ShardConsumer;
import io.kmqtt.core.routing.Router;
import io.kmqtt.core.routing.RouterLiveness;
import io.kmqtt.core.routing.ShardOwnership;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.UUID;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs a {@link Router} on the bus: joins the routers' group for shards, follows gateway
 * heartbeats, and periodically removes the routes of gateways that died.
 */
@ApplicationScoped
public class RoutingService {

    private static final Logger LOG = Logger.getLogger(RoutingService.class);

    @Inject
    MessageBus bus;
    @Inject
    RouterConfig config;
    @Inject
    MeterRegistry registry;
    @Inject
    SessionInbox inbox;
    @Inject
    SessionConfig sessionConfig;
    @ConfigProperty(name = "quarkus.http.port")
    int httpPort;

    private Router router;
    private BusClock busClock;
    private GatewayLiveness liveness;
    private final LongAdder routesSwept = new LongAdder();
    private OfflineSessions offlineSessions;
    private MessageBus.Registration sessionTable;
    private OrphanedWills orphanedWills;
    private MessageBus.Registration wills;
    private MessageBus.Registration heartbeats;
    private ShardConsumer shards;
    private RouterLiveness routers;
    private MessageBus.Registration routerHeartbeats;
    private ShardOwnership ownership;
    private String nodeId;
    private final String incarnation = UUID.randomUUID().toString();
    private ScheduledExecutorService timers;
    private NodeStatusReporter status;

    void start(@Observes StartupEvent event) {
        // Heartbeats are judged by a clock that stands still while this router's own heartbeats do not
        // come back: a stalled bus (or this router paused) makes nobody look dead.
        busClock = new BusClock(System::currentTimeMillis, 2 * config.heartbeatInterval().toMillis());
        liveness = new GatewayLiveness(config.gatewayExpiry().toMillis(), busClock);
        router = new Router(bus, liveness, config.sharedSubscriptionStrategy());
        ReplicatedTable sessions = bus.table(ClusterTable.SESSIONS);
        offlineSessions = new OfflineSessions(sessions, inbox, liveness, sessionConfig.maxQueuedMessages(),
                System::currentTimeMillis);
        sessionTable = sessions.follow(offlineSessions);
        router.queueForOfflineSessions(offlineSessions);
        ReplicatedTable willTable = bus.table(ClusterTable.WILLS);
        orphanedWills = new OrphanedWills(willTable, bus, liveness, offlineSessions, System::currentTimeMillis);
        wills = willTable.follow(orphanedWills);
        heartbeats = bus.consumeHeartbeats(liveness);
        nodeId = config.nodeId().orElseGet(RoutingService::defaultNodeId);
        shards = bus.consumeShards(router);
        routers = new RouterLiveness(config.routerExpiry().toMillis(), busClock);
        routerHeartbeats = bus.consumeRouterHeartbeats(heartbeat -> {
            if (heartbeat.routerId().equals(nodeId) && heartbeat.incarnation().equals(incarnation)) {
                busClock.echo();
            }
            routers.accept(heartbeat);
        });
        // Listen to the other routers for one expiry period first: heartbeats of dead routers replayed
        // from the log look fresh until then. A memory bus has no other router to wait for.
        long listenFirst = bus instanceof io.kmqtt.core.bus.InMemoryMessageBus
                ? 0 : config.routerExpiry().toMillis();
        ownership = new ShardOwnership(nodeId, bus.shardCount(), shards, routers, System::currentTimeMillis, listenFirst);
        timers = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "router-timers");
            t.setDaemon(true);
            return t;
        });
        long beat = config.heartbeatInterval().toMillis();
        timers.scheduleWithFixedDelay(this::heartbeat, 0, beat, TimeUnit.MILLISECONDS);
        long every = config.sweepInterval().toMillis();
        timers.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
        registerMetrics();
        status = new NodeStatusReporter(bus, nodeId, "router", incarnation, NodeStatusReporter.httpUrl(config.advertisedHttpUrl(), httpPort), registry,
                Map.of("routes", "router.routes", "shards", "router.shards.owned", "messages_in", "router.messages.in",
                        "deliveries_out", "router.deliveries.out", "messages_unrouted", "router.messages.unrouted"));
        long statsEvery = config.statsInterval().toMillis();
        timers.scheduleWithFixedDelay(this::reportStatus, 0, statsEvery, TimeUnit.MILLISECONDS);
        LOG.infof("routing service started on %d shard(s); gateways silent for %s are dropped", bus.shardCount(),
                config.gatewayExpiry());
    }

    /** Tells the other routers this one is alive and what it routes, then takes or hands over shards. */
    private void heartbeat() {
        try {
            bus.routerHeartbeat(new RouterHeartbeat(nodeId, incarnation, System.currentTimeMillis(), false,
                    shards.routing()));
            ownership.tick();
        } catch (RuntimeException e) {
            LOG.warn("router heartbeat failed; will retry", e);
        }
    }

    /**
     * A normal stop hands every shard over first: the others take them at once (this router says it
     * leaves), and it routes each one until its new owner does, so no topic goes silent.
     */
    private void handOverShards() {
        ownership.leave();
        long deadline = System.currentTimeMillis() + config.leaveTimeout().toMillis();
        while (!ownership.handedOver() && System.currentTimeMillis() < deadline) {
            bus.routerHeartbeat(new RouterHeartbeat(nodeId, incarnation, System.currentTimeMillis(), true, shards.routing()));
            ownership.tick();
            try {
                Thread.sleep(Math.min(200, config.heartbeatInterval().toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!ownership.handedOver()) {
            LOG.warnf("stopping with shard(s) %s not taken over by another router within %s (router.leave-timeout);"
                    + " they are routed again from their last recorded position when a router takes them", shards.owned(),
                    config.leaveTimeout());
        }
    }

    private void sweep() {
        try {
            routesSwept.add(router.sweepDeadGateways());
            offlineSessions.expireOrphans();
            orphanedWills.publishDue(router.ownedShards(), bus.shardCount());
        } catch (RuntimeException e) {
            LOG.warn("sweeping routes of dead gateways failed; will retry", e);
        }
    }

    private void registerMetrics() {
        FunctionCounter.builder("router.messages.in", router, Router::messagesIn).register(registry);
        FunctionCounter.builder("router.deliveries.out", router, Router::deliveriesOut).register(registry);
        FunctionCounter.builder("router.messages.unrouted", router, Router::messagesWithoutRoute).register(registry);
        // A wildcard route is held by every shard, so it counts once per shard this router owns.
        Gauge.builder("router.routes", router, Router::routeCount)
                .description("routes (gateway, filter) held in the owned shards").register(registry);
        Gauge.builder("router.shards.owned", router, r -> r.ownedShards().size()).register(registry);
        Gauge.builder("router.routers.live", routers, r -> r.liveRouters().size())
                .description("routers heartbeating within router.router-expiry").register(registry);
        FunctionCounter.builder("router.bus.stalled.seconds", busClock, c -> c.stoppedMillis() / 1000.0)
                .description("time this router's heartbeats did not come back through the bus, during which no node"
                        + " was judged dead").register(registry);
        Gauge.builder("router.gateways.live", liveness, GatewayLiveness::liveGatewayCount)
                .description("gateways heartbeating within the expiry").register(registry);
        Gauge.builder("router.sessions", offlineSessions, OfflineSessions::sessionCount)
                .description("persistent sessions known (from the sessions table)").register(registry);
        FunctionCounter.builder("router.sessions.queued", offlineSessions, OfflineSessions::queued)
                .description("messages queued for persistent sessions whose gateway is gone").register(registry);
        FunctionCounter.builder("router.sessions.dropped", offlineSessions, OfflineSessions::dropped)
                .description("oldest queued messages dropped because a session's queue was full").register(registry);
        FunctionCounter.builder("router.sessions.store.failures", offlineSessions, OfflineSessions::failed)
                .description("messages the session store refused (lost for their session)").register(registry);
        FunctionCounter.builder("router.sessions.expired", offlineSessions, OfflineSessions::expired)
                .description("sessions of dead gateways ended by their expiry").register(registry);
        Gauge.builder("router.wills", orphanedWills, OrphanedWills::willCount)
                .description("will messages gateways hold (from the wills table)").register(registry);
        FunctionCounter.builder("router.wills.published", orphanedWills, OrphanedWills::published)
                .description("wills of dead gateways' clients published by this router").register(registry);
        FunctionCounter.builder("router.wills.cancelled", orphanedWills, OrphanedWills::cancelled)
                .description("delayed wills of dead gateways' clients not sent: the session resumed elsewhere").register(registry);
        FunctionCounter.builder("router.routes.swept", routesSwept, LongAdder::sum)
                .description("routes of dead gateways removed").register(registry);
    }

    private void reportStatus() {
        try {
            status.report();
        } catch (RuntimeException e) {
            LOG.warn("writing router status failed; will retry", e);
        }
    }

    private static String defaultNodeId() {
        return "router-" + NodeStatusReporter.hostName() + "-" + ProcessHandle.current().pid();
    }

    void stop(@Observes ShutdownEvent event) {
        if (timers != null) {
            timers.shutdownNow();
        }
        if (ownership != null) {
            handOverShards();
        }
        if (status != null) {
            status.reportLeaving().toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
        if (shards != null) {
            shards.close();
        }
        if (routerHeartbeats != null) {
            routerHeartbeats.close();
        }
        if (heartbeats != null) {
            heartbeats.close();
        }
        if (sessionTable != null) {
            sessionTable.close();
        }
        if (wills != null) {
            wills.close();
        }
    }

    public Router router() {
        return router;
    }
}
