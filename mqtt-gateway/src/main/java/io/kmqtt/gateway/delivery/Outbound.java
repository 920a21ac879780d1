package io.kmqtt.gateway.delivery;

import io.kmqtt.core.message.Envelope;

/**
 * A message on its way to one client, at the QoS it is delivered with, and with the RETAIN flag it
 * is sent with: set for retained messages sent at subscribe, and for live ones only where the
 * subscription asked for Retain As Published.
 *
 * @param share         the shared subscription (full filter) it was given to this client for, or null
 * @param channelOffset where it sits in this gateway's delivery channel, or -1 where it did not come
 *                      from there (retained at subscribe, a resumed session's saved messages, the memory bus)
 */
public record Outbound(Envelope message, int qos, boolean retain, int[] subscriptionIds, String share, long channelOffset) {

    public static final int[] NO_IDS = new int[0];
    /** What a queued message costs beyond its topic and payload (objects, headers), for the delivery budget. */
    private static final int OVERHEAD_BYTES = 160;

    public Outbound(Envelope message, int qos, boolean retain) {
        this(message, qos, retain, NO_IDS, null, -1);
    }

    public Outbound(Envelope message, int qos, boolean retain, int[] subscriptionIds) {
        this(message, qos, retain, subscriptionIds, null, -1);
    }

    /** Roughly the heap it holds while queued (the envelope is shared by every session it goes to, so this overstates). */
    long bytes() {
        return OVERHEAD_BYTES + message.payload().length + 2L * message.topic().length();
    }
}
