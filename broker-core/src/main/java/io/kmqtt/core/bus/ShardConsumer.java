package io.kmqtt.core.bus;

import java.util.Set;

/**
 * A router's hold on shards. Which shards a router owns is decided outside the bus (by
 * {@link io.kmqtt.core.routing.ShardOwnership}, from the routers' own heartbeats); the bus reads
 * what it is told to own. Any thread may call these methods; the work happens on the bus's thread.
 */
public interface ShardConsumer extends MessageBus.Registration {

    /**
     * Starts routing the shard: its routes are read from the start of their log, then its messages
     * from the position recorded last by whichever router routed it before. Does nothing if the
     * shard is already owned.
     */
    void own(int shard);

    /**
     * Stops routing the shard once the deliveries already under way have been accepted, and records
     * how far it got, so that the next owner starts there. Does nothing if the shard is not owned.
     */
    void release(int shard);

    /** The shards owned or being loaded (everything {@link #own} was called for and not released). */
    Set<Integer> owned();

    /** The owned shards whose routes are loaded and whose messages are being routed. */
    Set<Integer> routing();
}
