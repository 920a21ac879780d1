package io.kmqtt.core.routing;

import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.RouteChange;
import io.kmqtt.core.index.SubscriptionIndex;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The routes of one shard: filter to gateways for matching, gateway to filters for cleanup. */
final class ShardRoutes {

    private final SubscriptionIndex<GatewayRef, Boolean> index = new SubscriptionIndex<>();
    private final Map<GatewayRef, Set<String>> filtersByGateway = new ConcurrentHashMap<>();

    void apply(RouteChange change) {
        if (change.added()) {
            index.add(change.filter(), change.gateway(), Boolean.TRUE);
            filtersByGateway.computeIfAbsent(change.gateway(), g -> ConcurrentHashMap.newKeySet()).add(change.filter());
        } else {
            index.remove(change.filter(), change.gateway());
            filtersByGateway.computeIfPresent(change.gateway(), (g, filters) -> {
                filters.remove(change.filter());
                return filters.isEmpty() ? null : filters;
            });
        }
    }

    /** Gateways with a route matching the topic, each once even if several of its filters match. */
    void matchGateways(String topic, List<GatewayRef> out) {
        index.match(topic, (gateway, ignored) -> {
            if (!out.contains(gateway)) {
                out.add(gateway);
            }
        });
    }

    Set<GatewayRef> gateways() {
        return filtersByGateway.keySet();
    }

    /** Removes every route of the gateway and returns the filters it had. */
    List<String> removeGateway(GatewayRef gateway) {
        Set<String> filters = filtersByGateway.remove(gateway);
        if (filters == null) {
            return List.of();
        }
        filters.forEach(f -> index.remove(f, gateway));
        return List.copyOf(filters);
    }

    int routeCount() {
        return filtersByGateway.values().stream().mapToInt(Set::size).sum();
    }
}
