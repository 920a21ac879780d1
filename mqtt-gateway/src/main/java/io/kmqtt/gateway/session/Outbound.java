package io.kmqtt.gateway.session;

import io.kmqtt.core.message.Envelope;

/** A message on its way to one client, at the QoS it is delivered with. */
record Outbound(Envelope message, int qos) {
}
