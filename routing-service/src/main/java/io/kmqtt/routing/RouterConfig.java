package io.kmqtt.routing;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import io.kmqtt.core.routing.SharedStrategy;

import java.time.Duration;
import java.util.Optional;

/** The routing service's configuration; {@code router.gateway-expiry} is {@code ROUTER_GATEWAY_EXPIRY}. */
@ConfigMapping(prefix = "router")
public interface RouterConfig {

    /**
     * A gateway silent for this long is dead and its routes are removed. Messages routed to it in
     * this window are lost for its clients (who are disconnected anyway). Keep it several times the
     * gateways' heartbeat interval.
     */
    @WithDefault("10s")
    Duration gatewayExpiry();

    /**
     * How often this router tells the others it is alive and which shards it routes. Routers divide
     * the shards among themselves from these heartbeats.
     */
    @WithDefault("500ms")
    Duration heartbeatInterval();

    /**
     * A router silent this long is dead: the others take its shards. This bounds how long a killed
     * router's topics go unrouted (plus the time to load their routes). Keep it several heartbeat
     * intervals: a router that misses it (a long pause) causes a needless handover, never a loss.
     */
    @WithDefault("3s")
    Duration routerExpiry();

    /** A stopping router hands its shards over to the others; it waits at most this long for them to take them. */
    @WithDefault("10s")
    Duration leaveTimeout();

    /** How often routes of dead gateways are looked for. */
    @WithDefault("2s")
    Duration sweepInterval();

    /**
     * How a shared subscription picks, among the gateways holding members of its group, the one a
     * message goes to: {@code round-robin}, {@code random}, {@code hash-clientid} (of the publisher)
     * or {@code hash-topic}. That gateway then picks one member (mqtt.shared-subscription-strategy).
     */
    @WithDefault("round-robin")
    SharedStrategy sharedSubscriptionStrategy();

    /** This router's name in the nodes table and the admin API. Default: {@code router-<hostname>-<pid>}. */
    Optional<String> nodeId();

    /** Base URL of this router's HTTP port, for the admin API. Default: {@code http://<hostname>:<quarkus.http.port>}. */
    Optional<String> advertisedHttpUrl();

    /** How often the router writes its status and counters to the nodes table. */
    @WithDefault("5s")
    Duration statsInterval();
}
