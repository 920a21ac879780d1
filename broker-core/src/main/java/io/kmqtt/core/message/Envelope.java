package io.kmqtt.core.message;

import java.util.Objects;

/**
 * An application message on its way through the cluster: what a client published, plus what the
 * broker needs to route it. Immutable; the payload array is never modified after construction.
 *
 * @param topic             the topic name it was published to
 * @param payload           the application payload
 * @param qos               the QoS it was published with, 0..2
 * @param retain            the RETAIN flag as published
 * @param publisherId       client id of the publisher (for MQTT 5 No Local), may be empty
 * @param originGateway     gateway id that received it, for tracing
 * @param createdAtMillis   wall-clock time the gateway accepted it, for latency and expiry
 * @param expiryAtMillis    wall-clock time after which it must not be delivered, 0 for never
 * @param properties        MQTT 5 properties forwarded to subscribers
 */
public record Envelope(
        String topic,
        byte[] payload,
        int qos,
        boolean retain,
        String publisherId,
        String originGateway,
        long createdAtMillis,
        long expiryAtMillis,
        PublishProperties properties) {

    public Envelope {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2: " + qos);
        }
        publisherId = publisherId == null ? "" : publisherId;
        originGateway = originGateway == null ? "" : originGateway;
        properties = properties == null ? PublishProperties.NONE : properties;
    }

    /** A message with no MQTT 5 properties and no expiry, created now. */
    public static Envelope of(String topic, byte[] payload, int qos, boolean retain, String publisherId) {
        return new Envelope(topic, payload, qos, retain, publisherId, "", System.currentTimeMillis(), 0,
                PublishProperties.NONE);
    }

    public boolean isExpired(long nowMillis) {
        return expiryAtMillis != 0 && nowMillis >= expiryAtMillis;
    }
}
