package io.kmqtt.gateway.delivery;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.function.Predicate;

/**
 * The messages a client has not been sent yet, in the order they arrived, except that a QoS 0
 * message does not wait behind QoS 1 and 2 messages that wait for room in the in-flight window.
 *
 * <p>MQTT orders messages per topic <em>and QoS</em> (MQTT 5.0 section 4.6, MQTT-4.6.0-6), so a
 * QoS 0 message may overtake a QoS 1 one. Without that, a subscriber whose acknowledgements take a
 * round trip gets its QoS 0 messages at the pace of its QoS 1 window (the seed's ListenToAllTopics
 * subscriber gets four messages in five at QoS 0).
 *
 * <p>A QoS 1 or 2 message found at the head while the window is full is set aside, in order, into
 * {@code waitingForWindow}; everything there is older than everything in {@code arrived}, so the
 * queue's order is: waiting, then arrived. Each message moves at most once. Not thread-safe: the
 * {@link OutboundWindow} guards it.
 */
final class OutboundQueue implements Iterable<Outbound> {

    private final ArrayDeque<Outbound> arrived = new ArrayDeque<>();
    /** QoS 1 and 2 messages that reached the head while the window was full; created when first needed. */
    private ArrayDeque<Outbound> waitingForWindow;

    void addLast(Outbound message) {
        arrived.addLast(message);
    }

    /** Puts the message ahead of everything queued (a resumed session's saved messages). */
    void addFirst(Outbound message) {
        if (message.qos() > 0 && waitingForWindow != null && !waitingForWindow.isEmpty()) {
            waitingForWindow.addFirst(message);
        } else {
            arrived.addFirst(message);
        }
    }

    /**
     * The next message to send, or null: the oldest QoS 1 or 2 message if the window has room,
     * else the oldest QoS 0 message, setting aside the QoS 1 and 2 messages ahead of it.
     *
     * @param windowHasRoom a QoS 1 or 2 message may be sent now
     */
    Outbound poll(boolean windowHasRoom) {
        if (waitingForWindow != null && !waitingForWindow.isEmpty()) {
            if (windowHasRoom) {
                return waitingForWindow.pollFirst();
            }
        } else if (windowHasRoom) {
            return arrived.pollFirst();
        }
        // The window is full: QoS 0 passes, QoS 1 and 2 wait in order.
        while (!arrived.isEmpty()) {
            Outbound next = arrived.pollFirst();
            if (next.qos() == 0) {
                return next;
            }
            if (waitingForWindow == null) {
                waitingForWindow = new ArrayDeque<>();
            }
            waitingForWindow.addLast(next);
        }
        return null;
    }

    int size() {
        return arrived.size() + (waitingForWindow == null ? 0 : waitingForWindow.size());
    }

    boolean isEmpty() {
        return size() == 0;
    }

    /** Removes the messages that match, in order; returns whether any did. */
    boolean removeIf(Predicate<Outbound> filter) {
        boolean removed = waitingForWindow != null && waitingForWindow.removeIf(filter);
        return arrived.removeIf(filter) | removed;
    }

    void clear() {
        arrived.clear();
        waitingForWindow = null;
    }

    /** In queue order: what waits for the window, then what arrived after it. Supports remove. */
    @Override
    public Iterator<Outbound> iterator() {
        if (waitingForWindow == null || waitingForWindow.isEmpty()) {
            return arrived.iterator();
        }
        Iterator<Outbound> first = waitingForWindow.iterator();
        Iterator<Outbound> second = arrived.iterator();
        return new Iterator<>() {
            private Iterator<Outbound> last;

            @Override
            public boolean hasNext() {
                return first.hasNext() || second.hasNext();
            }

            @Override
            public Outbound next() {
                last = first.hasNext() ? first : second;
                return last.next();
            }

            @Override
            public void remove() {
                last.remove();
            }
        };
    }
}
