package io.kmqtt.gateway.session;

import io.kmqtt.core.message.PublishProperties;
import io.kmqtt.core.message.UserProperty;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;

import java.util.ArrayList;
import java.util.List;

/** Converts MQTT 5 PUBLISH properties between Netty's representation and the envelope's. */
public final class MqttProperties5 {

    private MqttProperties5() {
    }

    /** The forwardable properties of an inbound PUBLISH (MQTT 5.0 section 3.3.2.3). */
    public static PublishProperties fromPublish(MqttProperties props) {
        if (props == null || props.isEmpty()) {
            return PublishProperties.NONE;
        }
        Integer pfi = intValue(props, MqttPropertyType.PAYLOAD_FORMAT_INDICATOR);
        String contentType = stringValue(props, MqttPropertyType.CONTENT_TYPE);
        String responseTopic = stringValue(props, MqttPropertyType.RESPONSE_TOPIC);
        byte[] correlation = null;
        MqttProperties.MqttProperty<?> c = props.getProperty(MqttPropertyType.CORRELATION_DATA.value());
        if (c instanceof MqttProperties.BinaryProperty binary) {
            correlation = binary.value();
        }
        List<UserProperty> user = new ArrayList<>();
        for (MqttProperties.MqttProperty<?> p : props.getProperties(MqttPropertyType.USER_PROPERTY.value())) {
            if (p instanceof MqttProperties.UserProperties many) {
                many.value().forEach(pair -> user.add(new UserProperty(pair.key, pair.value)));
            } else if (p instanceof MqttProperties.UserProperty one) {
                user.add(new UserProperty(one.value().key, one.value().value));
            }
        }
        return new PublishProperties(pfi, contentType, responseTopic, correlation, user);
    }

    /** Message Expiry Interval in seconds, or null if absent. */
    public static Integer messageExpiry(MqttProperties props) {
        return props == null ? null : intValue(props, MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL);
    }

    /** Properties of an outbound PUBLISH; the expiry is what remains of it (MQTT-3.3.2-6). */
    public static MqttProperties toPublish(PublishProperties p, long expiryAtMillis, long nowMillis) {
        MqttProperties props = new MqttProperties();
        if (p.payloadFormatIndicator() != null) {
            props.add(new MqttProperties.IntegerProperty(MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value(),
                    p.payloadFormatIndicator()));
        }
        if (p.contentType() != null) {
            props.add(new MqttProperties.StringProperty(MqttPropertyType.CONTENT_TYPE.value(), p.contentType()));
        }
        if (p.responseTopic() != null) {
            props.add(new MqttProperties.StringProperty(MqttPropertyType.RESPONSE_TOPIC.value(), p.responseTopic()));
        }
        if (p.correlationData() != null) {
            props.add(new MqttProperties.BinaryProperty(MqttPropertyType.CORRELATION_DATA.value(), p.correlationData()));
        }
        if (!p.userProperties().isEmpty()) {
            List<MqttProperties.StringPair> pairs = new ArrayList<>(p.userProperties().size());
            p.userProperties().forEach(up -> pairs.add(new MqttProperties.StringPair(up.name(), up.value())));
            props.add(new MqttProperties.UserProperties(pairs));
        }
        if (expiryAtMillis != 0) {
            long remainingSeconds = Math.max(1, (expiryAtMillis - nowMillis + 999) / 1000);
            props.add(new MqttProperties.IntegerProperty(MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value(),
                    (int) Math.min(Integer.MAX_VALUE, remainingSeconds)));
        }
        return props;
    }

    private static Integer intValue(MqttProperties props, MqttPropertyType type) {
        MqttProperties.MqttProperty<?> p = props.getProperty(type.value());
        return p instanceof MqttProperties.IntegerProperty i ? i.value() : null;
    }

    private static String stringValue(MqttProperties props, MqttPropertyType type) {
        MqttProperties.MqttProperty<?> p = props.getProperty(type.value());
        return p instanceof MqttProperties.StringProperty s ? s.value() : null;
    }
}
