package io.kmqtt.core.topic;

/**
 * Limits applied to topic names and filters on top of the specification's own.
 *
 * @param maxLength maximum encoded length in UTF-8 bytes; the spec caps it at 65,535 (MQTT-1.5.4)
 * @param maxLevels maximum number of levels ("a/b/c" has three); the spec sets none, brokers must
 */
public record TopicLimits(int maxLength, int maxLevels) {

    /** The spec's hard ceiling for any UTF-8 encoded string (MQTT-1.5.4). */
    public static final int SPEC_MAX_LENGTH = 65_535;

    /** Generous defaults: EMQX allows 65,535 bytes and 128 levels. */
    public static final TopicLimits DEFAULT = new TopicLimits(SPEC_MAX_LENGTH, 128);

    public TopicLimits {
        if (maxLength < 1 || maxLength > SPEC_MAX_LENGTH) {
            throw new IllegalArgumentException("maxLength must be in 1.." + SPEC_MAX_LENGTH + ": " + maxLength);
        }
        if (maxLevels < 1) {
            throw new IllegalArgumentException("maxLevels must be positive: " + maxLevels);
        }
    }
}
