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

    /** The CONNECT's Session Expiry Interval in seconds (MQTT 5.0 section 3.1.2.11.2): 0 when absent. */
    public static long sessionExpiryInterval(MqttProperties connect) {
        Integer v = intValue(connect, MqttPropertyType.SESSION_EXPIRY_INTERVAL);
        return v == null ? 0 : Integer.toUnsignedLong(v);
    }

    /** The client's Receive Maximum from CONNECT (MQTT 5.0 section 3.1.2.11.3): 65,535 when absent. */
    public static int receiveMaximum(MqttProperties connect) {
        Integer v = intValue(connect, MqttPropertyType.RECEIVE_MAXIMUM);
        return v == null || v <= 0 ? 65_535 : v;
    }

    /** The client's Topic Alias Maximum from CONNECT (MQTT 5.0 section 3.1.2.11.5): 0 (none) when absent. */
    public static int topicAliasMaximum(MqttProperties connect) {
        Integer v = intValue(connect, MqttPropertyType.TOPIC_ALIAS_MAXIMUM);
        return v == null || v < 0 ? 0 : v;
    }

    /** The client's Maximum Packet Size from CONNECT (MQTT 5.0 section 3.1.2.11.4): no limit when absent. */
    public static long maximumPacketSize(MqttProperties connect) {
        Integer v = intValue(connect, MqttPropertyType.MAXIMUM_PACKET_SIZE);
        return v == null ? Long.MAX_VALUE : Integer.toUnsignedLong(v);
    }

    /**
     * An upper bound of a PUBLISH's encoded size with these properties, without encoding it: the
     * exact lengths of its parts, and the largest length encodings. Used to respect the client's
     * Maximum Packet Size.
     */
    public static long publishSizeBound(String topic, int payloadLength, PublishProperties p, boolean withExpiry) {
        long props = 0;
        if (p.payloadFormatIndicator() != null) {
            props += 2;
        }
        if (p.contentType() != null) {
            props += 3 + utf8Length(p.contentType());
        }
        if (p.responseTopic() != null) {
            props += 3 + utf8Length(p.responseTopic());
        }
        if (p.correlationData() != null) {
            props += 3 + p.correlationData().length;
        }
        for (var up : p.userProperties()) {
            props += 5 + utf8Length(up.name()) + utf8Length(up.value());
        }
        if (withExpiry) {
            props += 5;
        }
        // fixed header (1 + 4), topic (2 + n), packet id (2), property length (4), properties, payload
        return 1 + 4 + 2 + utf8Length(topic) + 2 + 4 + props + payloadLength;
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
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
