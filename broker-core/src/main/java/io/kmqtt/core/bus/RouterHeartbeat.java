package io.kmqtt.core.bus;

import java.util.Set;

/**
 * A router's proof of life, sent every {@code router.heartbeat-interval}, which is also how routers
 * divide the shards among themselves (see {@link io.kmqtt.core.routing.ShardOwnership}).
 *
 * @param routerId     the router's stable name
 * @param incarnation  this run of it (a restarted router is a new incarnation)
 * @param sentAtMillis the sender's clock when sent
 * @param leaving      it is stopping: it hands its shards over and takes none
 * @param routing      the shards it routes now (their routes loaded): a router waiting to hand a
 *                     shard over stops once the shard's new owner lists it here
 */
public record RouterHeartbeat(String routerId, String incarnation, long sentAtMillis, boolean leaving,
                              Set<Integer> routing) {

    public RouterHeartbeat {
        routing = Set.copyOf(routing);
    }
}
