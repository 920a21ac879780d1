package io.kmqtt.bus.kafka;

import java.util.Arrays;

/**
 * A message's position in its shard, carried by every delivery ({@link KafkaTopics#SHARD_POSITION_HEADER}),
 * and the record of the latest position a delivery channel has seen per shard.
 *
 * <p>A shard's messages reach a gateway in the shard's order, so its offsets only grow, except when
 * two routers route the shard at once (a handover, or a router that was thought dead). The second
 * copy of a message then has an offset the gateway has already seen for that shard: it is dropped.
 */
final class ShardPosition {

    private static final int SIZE = 12;

    /** Per shard, the highest offset seen; -1 for none. One reader thread. */
    private long[] highest = new long[0];

    static byte[] encode(int shard, long offset) {
        byte[] b = new byte[SIZE];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) (shard >>> (24 - 8 * i));
        }
        for (int i = 0; i < 8; i++) {
            b[4 + i] = (byte) (offset >>> (56 - 8 * i));
        }
        return b;
    }

    static int shard(byte[] b) {
        check(b);
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    static long offset(byte[] b) {
        check(b);
        long v = 0;
        for (int i = 4; i < SIZE; i++) {
            v = v << 8 | (b[i] & 0xff);
        }
        return v;
    }

    private static void check(byte[] b) {
        if (b.length != SIZE) {
            throw new IllegalArgumentException("a shard position has " + SIZE + " bytes, not " + b.length);
        }
    }

    /** Records the position; false if this shard already had it or a later one (a copy). */
    boolean advance(int shard, long offset) {
        if (shard < 0) {
            throw new IllegalArgumentException("negative shard " + shard);
        }
        if (shard >= highest.length) {
            int old = highest.length;
            highest = Arrays.copyOf(highest, Math.max(shard + 1, old * 2));
            Arrays.fill(highest, old, highest.length, -1L);
        }
        if (offset <= highest[shard]) {
            return false;
        }
        highest[shard] = offset;
        return true;
    }
}
