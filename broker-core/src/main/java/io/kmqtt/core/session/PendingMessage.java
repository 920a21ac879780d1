package io.kmqtt.core.session;

import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.EnvelopeCodec;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One entry of a persistent session's offline queue: a message not yet sent to the client, or one
 * that was in flight when the client went away.
 *
 * <p>A message in flight keeps its packet id, so that it is sent again with that id and the DUP flag
 * (MQTT-4.4.0-1). A QoS 2 message whose PUBREC had arrived is {@code released}: only its PUBREL is
 * sent again, and it carries no message.
 *
 * @param packetId 0 for a message never sent; else the packet id it was sent with
 * @param released the client acknowledged with PUBREC; the broker owes it a PUBREL
 * @param qos      the QoS to deliver at (already min(published, subscribed))
 * @param retain   the RETAIN flag to deliver with
 * @param message  the message; null only when released
 * @param subscriptionIds the MQTT 5 Subscription Identifiers to send it with (empty for none)
 */
public record PendingMessage(int packetId, boolean released, int qos, boolean retain, Envelope message,
                             int[] subscriptionIds) {

    private static final int[] NONE = new int[0];

    public PendingMessage(int packetId, boolean released, int qos, boolean retain, Envelope message) {
        this(packetId, released, qos, retain, message, NONE);
    }

    private static final byte VERSION = 1;

    public PendingMessage {
        if (packetId < 0 || packetId > 65_535) {
            throw new IllegalArgumentException("packet id out of range: " + packetId);
        }
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2: " + qos);
        }
        if (released ? packetId == 0 : message == null) {
            throw new IllegalArgumentException(released ? "a released entry needs its packet id" : "message is missing");
        }
        subscriptionIds = subscriptionIds == null ? NONE : subscriptionIds;
        if (subscriptionIds.length > 255) {
            throw new IllegalArgumentException("more than 255 subscription identifiers");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PendingMessage p && packetId == p.packetId && released == p.released && qos == p.qos
                && retain == p.retain && java.util.Objects.equals(message, p.message)
                && java.util.Arrays.equals(subscriptionIds, p.subscriptionIds);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(packetId, released, qos, retain, message) * 31 + java.util.Arrays.hashCode(subscriptionIds);
    }

    /** A message never sent to the client. */
    public static PendingMessage queued(Envelope message, int qos, boolean retain) {
        return new PendingMessage(0, false, qos, retain, message);
    }

    /** A message never sent to the client, for subscriptions with these identifiers. */
    public static PendingMessage queued(Envelope message, int qos, boolean retain, int[] subscriptionIds) {
        return new PendingMessage(0, false, qos, retain, message, subscriptionIds);
    }

    /** A QoS 1 or 2 PUBLISH sent with this packet id and not yet acknowledged. */
    public static PendingMessage inFlight(int packetId, Envelope message, int qos, boolean retain) {
        return new PendingMessage(packetId, false, qos, retain, Objects.requireNonNull(message));
    }

    /** A QoS 1 or 2 PUBLISH sent with this packet id and these Subscription Identifiers, not yet acknowledged. */
    public static PendingMessage inFlight(int packetId, Envelope message, int qos, boolean retain, int[] subscriptionIds) {
        return new PendingMessage(packetId, false, qos, retain, Objects.requireNonNull(message), subscriptionIds);
    }

    /** A QoS 2 exchange at PUBREL: the client has the message, the broker owes it PUBREL. */
    public static PendingMessage awaitingPubComp(int packetId) {
        return new PendingMessage(packetId, true, 2, false, null);
    }

    /**
     * <pre>version(1) flags(1: bit0 released, bit1 retain, bits 2-3 qos) packetId(2)
     * idCount(1) subscriptionIds(4 each) envelope(rest, absent when released)</pre>
     */
    public byte[] encode() {
        byte[] envelope = released ? new byte[0] : EnvelopeCodec.encode(message);
        ByteBuffer out = ByteBuffer.allocate(5 + 4 * subscriptionIds.length + envelope.length);
        out.put(VERSION);
        out.put((byte) ((released ? 1 : 0) | (retain ? 2 : 0) | (qos << 2)));
        out.putShort((short) packetId);
        out.put((byte) subscriptionIds.length);
        for (int id : subscriptionIds) {
            out.putInt(id);
        }
        out.put(envelope);
        return out.array();
    }

    /** @throws IllegalArgumentException for bytes this version did not write */
    public static PendingMessage decode(byte[] data) {
        if (data.length < 5 || data[0] != VERSION) {
            throw new IllegalArgumentException("not a pending message of version " + VERSION);
        }
        int flags = data[1];
        boolean released = (flags & 1) != 0;
        int packetId = ((data[2] & 0xff) << 8) | (data[3] & 0xff);
        int idCount = data[4] & 0xff;
        int envelopeAt = 5 + 4 * idCount;
        if (envelopeAt > data.length) {
            throw new IllegalArgumentException("pending message is truncated");
        }
        ByteBuffer in = ByteBuffer.wrap(data, 5, 4 * idCount);
        int[] ids = new int[idCount];
        for (int i = 0; i < idCount; i++) {
            ids[i] = in.getInt();
        }
        Envelope message = released ? null : EnvelopeCodec.decode(java.util.Arrays.copyOfRange(data, envelopeAt, data.length));
        return new PendingMessage(packetId, released, (flags >> 2) & 3, (flags & 2) != 0, message, ids);
    }
}
