package io.kmqtt.gateway.inbound;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * One client's inbound QoS 1 and 2 flow: the acknowledgements owed to it, in order, the QoS 2
 * packet ids between PUBREC and PUBREL, the client's topic aliases, and how many PUBLISHes it has
 * unfinished, which the gateway bounds.
 *
 * <p><b>Order.</b> Acknowledgements go out in the order the PUBLISHes arrived (MQTT-4.6.0-2, -3),
 * although the bus may confirm them out of order: publishes to topics in different shards are
 * confirmed by different Kafka partitions.
 *
 * <p><b>Bound.</b> A client may have at most {@code receiveMaximum} QoS 1 and 2 PUBLISHes unfinished
 * (no PUBACK yet, or between PUBLISH and PUBREL for QoS 2; MQTT 5.0 section 4.9). An MQTT 5 client
 * that exceeds what CONNACK announced breaks the protocol ({@link #exceedsReceiveMaximum}); an MQTT
 * 3.1.1 client has no such agreement, so the gateway stops reading its socket at the bound and reads
 * on once an acknowledgement went out ({@link Acks#pauseReading}). That is also how a publisher is
 * held back when its acknowledgements, or at QoS 0 its PUBLISHes, wait for room at its subscribers
 * (the memory bus).
 *
 * <p>Event loop only; no locks.
 */
public final class InboundFlow {

    /** Where acknowledgements go: the client's connection. */
    public interface Acks {
        /** PUBACK (QoS 1) or PUBREC (QoS 2); {@code reason} null for success. Not called once the connection is closed. */
        void send(int packetId, int qos, Integer reason);

        boolean isOpen();

        /** Stops (true) or resumes (false) reading the client's socket. */
        void pauseReading(boolean pause);
    }

    private static final class Pending {
        final int packetId;
        final int qos;
        boolean done;
        Integer reason;

        Pending(int packetId, int qos) {
            this.packetId = packetId;
            this.qos = qos;
        }
    }

    private final Acks acks;
    private final int receiveMaximum;
    private final boolean mqtt5;
    private ArrayDeque<Pending> pending;
    private int pendingQos1;
    /** Inbound QoS 2 packet ids between PUBREC and PUBREL: a duplicate PUBLISH with one of these is not forwarded again. */
    private Set<Integer> qos2;
    /** MQTT 5 topic aliases the client set in its PUBLISHes, by alias (index 0 unused). */
    private String[] topicAliases;
    /** QoS 0 PUBLISHes waiting for room at their subscribers (the memory bus): reading stays paused while any do. */
    private int heldQos0;
    private boolean readingPaused;

    public InboundFlow(Acks acks, int receiveMaximum, boolean mqtt5) {
        this.acks = acks;
        this.receiveMaximum = receiveMaximum;
        this.mqtt5 = mqtt5;
    }

    /**
     * An MQTT 5 client sends a new QoS 1 or 2 PUBLISH with {@code receiveMaximum} already unfinished
     * (a repeat of a QoS 2 PUBLISH awaiting PUBREL is not new): DISCONNECT 0x93.
     */
    public boolean exceedsReceiveMaximum(int qos, int packetId) {
        return mqtt5 && qos > 0 && unfinished() >= receiveMaximum && !(qos == 2 && isQos2Pending(packetId));
    }

    /** Reserves the acknowledgement's place in line; returns a handle to {@link #complete} later. */
    public Object expect(int packetId, int qos) {
        Pending p = new Pending(packetId, qos);
        if (pending == null) {
            pending = new ArrayDeque<>();
        }
        pending.addLast(p);
        if (qos == 1) {
            pendingQos1++;
        }
        updateReading();
        return p;
    }

    /**
     * A QoS 0 PUBLISH waits for room at its subscribers (the memory bus). It has no acknowledgement
     * to delay, so the client's socket is not read until {@link #qos0Released}.
     */
    public void qos0HeldBack() {
        heldQos0++;
        updateReading();
    }

    public void qos0Released() {
        heldQos0--;
        updateReading();
    }

    /** Reading pauses at the bound (MQTT 3.1.1: there is no Receive Maximum agreement) and while QoS 0 is held back. */
    private void updateReading() {
        boolean pause = heldQos0 > 0 || (!mqtt5 && unfinished() >= receiveMaximum);
        if (pause != readingPaused) {
            readingPaused = pause;
            acks.pauseReading(pause);
        }
    }

    /** The publish was accepted ({@code reason} null) or refused with an MQTT 5 reason; sends what is ready. */
    public void complete(Object handle, Integer reason) {
        Pending p = (Pending) handle;
        p.done = true;
        p.reason = reason;
        while (!pending.isEmpty() && pending.peekFirst().done) {
            Pending next = pending.pollFirst();
            if (next.qos == 1) {
                pendingQos1--;
            }
            // Nothing is written to a connection that is gone (say, after the gateway's DISCONNECT 0x93).
            if (acks.isOpen()) {
                acks.send(next.packetId, next.qos, next.reason);
            }
        }
        updateReading();
    }

    /** Returns false if this QoS 2 packet id is already awaiting PUBREL (a duplicate PUBLISH, MQTT-4.3.3-9). */
    public boolean beginQos2(int packetId) {
        if (qos2 == null) {
            qos2 = new HashSet<>();
        }
        return qos2.add(packetId);
    }

    public boolean isQos2Pending(int packetId) {
        return qos2 != null && qos2.contains(packetId);
    }

    /** PUBREL from the client, or the QoS 2 PUBLISH was refused: the packet id is free again. */
    public void completeQos2(int packetId) {
        if (qos2 != null) {
            qos2.remove(packetId);
        }
        updateReading();
    }

    /** QoS 1 and 2 PUBLISHes not finished yet: QoS 1 without PUBACK, QoS 2 before PUBREL. */
    public int unfinished() {
        return pendingQos1 + (qos2 == null ? 0 : qos2.size());
    }

    /**
     * Resolves a PUBLISH's topic alias (MQTT 5.0 section 3.3.2.3.4): a topic with an alias sets it,
     * an empty topic uses it. Returns the topic, or null if the alias was never set.
     */
    public String resolveTopicAlias(String topic, int alias, int maximum) {
        if (topicAliases == null) {
            topicAliases = new String[maximum + 1];
        }
        if (!topic.isEmpty()) {
            topicAliases[alias] = topic;
            return topic;
        }
        return topicAliases[alias];
    }
}
