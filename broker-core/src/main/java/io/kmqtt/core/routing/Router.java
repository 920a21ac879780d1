package io.kmqtt.core.routing;

import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.bus.RouteChange;
import io.kmqtt.core.bus.ShardListener;
import io.kmqtt.core.bus.ShardMessage;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.EnvelopeCodec;
import io.kmqtt.core.session.OfflineSessions;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.ReplicatedTable;
import io.kmqtt.core.topic.SharedSubscription;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * Matches each message of the shards it owns against their routes and sends one delivery per
 * matching gateway (not per subscriber: the gateway fans out locally).
 */
public final class Router implements ShardListener {

    private static final Logger LOG = Logger.getLogger(Router.class.getName());
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final MessageBus bus;
    private final GatewayLiveness liveness;
    private final Map<Integer, ShardRoutes> shards = new ConcurrentHashMap<>();
    private final ReplicatedTable retained;
    private final SharedStrategy sharedStrategy;
    private volatile OfflineSessions offlineSessions;

    private final LongAdder messagesIn = new LongAdder();
    private final LongAdder deliveriesOut = new LongAdder();
    private final LongAdder messagesWithoutRoute = new LongAdder();

    /** Creates a router; opens the retained table, which may wait for Kafka: call at start-up. */
    public Router(MessageBus bus, GatewayLiveness liveness) {
        this(bus, liveness, SharedStrategy.ROUND_ROBIN);
    }

    /** @param sharedStrategy how a shared subscription picks the gateway of its group that gets a message */
    public Router(MessageBus bus, GatewayLiveness liveness, SharedStrategy sharedStrategy) {
        this.bus = bus;
        this.liveness = liveness;
        this.retained = bus.table(ClusterTable.RETAINED);
        this.sharedStrategy = sharedStrategy;
    }

    /** From now on, also queue messages for persistent sessions that no live gateway looks after. */
    public void queueForOfflineSessions(OfflineSessions sessions) {
        this.offlineSessions = sessions;
    }

    @Override
    public void onShardAssigned(int shard) {
        shards.put(shard, new ShardRoutes());
        LOG.info(() -> "shard " + shard + " assigned");
    }

    @Override
    public void onRoute(int shard, RouteChange change) {
        ShardRoutes routes = shards.get(shard);
        if (routes != null) {
            routes.apply(change);
        }
    }

    @Override
    public CompletionStage<Void> onMessage(ShardMessage shardMessage) {
        messagesIn.increment();
        ShardRoutes routes = shards.get(shardMessage.shard());
        if (routes == null) {
            return DONE;
        }
        Envelope message = shardMessage.message();
        // The shard's owner keeps its topics' retained messages: one writer per topic, in publish order.
        CompletionStage<Void> retainedWrite = message.retain() ? retain(message) : null;
        List<String> targets = liveTargets(routes, message);
        CompletionStage<Void> plain = deliver(targets, shardMessage);
        CompletionStage<Void> shared = routeShared(routes, shardMessage, null);
        OfflineSessions offline = offlineSessions;
        CompletionStage<Void> queued = offline == null ? null : offline.route(message, targets);
        if (plain == null && shared == null && queued == null) {
            messagesWithoutRoute.increment();
        }
        return all(retainedWrite, plain, shared, queued);
    }

    @Override
    public CompletionStage<Void> onShareMessage(ShardMessage shardMessage, String group, String filter) {
        messagesIn.increment();
        ShardRoutes routes = shards.get(shardMessage.shard());
        if (routes == null) {
            return DONE;
        }
        CompletionStage<Void> sent = routeShared(routes, shardMessage, new SharedSubscription(group, filter));
        if (sent == null) {
            messagesWithoutRoute.increment();
            return DONE;
        }
        return sent;
    }

    /** The stages that are not null, as one; most messages have exactly one (a single delivery). */
    private static CompletionStage<Void> all(CompletionStage<Void> a, CompletionStage<Void> b, CompletionStage<Void> c,
                                             CompletionStage<Void> d) {
        CompletionStage<Void> all = both(both(a, b), both(c, d));
        return all == null ? DONE : all;
    }

    private static CompletionStage<Void> both(CompletionStage<Void> x, CompletionStage<Void> y) {
        if (x == null || y == null) {
            return x == null ? y : x;
        }
        return CompletableFuture.allOf(x.toCompletableFuture(), y.toCompletableFuture());
    }

    /**
     * For each shared subscription the message matches (or only {@code only}, if given), one
     * delivery to one live gateway holding members of the group (ordered by id, then picked by the
     * strategy); that gateway picks one member.
     */
    private CompletionStage<Void> routeShared(ShardRoutes routes, ShardMessage shardMessage, SharedSubscription only) {
        Envelope message = shardMessage.message();
        Map<SharedSubscription, List<GatewayRef>> matches = new HashMap<>(2);
        routes.matchShared(message.topic(), matches);
        if (only != null) {
            matches.keySet().retainAll(java.util.Set.of(only));
        }
        if (matches.isEmpty()) {
            return null;
        }
        List<CompletableFuture<Void>> sends = new ArrayList<>(matches.size());
        matches.forEach((share, gateways) -> {
            List<String> live = new ArrayList<>(gateways.size());
            for (GatewayRef g : gateways) {
                if (liveness.isAlive(g) && !live.contains(g.id())) {
                    live.add(g.id());
                }
            }
            if (live.isEmpty()) {
                return;
            }
            live.sort(null);
            String target = live.get(sharedStrategy.pick(live.size(), share.fullFilter(), message));
            deliveriesOut.increment();
            sends.add(bus.deliverShared(target, share.group(), share.filter(), shardMessage).toCompletableFuture());
        });
        return sends.isEmpty() ? null : CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new));
    }

    /** Stores a retained message, or deletes the topic's retained message if the payload is empty (MQTT-3.3.1-6, -7). */
    private CompletionStage<Void> retain(Envelope message) {
        return message.payload().length == 0 ? retained.remove(message.topic())
                : retained.put(message.topic(), EnvelopeCodec.encode(message));
    }

    /** The ids of the live gateways with a plain route matching the message. */
    private List<String> liveTargets(ShardRoutes routes, Envelope message) {
        List<GatewayRef> matched = new ArrayList<>(2);
        routes.matchGateways(message.topic(), matched);
        // Several incarnations of one gateway id share its delivery channel: send once per id.
        List<String> targets = new ArrayList<>(matched.size());
        for (GatewayRef gateway : matched) {
            if (liveness.isAlive(gateway) && !targets.contains(gateway.id())) {
                targets.add(gateway.id());
            }
        }
        return targets;
    }

    /** One delivery per target gateway; null if there is none. */
    private CompletionStage<Void> deliver(List<String> targets, ShardMessage message) {
        if (targets.isEmpty()) {
            return null;
        }
        deliveriesOut.add(targets.size());
        if (targets.size() == 1) {
            return bus.deliver(targets.get(0), message);
        }
        CompletableFuture<?>[] sends = new CompletableFuture<?>[targets.size()];
        for (int i = 0; i < sends.length; i++) {
            sends[i] = bus.deliver(targets.get(i), message).toCompletableFuture();
        }
        return CompletableFuture.allOf(sends);
    }

    @Override
    public void onShardRevoked(int shard) {
        shards.remove(shard);
        LOG.info(() -> "shard " + shard + " revoked");
    }

    /**
     * Removes the routes of dead gateway incarnations from every owned shard, here and in the
     * bus's durable route table, so that a crashed gateway does not attract traffic forever.
     *
     * @return the number of routes removed
     */
    public int sweepDeadGateways() {
        int removed = 0;
        Set<GatewayRef> dead = new HashSet<>();
        for (Map.Entry<Integer, ShardRoutes> shard : shards.entrySet()) {
            for (GatewayRef gateway : List.copyOf(shard.getValue().gateways())) {
                if (liveness.isAlive(gateway)) {
                    continue;
                }
                dead.add(gateway);
                List<String> filters = shard.getValue().removeGateway(gateway);
                for (String filter : filters) {
                    bus.withdrawRoute(shard.getKey(), RouteChange.remove(gateway, filter));
                }
                removed += filters.size();
                LOG.info("removed " + filters.size() + " routes of dead gateway " + gateway + " from shard " + shard.getKey());
            }
        }
        dead.forEach(liveness::forget);
        return removed;
    }

    public List<Integer> ownedShards() {
        return List.copyOf(shards.keySet());
    }

    public int routeCount() {
        return shards.values().stream().mapToInt(ShardRoutes::routeCount).sum();
    }

    public long messagesIn() {
        return messagesIn.sum();
    }

    public long deliveriesOut() {
        return deliveriesOut.sum();
    }

    public long messagesWithoutRoute() {
        return messagesWithoutRoute.sum();
    }
}
