package io.kmqtt.core.message;

import java.util.List;

/**
 * The MQTT 5 PUBLISH properties a broker forwards to subscribers (MQTT 5.0 section 3.3.2.3).
 * Every field may be null (absent); user properties are never null.
 */
public record PublishProperties(
        Integer payloadFormatIndicator,
        String contentType,
        String responseTopic,
        byte[] correlationData,
        List<UserProperty> userProperties) {

    public static final PublishProperties NONE = new PublishProperties(null, null, null, null, List.of());

    public PublishProperties {
        userProperties = userProperties == null ? List.of() : List.copyOf(userProperties);
    }

    public boolean isEmpty() {
        return payloadFormatIndicator == null && contentType == null && responseTopic == null
                && correlationData == null && userProperties.isEmpty();
    }
}
