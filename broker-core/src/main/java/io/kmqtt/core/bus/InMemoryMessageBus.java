package io.kmqtt.core.bus;

import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.InMemoryTable;
import io.kmqtt.core.state.ReplicatedTable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The bus of the standalone broker: one shard, everything in this JVM.
 *
 * <p>Publishing, routing, route changes and deliveries are plain calls on the publisher's thread:
 * the gateway never writes to a subscriber's connection from there (a session queues the message
 * and its own event loop writes it), so no thread hop and no lock of another connection is taken.
 * A delivery's stage completes when the gateway has room for it, which is how a full subscriber
 * holds its publishers' acknowledgements back: there is no channel here for a backlog to wait in.
 *
 * <p>Route and heartbeat state is kept like the compacted topics keep it, so that a router that
 * registers late still learns every route.
 */
public final class InMemoryMessageBus implements MessageBus {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private final Object shardLock = new Object();
    private final Map<String, RouteChange> routes = new LinkedHashMap<>();
    private final Map<String, GatewayHeartbeat> heartbeats = new ConcurrentHashMap<>();
    private final Map<String, DeliveryListener> deliveryListeners = new ConcurrentHashMap<>();
    private final List<HeartbeatListener> heartbeatListeners = new CopyOnWriteArrayList<>();
    private volatile ShardListener shardOwner;
    private final Map<ClusterTable, InMemoryTable> tables = new EnumMap<>(ClusterTable.class);
    private final List<Consumer<byte[]>> broadcastListeners = new CopyOnWriteArrayList<>();
    private final Map<String, RouterHeartbeat> routerHeartbeats = new ConcurrentHashMap<>();
    private final List<Consumer<RouterHeartbeat>> routerHeartbeatListeners = new CopyOnWriteArrayList<>();
    /** The one shard's log position, as Kafka's offsets would be. */
    private final java.util.concurrent.atomic.AtomicLong offsets = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public int shardCount() {
        return 1;
    }

    @Override
    public CompletionStage<Void> publish(Envelope message) {
        // Not under shardLock: the router matches concurrently, and its index is thread-safe.
        ShardListener owner = shardOwner;
        if (owner == null) {
            return DONE; // no router: nobody can have subscribed
        }
        return owner.onMessage(new ShardMessage(0, offsets.getAndIncrement(), message, null));
    }

    @Override
    public boolean holdsPublishersBack() {
        return true; // the gateway's dispatcher completes a delivery's stage once every session had room
    }

    @Override
    public CompletionStage<List<Envelope>> unreadDeliveries(String gatewayId, int limit) {
        return CompletableFuture.completedFuture(List.of()); // one process: its gateway cannot outlive it
    }

    @Override
    public CompletionStage<Void> publishToShare(String group, String filter, Envelope message) {
        ShardListener owner = shardOwner;
        return owner == null ? DONE
                : owner.onShareMessage(new ShardMessage(0, offsets.getAndIncrement(), message, null), group, filter);
    }

    @Override
    public CompletionStage<Void> announceRoute(RouteChange change) {
        synchronized (shardLock) {
            String key = change.gateway() + "\u0000" + change.filter();
            if (change.added()) {
                routes.put(key, change);
            } else {
                routes.remove(key);
            }
            if (shardOwner != null) {
                shardOwner.onRoute(0, change);
            }
        }
        return DONE;
    }

    @Override
    public CompletionStage<Void> heartbeat(GatewayHeartbeat heartbeat) {
        if (heartbeat.leaving()) {
            heartbeats.remove(heartbeat.gateway().id());
        } else {
            heartbeats.put(heartbeat.gateway().id(), heartbeat);
        }
        heartbeatListeners.forEach(l -> l.onHeartbeat(heartbeat));
        return DONE;
    }

    @Override
    public Registration consumeDeliveries(GatewayRef gateway, DeliveryListener listener) {
        deliveryListeners.put(gateway.id(), listener);
        return () -> deliveryListeners.remove(gateway.id(), listener);
    }

    /**
     * The one shard is the router's as soon as it registers: one process, one router. {@code own}
     * and {@code release} of shard 0 are accepted and change nothing until the consumer is closed.
     */
    @Override
    public ShardConsumer consumeShards(ShardListener listener) {
        synchronized (shardLock) {
            if (shardOwner != null) {
                throw new IllegalStateException("the in-memory bus has one shard and it already has a router");
            }
            shardOwner = listener;
            listener.onShardAssigned(0);
            new ArrayList<>(routes.values()).forEach(r -> listener.onRoute(0, r));
        }
        return new ShardConsumer() {
            @Override
            public void own(int shard) {
            }

            @Override
            public void release(int shard) {
            }

            @Override
            public java.util.Set<Integer> owned() {
                return shardOwner == listener ? java.util.Set.of(0) : java.util.Set.of();
            }

            @Override
            public java.util.Set<Integer> routing() {
                return owned();
            }

            @Override
            public void close() {
                synchronized (shardLock) {
                    if (shardOwner == listener) {
                        shardOwner = null;
                        listener.onShardRevoked(0);
                    }
                }
            }
        };
    }

    @Override
    public CompletionStage<Void> routerHeartbeat(RouterHeartbeat heartbeat) {
        routerHeartbeats.put(heartbeat.routerId(), heartbeat);
        routerHeartbeatListeners.forEach(l -> l.accept(heartbeat));
        return DONE;
    }

    @Override
    public Registration consumeRouterHeartbeats(Consumer<RouterHeartbeat> listener) {
        routerHeartbeatListeners.add(listener);
        routerHeartbeats.values().forEach(listener);
        return () -> routerHeartbeatListeners.remove(listener);
    }

    @Override
    public Registration consumeHeartbeats(HeartbeatListener listener) {
        heartbeatListeners.add(listener);
        heartbeats.values().forEach(listener::onHeartbeat);
        return () -> heartbeatListeners.remove(listener);
    }

    @Override
    public CompletionStage<Void> deliver(String gatewayId, ShardMessage message) {
        return handOver(gatewayId, Delivery.plain(message.message(), -1));
    }

    @Override
    public CompletionStage<Void> deliverShared(String gatewayId, String group, String filter, ShardMessage message) {
        return handOver(gatewayId, new Delivery(message.message(), -1, group, filter));
    }

    private CompletionStage<Void> handOver(String gatewayId, Delivery delivery) {
        DeliveryListener listener = deliveryListeners.get(gatewayId);
        return listener == null ? DONE : listener.onDeliveries(List.of(delivery));
    }

    @Override
    public DeliveryReader deliveryReader(GatewayRef gateway) {
        return null; // nothing is kept to read again: a full session holds its publishers back instead
    }

    @Override
    public CompletionStage<Void> withdrawRoute(int shard, RouteChange change) {
        return announceRoute(RouteChange.remove(change.gateway(), change.filter()));
    }

    @Override
    public synchronized ReplicatedTable table(ClusterTable table) {
        return tables.computeIfAbsent(table, InMemoryTable::new);
    }

    @Override
    public CompletionStage<Void> broadcast(byte[] command) {
        broadcastListeners.forEach(l -> l.accept(command));
        return DONE;
    }

    @Override
    public Registration consumeBroadcasts(Consumer<byte[]> listener) {
        broadcastListeners.add(listener);
        return () -> broadcastListeners.remove(listener);
    }

    @Override
    public void close() {
        broadcastListeners.clear();
        synchronized (shardLock) {
            shardOwner = null;
        }
        deliveryListeners.clear();
        heartbeatListeners.clear();
    }
}
