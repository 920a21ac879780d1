package io.kmqtt.core.bus;

import io.kmqtt.core.message.Envelope;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The bus of the standalone broker: one shard, everything in this JVM, every call synchronous.
 *
 * <p>Shard calls are serialised by a lock so that the router sees them from one thread at a time,
 * as it would from Kafka. Route and heartbeat state is kept like the compacted topics keep it, so
 * that a router that registers late still learns every route.
 */
public final class InMemoryMessageBus implements MessageBus {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final Object shardLock = new Object();
    private final Map<String, RouteChange> routes = new LinkedHashMap<>();
    private final Map<String, GatewayHeartbeat> heartbeats = new ConcurrentHashMap<>();
    private final Map<String, DeliveryListener> deliveryListeners = new ConcurrentHashMap<>();
    private final List<HeartbeatListener> heartbeatListeners = new CopyOnWriteArrayList<>();
    private ShardListener shardOwner;

    @Override
    public int shardCount() {
        return 1;
    }

    @Override
    public CompletionStage<Void> publish(Envelope message) {
        synchronized (shardLock) {
            if (shardOwner == null) {
                return DONE; // no router: nobody can have subscribed
            }
            return shardOwner.onMessage(0, message);
        }
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

    @Override
    public Registration consumeShards(ShardListener listener) {
        synchronized (shardLock) {
            if (shardOwner != null) {
                throw new IllegalStateException("the in-memory bus has one shard and it already has a router");
            }
            shardOwner = listener;
            listener.onShardAssigned(0);
            new ArrayList<>(routes.values()).forEach(r -> listener.onRoute(0, r));
        }
        return () -> {
            synchronized (shardLock) {
                if (shardOwner == listener) {
                    shardOwner = null;
                    listener.onShardRevoked(0);
                }
            }
        };
    }

    @Override
    public Registration consumeHeartbeats(HeartbeatListener listener) {
        heartbeatListeners.add(listener);
        heartbeats.values().forEach(listener::onHeartbeat);
        return () -> heartbeatListeners.remove(listener);
    }

    @Override
    public CompletionStage<Void> deliver(String gatewayId, Envelope message) {
        DeliveryListener listener = deliveryListeners.get(gatewayId);
        if (listener != null) {
            listener.onDeliveries(List.of(message));
        }
        return DONE;
    }

    @Override
    public CompletionStage<Void> withdrawRoute(int shard, RouteChange change) {
        return announceRoute(RouteChange.remove(change.gateway(), change.filter()));
    }

    @Override
    public void close() {
        synchronized (shardLock) {
            shardOwner = null;
        }
        deliveryListeners.clear();
        heartbeatListeners.clear();
    }
}
