package io.kmqtt.core.bus;

import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.ReplicatedTable;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The channels gateways and routers talk through. Kafka in a cluster, memory in the standalone
 * broker; the gateway and router code is the same on both.
 *
 * <p>Every method that sends returns a stage that completes once the bus has durably accepted the
 * record (for Kafka: acknowledged by all in-sync replicas). No method blocks the caller.
 */
public interface MessageBus extends AutoCloseable {

    /** The number of shards messages and routes are split into. */
    int shardCount();

    // ---- gateway side -------------------------------------------------------------------

    /** Sends a message to the shard that owns its topic. Per topic, order is kept. */
    CompletionStage<Void> publish(Envelope message);

    /**
     * Whether {@link #publish}'s stage completes only once every subscriber had room for the message
     * (the memory bus, which has nowhere else for a backlog to wait), so that a stage not complete
     * when publish returns means the publisher is being held back. False for Kafka, whose stages
     * complete when the record is durable.
     */
    default boolean holdsPublishersBack() {
        return false;
    }

    /**
     * Sends a message to the shard that owns its topic, for one shared subscription only: the
     * router gives it to one member of that group and to nobody else. Used when a member leaves
     * with messages it was given but had not finished.
     */
    CompletionStage<Void> publishToShare(String group, String filter, Envelope message);

    /** Announces or withdraws a route: to the owning shard for an exact filter, to every shard for a wildcard. */
    CompletionStage<Void> announceRoute(RouteChange change);

    CompletionStage<Void> heartbeat(GatewayHeartbeat heartbeat);

    /** Starts delivering this gateway's delivery channel to the listener. */
    Registration consumeDeliveries(GatewayRef gateway, DeliveryListener listener);

    /**
     * A reader of this gateway's delivery channel from any position still retained, for sessions
     * that fell behind; null where the channel cannot be read again (the memory bus: there a full
     * session holds its publishers back instead).
     */
    DeliveryReader deliveryReader(GatewayRef gateway);

    /**
     * The plain deliveries sent to a gateway's channel that it had not taken when it stopped: from
     * its last recorded position to the end, at most {@code limit}. For a gateway that died, so that
     * what the routers sent it is not lost to the sessions it held. Empty where the bus records no
     * positions (the memory bus).
     */
    CompletionStage<java.util.List<Envelope>> unreadDeliveries(String gatewayId, int limit);

    // ---- router side --------------------------------------------------------------------

    /**
     * Starts a router's shard consumer. It routes no shard until told to ({@link ShardConsumer#own});
     * which shards a router owns is agreed among the routers through their heartbeats.
     */
    ShardConsumer consumeShards(ShardListener listener);

    /** Sends this router's heartbeat to every router. */
    CompletionStage<Void> routerHeartbeat(RouterHeartbeat heartbeat);

    /** Receives every router heartbeat, starting with the latest known one of each router. */
    Registration consumeRouterHeartbeats(Consumer<RouterHeartbeat> listener);

    /** Receives every gateway heartbeat, starting with the latest known one of each gateway. */
    Registration consumeHeartbeats(HeartbeatListener listener);

    /**
     * Sends a message to one gateway's delivery channel, with its shard position, so that the
     * gateway can drop copies of it (see {@link ShardMessage}).
     */
    CompletionStage<Void> deliver(String gatewayId, ShardMessage message);

    /** Sends a message to one gateway's delivery channel, for one member of a shared subscription there. */
    CompletionStage<Void> deliverShared(String gatewayId, String group, String filter, ShardMessage message);

    /** Removes a route from one shard's durable route table, for routes of gateways that died. */
    CompletionStage<Void> withdrawRoute(int shard, RouteChange change);

    // ---- cluster state ------------------------------------------------------------------

    /**
     * A replicated table of cluster state. The first call for a table may create its topic and wait
     * for Kafka: make it at start-up, not on an event loop.
     */
    ReplicatedTable table(ClusterTable table);

    /** Sends a command to every process that consumes broadcasts (every gateway). */
    CompletionStage<Void> broadcast(byte[] command);

    /** Receives the broadcasts sent from now on, from one thread. */
    Registration consumeBroadcasts(Consumer<byte[]> listener);

    @Override
    void close();

    /** A running consumption; closing it stops the callbacks. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
