package io.kmqtt.core.topic;

/** The outcome of validating a topic name or filter. Errors are values: callers map them to reason codes. */
public enum TopicVerdict {
    VALID("valid"),
    EMPTY("is empty (MQTT-4.7.3-1)"),
    TOO_LONG("is longer than the configured maximum"),
    TOO_MANY_LEVELS("has more levels than the configured maximum"),
    NULL_CHARACTER("contains U+0000 (MQTT-4.7.3-2)"),
    WILDCARD_IN_NAME("contains a wildcard, which a topic name must not (MQTT-3.3.2-2)"),
    MISPLACED_MULTI_LEVEL_WILDCARD("has '#' that is not alone in the last level (MQTT-4.7.1-2)"),
    MISPLACED_SINGLE_LEVEL_WILDCARD("has '+' that does not occupy a whole level (MQTT-4.7.1-3)");

    private final String description;

    TopicVerdict(String description) {
        this.description = description;
    }

    public boolean isValid() {
        return this == VALID;
    }

    /** A phrase for log lines and reason strings, e.g. "topic 'a/#/b' has '#' that is not alone ...". */
    public String description() {
        return description;
    }
}
