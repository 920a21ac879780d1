package io.kmqtt.gateway.session;

import io.kmqtt.core.message.Envelope;

/**
 * A message on its way to one client, at the QoS it is delivered with, and with the RETAIN flag it
 * is sent with: set for retained messages sent at subscribe, and for live ones only where the
 * subscription asked for Retain As Published.
 */
record Outbound(Envelope message, int qos, boolean retain, int[] subscriptionIds, String share) {

    static final int[] NO_IDS = new int[0];

    Outbound(Envelope message, int qos, boolean retain) {
        this(message, qos, retain, NO_IDS, null);
    }

    Outbound(Envelope message, int qos, boolean retain, int[] subscriptionIds) {
        this(message, qos, retain, subscriptionIds, null);
    }
}
