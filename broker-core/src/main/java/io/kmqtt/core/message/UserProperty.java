package io.kmqtt.core.message;

/** An MQTT 5 user property: a name/value pair passed through unchanged, order preserved. */
public record UserProperty(String name, String value) {
}
