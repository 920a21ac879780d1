package io.kmqtt.core.routing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Which router owns which shard, computed by every router alike from the same set of live routers.
 *
 * <p>Rendezvous hashing (each shard goes to the router that scores highest for it) moves few shards
 * when a router joins or leaves; a cap of ceil(shards / routers) per router keeps the split even,
 * which plain rendezvous hashing does not do for a dozen shards over two or three routers. The
 * shards are assigned in order, each to its best-scoring router that is not yet full, so the result
 * depends only on the set of router ids.
 */
public final class ShardAssignment {

    private ShardAssignment() {
    }

    /**
     * @return the owner of each shard (index = shard), or an array of nulls when no router is live
     */
    public static String[] assign(Collection<String> routers, int shards) {
        String[] owners = new String[shards];
        List<String> ids = new ArrayList<>(routers);
        ids.sort(null);
        int n = ids.size();
        if (n == 0) {
            return owners;
        }
        int cap = (shards + n - 1) / n;
        int[] load = new int[n];
        for (int shard = 0; shard < shards; shard++) {
            int best = -1;
            long bestScore = 0;
            for (int r = 0; r < n; r++) {
                long score = score(ids.get(r), shard);
                if (load[r] < cap && (best < 0 || Long.compareUnsigned(score, bestScore) > 0)) {
                    best = r;
                    bestScore = score;
                }
            }
            owners[shard] = ids.get(best);
            load[best]++;
        }
        return owners;
    }

    /** A well-mixed, JVM-independent score of (router, shard): String.hashCode is specified, SplitMix64 mixes it. */
    static long score(String routerId, int shard) {
        long z = (((long) routerId.hashCode()) << 32 | (shard & 0xffffffffL)) + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
