package io.kmqtt.core.routing;

import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.RouteChange;
import io.kmqtt.core.index.SubscriptionIndex;
import io.kmqtt.core.topic.SharedSubscription;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The routes of one shard: filter to gateways for matching, gateway to filters for cleanup. */
final class ShardRoutes {

    /** A gateway with members of a shared subscription. */
    record SharedRoute(String group, String filter, GatewayRef gateway) {
    }

    private final SubscriptionIndex<GatewayRef, Boolean> index = new SubscriptionIndex<>();
    /** Shared subscriptions, by their inner filter. */
    private final SubscriptionIndex<SharedRoute, Boolean> shared = new SubscriptionIndex<>();
    private final Map<GatewayRef, Set<String>> filtersByGateway = new ConcurrentHashMap<>();

    void apply(RouteChange change) {
        SharedSubscription share = SharedSubscription.parse(change.filter());
        if (share != null) {
            SharedRoute route = new SharedRoute(share.group(), share.filter(), change.gateway());
            if (change.added()) {
                shared.add(share.filter(), route, Boolean.TRUE);
            } else {
                shared.remove(share.filter(), route);
            }
            track(change);
            return;
        }
        if (change.added()) {
            index.add(change.filter(), change.gateway(), Boolean.TRUE);
        } else {
            index.remove(change.filter(), change.gateway());
        }
        track(change);
    }

    private void track(RouteChange change) {
        if (change.added()) {
            filtersByGateway.computeIfAbsent(change.gateway(), g -> ConcurrentHashMap.newKeySet()).add(change.filter());
        } else {
            filtersByGateway.computeIfPresent(change.gateway(), (g, filters) -> {
                filters.remove(change.filter());
                return filters.isEmpty() ? null : filters;
            });
        }
    }

    /** Shared subscriptions whose filter matches the topic, each with the gateways holding members. */
    void matchShared(String topic, Map<SharedSubscription, List<GatewayRef>> out) {
        shared.match(topic, (route, ignored) -> out.computeIfAbsent(new SharedSubscription(route.group(), route.filter()),
                k -> new ArrayList<>(2)).add(route.gateway()));
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
        for (String f : filters) {
            SharedSubscription share = SharedSubscription.parse(f);
            if (share == null) {
                index.remove(f, gateway);
            } else {
                shared.remove(share.filter(), new SharedRoute(share.group(), share.filter(), gateway));
            }
        }
        return List.copyOf(filters);
    }

    int routeCount() {
        return filtersByGateway.values().stream().mapToInt(Set::size).sum();
    }
}
