package io.kmqtt.core.routing;

import io.kmqtt.core.bus.ShardConsumer;

import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Decides which shards this router routes, from the routers' heartbeats, and hands shards over
 * without a gap.
 *
 * <p>Every router computes the same {@link ShardAssignment} from the routers it hears from. A router
 * starts routing the shards assigned to it at once. A router that routes a shard assigned to
 * another keeps routing it until the new owner's heartbeat says it routes it too, then stops: for a
 * moment both route the shard, and gateways drop the copies (a shard's offsets never go backwards
 * at a gateway). So a router that joins or leaves normally causes no silence; a router that dies
 * leaves its shards unrouted until its heartbeats are older than the expiry.
 *
 * <p>Call {@link #tick} after every heartbeat this router sends (and whenever convenient); it is
 * cheap and idempotent.
 */
public final class ShardOwnership {

    private static final Logger LOG = Logger.getLogger(ShardOwnership.class.getName());

    private final String self;
    private final int shardCount;
    private final ShardConsumer consumer;
    private final RouterLiveness liveness;
    private final LongSupplier clock;
    private final long actFromMillis;
    private volatile boolean leaving;
    private String[] lastOwners = new String[0];

    /**
     * @param startDelayMillis how long to listen to heartbeats before acting: one expiry period, so
     *                         that heartbeats of dead routers replayed from the log have gone stale
     */
    public ShardOwnership(String self, int shardCount, ShardConsumer consumer, RouterLiveness liveness,
                          LongSupplier clock, long startDelayMillis) {
        this.self = self;
        this.shardCount = shardCount;
        this.consumer = consumer;
        this.liveness = liveness;
        this.clock = clock;
        this.actFromMillis = clock.getAsLong() + startDelayMillis;
    }

    public synchronized void tick() {
        if (clock.getAsLong() < actFromMillis) {
            return;
        }
        Set<String> routers = new TreeSet<>(liveness.liveRouters());
        if (leaving) {
            routers.remove(self);
        } else {
            routers.add(self);
        }
        String[] owners = ShardAssignment.assign(routers, shardCount);
        if (!java.util.Arrays.equals(owners, lastOwners)) {
            LOG.info("routers " + routers + ": this router (" + self + ") owns shards " + shardsOf(owners, self));
            lastOwners = owners;
        }
        Set<Integer> owned = consumer.owned();
        for (int shard = 0; shard < shardCount; shard++) {
            String owner = owners[shard];
            if (self.equals(owner)) {
                consumer.own(shard);
            } else if (owned.contains(shard) && owner != null && liveness.routes(owner, shard)) {
                consumer.release(shard); // the new owner routes it: hand over
            }
            // else keep routing it until its new owner does: no gap while that one loads the routes
        }
    }

    /** From now on this router takes no shard and hands each one over as soon as its new owner routes it. */
    public void leave() {
        leaving = true;
        tick();
    }

    /** This router routes no shard any more. */
    public boolean handedOver() {
        return consumer.owned().isEmpty();
    }

    private static Set<Integer> shardsOf(String[] owners, String router) {
        Set<Integer> mine = new TreeSet<>();
        for (int i = 0; i < owners.length; i++) {
            if (router.equals(owners[i])) {
                mine.add(i);
            }
        }
        return mine;
    }
}
