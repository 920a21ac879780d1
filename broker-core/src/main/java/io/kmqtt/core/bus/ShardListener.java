package io.kmqtt.core.bus;

import java.util.concurrent.CompletionStage;

/**
 * What a router receives from the bus for the shards (message partitions) it owns. For one shard
 * the calls come from one thread, in this order: assigned, the shard's existing routes, then route
 * changes and messages interleaved, then revoked.
 */
public interface ShardListener {

    /** The shard is now ours; its route table starts empty and is filled by the calls that follow. */
    void onShardAssigned(int shard);

    /** A route of this shard was added or removed. */
    void onRoute(int shard, RouteChange change);

    /**
     * A message of one of our shards. The returned stage completes when every delivery it caused has
     * been accepted by the bus; only then may the bus count the message as routed. Messages of one
     * shard arrive in order; the bus does not wait for one message's stage before passing the next.
     */
    CompletionStage<Void> onMessage(ShardMessage message);

    /**
     * A message of one of our shards for one shared subscription only ({@link MessageBus#publishToShare}).
     * Same contract as {@link #onMessage}.
     */
    CompletionStage<Void> onShareMessage(ShardMessage message, String group, String filter);

    /** The shard is no longer ours: drop its state. */
    void onShardRevoked(int shard);
}
