package io.kmqtt.gateway.delivery;

/**
 * The delivery-channel positions of the messages a session fell behind on, oldest first: eight bytes
 * a message instead of the message, which waits in the channel until the session has room for it.
 * Not thread-safe: guarded by its session's window.
 */
final class MissedDeliveries {

    private long[] ring = new long[16];
    private int head;
    private int size;

    void add(long offset) {
        if (size == ring.length) {
            long[] bigger = new long[ring.length * 2];
            for (int i = 0; i < size; i++) {
                bigger[i] = ring[(head + i) % ring.length];
            }
            ring = bigger;
            head = 0;
        }
        ring[(head + size++) % ring.length] = offset;
    }

    long first() {
        if (size == 0) {
            throw new IllegalStateException("no missed delivery");
        }
        return ring[head];
    }

    long removeFirst() {
        long first = first();
        head = (head + 1) % ring.length;
        size--;
        return first;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }
}
