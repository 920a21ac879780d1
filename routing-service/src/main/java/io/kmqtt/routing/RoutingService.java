package io.kmqtt.routing;

import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.routing.GatewayLiveness;
import io.kmqtt.core.routing.Router;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

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

    private Router router;
    private GatewayLiveness liveness;
    private final LongAdder routesSwept = new LongAdder();
    private MessageBus.Registration heartbeats;
    private MessageBus.Registration shards;
    private ScheduledExecutorService sweeper;

    void start(@Observes StartupEvent event) {
        liveness = new GatewayLiveness(config.gatewayExpiry().toMillis(), System::currentTimeMillis);
        router = new Router(bus, liveness);
        heartbeats = bus.consumeHeartbeats(liveness);
        shards = bus.consumeShards(router);
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "route-sweeper");
            t.setDaemon(true);
            return t;
        });
        long every = config.sweepInterval().toMillis();
        sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
        registerMetrics();
        LOG.infof("routing service started on %d shard(s); gateways silent for %s are dropped", bus.shardCount(),
                config.gatewayExpiry());
    }

    private void sweep() {
        try {
            routesSwept.add(router.sweepDeadGateways());
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
        Gauge.builder("router.gateways.live", liveness, GatewayLiveness::liveGatewayCount)
                .description("gateways heartbeating within the expiry").register(registry);
        FunctionCounter.builder("router.routes.swept", routesSwept, LongAdder::sum)
                .description("routes of dead gateways removed").register(registry);
    }

    void stop(@Observes ShutdownEvent event) {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        if (shards != null) {
            shards.close();
        }
        if (heartbeats != null) {
            heartbeats.close();
        }
    }

    public Router router() {
        return router;
    }
}
