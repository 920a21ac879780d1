package io.kmqtt.it.conformance;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.kmqtt.it.conformance.Wire.ANSWER;
import static io.kmqtt.it.conformance.Wire.QUIET;
import static io.kmqtt.it.conformance.Wire.SUBACK;
import static io.kmqtt.it.RawMqtt.packet;
import static io.kmqtt.it.conformance.Wire.props;
import static io.kmqtt.it.RawMqtt.str;
import static io.kmqtt.it.conformance.Wire.subscribe311;
import static io.kmqtt.it.conformance.Wire.subscribe5;
import static io.kmqtt.it.RawMqtt.u16;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 3.8 SUBSCRIBE and 3.9 SUBACK: the packet's form (flags, payload, options byte), the SUBACK
 * it gets (packet id, one code per filter in order, granted QoS or failure), replacing a
 * subscription, the QoS messages are delivered at, and MQTT 5 No Local.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Section3_8_SubscribeIT {

    private static Broker broker;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start("3_8-subscribe");
        port = broker.port;
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static void assertClosedWithoutSuback(Wire w) throws Exception {
        Wire.Closing c = w.awaitClose(ANSWER);
        assertThat(c.packets()).as("no SUBACK").noneMatch(p -> p.type() == SUBACK);
        assertThat(c.closed()).as("connection closed").isTrue();
    }

    // ---- the packet's form --------------------------------------------------------------------

    /** MQTT 3.1.1 [MQTT-3.8.1-1]: SUBSCRIBE fixed-header flags other than 0010 are malformed; the connection is closed. */
    @Test
    void mqtt_3_8_1_1_v311_reservedFlagBitsMustBe0010() throws Exception {
        try (Wire w = Wire.connect311(port, "s-flags")) {
            w.send(packet(0x80, u16(1), str("s/flags"), new byte[] {1}));
            assertClosedWithoutSuback(w);
        }
    }

    /** MQTT 3.1.1 [MQTT-3.8.3-3]: a SUBSCRIBE must hold at least one filter/QoS pair; one without payload is a protocol violation. */
    @Test
    void mqtt_3_8_3_3_v311_subscribeWithoutPayloadIsAProtocolViolation() throws Exception {
        try (Wire w = Wire.connect311(port, "s-empty-311")) {
            w.send(packet(0x82, u16(1)));
            assertClosedWithoutSuback(w);
        }
    }

    /** MQTT 5.0 [MQTT-3.8.3-2]: the payload must contain at least one filter and options pair (Protocol Error otherwise). */
    @Test
    void mqtt_3_8_3_2_v5_subscribeWithoutTopicFilterIsAProtocolError() throws Exception {
        try (Wire w = Wire.connect5(port, "s-empty-5")) {
            w.send(packet(0x82, u16(1), props()));
            assertClosedWithoutSuback(w);
        }
    }

    /** MQTT 3.1.1 [MQTT-3-8.3-4]: a requested QoS of 3 makes the SUBSCRIBE malformed; the connection is closed. */
    @Test
    void mqtt_3_8_3_4_v311_requestedQos3IsMalformed() throws Exception {
        try (Wire w = Wire.connect311(port, "s-qos3")) {
            w.send(subscribe311(1, "s/qos3", 3));
            assertClosedWithoutSuback(w);
        }
    }

    /** MQTT 3.1.1 [MQTT-3-8.3-4]: non-zero reserved bits in the requested-QoS byte make the SUBSCRIBE malformed; the connection is closed. */
    @Test
    void mqtt_3_8_3_4_v311_reservedBitsInTheRequestedQosByteAreMalformed() throws Exception {
        try (Wire w = Wire.connect311(port, "s-reserved-311")) {
            w.send(subscribe311(1, "s/reserved", 0x05));
            assertClosedWithoutSuback(w);
        }
    }

    /** MQTT 5.0 [MQTT-3.8.3-5]: non-zero reserved bits (6 and 7) in the subscription options make the SUBSCRIBE malformed. */
    @Test
    void mqtt_3_8_3_5_v5_reservedBitsInTheSubscriptionOptionsAreMalformed() throws Exception {
        try (Wire w = Wire.connect5(port, "s-reserved-5")) {
            w.send(subscribe5(1, "s/reserved", 0xC1));
            assertClosedWithoutSuback(w);
        }
    }

    /** MQTT 5.0 section 3.8.3.1: Retain Handling 3 is a Protocol Error; the connection is closed. */
    @Test
    void section_3_8_3_1_v5_retainHandling3IsAProtocolError() throws Exception {
        try (Wire w = Wire.connect5(port, "s-rh3")) {
            w.send(subscribe5(1, "s/rh3", 0x31));
            assertClosedWithoutSuback(w);
        }
    }

    // ---- SUBACK ------------------------------------------------------------------------------

    /** MQTT 3.1.1 [MQTT-3.8.4-1], [MQTT-3.8.4-2]: a SUBSCRIBE is answered with a SUBACK carrying its packet identifier. */
    @Test
    void mqtt_3_8_4_2_v311_subackHasTheSubscribePacketId() throws Exception {
        try (Wire w = Wire.connect311(port, "s-id")) {
            w.send(subscribe311(0x1234, "s/id", 1));
            assertThat(w.expect(ANSWER).encoded()).containsExactly(0x90, 0x03, 0x12, 0x34, 0x01);
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.8.4-4], [MQTT-3.8.4-5], [MQTT-3.9.3-1]: several filters in one SUBSCRIBE are
     * handled as a sequence of SUBSCRIBEs answered by one SUBACK with one return code per filter, in
     * order; and each subscription works.
     */
    @Test
    void mqtt_3_8_4_4_v311_severalFiltersGetOneSubackWithACodePerFilterInOrder() throws Exception {
        try (Wire sub = Wire.connect311(port, "s-multi"); Wire pub = Wire.connect311(port, "s-multi-pub")) {
            sub.send(subscribe311(9, "multi/two", 2, "multi/zero", 0, "multi/one", 1));
            assertThat(sub.expect(ANSWER).encoded()).containsExactly(0x90, 0x05, 0x00, 0x09, 0x02, 0x00, 0x01);
            assertThat(sub.collect(QUIET)).as("one SUBACK only").isEmpty();
            for (String t : new String[] {"multi/two", "multi/zero", "multi/one"}) {
                pub.publish(t, 2, false, t);
            }
            assertThat(sub.receive(3, ANSWER)).extracting(p -> p.topic() + " QoS " + p.qos())
                    .containsExactly("multi/two QoS 2", "multi/zero QoS 0", "multi/one QoS 1");
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.8.4-5], [MQTT-3.9.3-2]: a subscription that fails (an invalid filter) gets
     * return code 0x80 in its place, the others are granted; no code other than 0x00-0x02 and 0x80.
     */
    @Test
    void mqtt_3_8_4_5_v311_anInvalidFilterGetsFailure0x80InItsPlace() throws Exception {
        try (Wire w = Wire.connect311(port, "s-fail-311")) {
            w.send(subscribe311(2, "fail/ok", 1, "fail/#/not-last", 1, "fail+", 0, "fail/ok2", 2));
            Wire.Packet suback = w.expect(SUBACK);
            assertThat(suback.packetId()).isEqualTo(2);
            assertThat(suback.subackCodes()).containsExactly(0x01, 0x80, 0x80, 0x02);
            assertThat(w.isClosed()).isFalse();
        }
    }

    /**
     * MQTT 5.0 [MQTT-3.8.4-6], [MQTT-3.8.4-7], [MQTT-3.9.3-1], [MQTT-3.9.3-2]: one reason code per
     * filter, in order: the granted QoS, or 0x8F (Topic Filter invalid) for an invalid filter.
     */
    @Test
    void mqtt_3_9_3_1_v5_reasonCodesFollowTheFilterOrder() throws Exception {
        try (Wire w = Wire.connect5(port, "s-fail-5")) {
            w.send(subscribe5(3, "v5fail/ok", 2, "v5fail/#/x", 1, "", 0, "v5fail/ok1", 1));
            Wire.Packet suback = w.expect(SUBACK);
            assertThat(suback.packetId()).isEqualTo(3);
            assertThat(suback.subackCodes()).containsExactly(0x02, 0x8F, 0x8F, 0x01);
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.8.4-3]: a SUBSCRIBE with the filter of an existing subscription replaces it
     * (here its QoS: 2 to 0; one subscription, not two) and re-sends the matching retained messages.
     */
    @Test
    void mqtt_3_8_4_3_v311_sameFilterReplacesTheSubscriptionAndResendsRetained() throws Exception {
        try (Wire sub = Wire.connect311(port, "s-replace"); Wire pub = Wire.connect311(port, "s-replace-pub")) {
            pub.publish("replace/t", 1, true, "retained");
            Wire.awaitRetained(port, "replace/t", "retained");
            assertThat(sub.subscribe("replace/t", 2)).isEqualTo(2);
            List<Wire.Publish> first = sub.receive(1, ANSWER);
            assertThat(first).extracting(Wire.Publish::text).containsExactly("retained");
            assertThat(sub.subscribe("replace/t", 0)).isEqualTo(0);
            assertThat(sub.receive(1, ANSWER)).as("retained re-sent").extracting(p -> p.text() + " " + p.retain())
                    .containsExactly("retained true");
            pub.publish("replace/t", 2, false, "live");
            assertThat(sub.receive(2, QUIET.multipliedBy(2))).as("one copy, at the new QoS")
                    .extracting(p -> p.text() + " QoS " + p.qos()).containsExactly("live QoS 0");
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.8.4-6]: messages are delivered at the minimum of the published QoS and the
     * QoS granted to the subscription.
     */
    @Test
    void mqtt_3_8_4_6_v311_deliveryQosIsTheMinimumOfPublishedAndGranted() throws Exception {
        try (Wire sub = Wire.connect311(port, "s-min"); Wire pub = Wire.connect311(port, "s-min-pub")) {
            assertThat(sub.subscribe("min/t", 1)).isEqualTo(1);
            pub.publish("min/t", 2, false, "published at 2");
            pub.publish("min/t", 0, false, "published at 0");
            pub.publish("min/t", 1, false, "published at 1");
            assertThat(sub.receive(3, ANSWER)).extracting(p -> p.text() + " -> " + p.qos())
                    .containsExactly("published at 2 -> 1", "published at 0 -> 0", "published at 1 -> 1");
        }
    }

    /** MQTT 5.0 [MQTT-3.8.4-8]: the same with real MQTT 5 clients: published at QoS 2, granted 1, delivered at 1. */
    @Test
    void mqtt_3_8_4_8_v5_deliveryQosIsTheMinimumOfPublishedAndGranted() throws Exception {
        Hive.Inbox5 sub = Hive.Inbox5.connect(port, "s-min-5").subscribe("min5/t", 1);
        Hive.Inbox5 sub2 = Hive.Inbox5.connect(port, "s-min-5b").subscribe("min5/t", 2);
        Mqtt5BlockingClient pub = Hive.v5(port, "s-min-5-pub");
        Hive.publish(pub, "min5/t", "x", 2);
        assertThat(sub.await(1, ANSWER)).extracting(Mqtt5Publish::getQos).containsExactly(MqttQos.AT_LEAST_ONCE);
        assertThat(sub2.await(1, ANSWER)).extracting(Mqtt5Publish::getQos).containsExactly(MqttQos.EXACTLY_ONCE);
        sub.disconnect();
        sub2.disconnect();
        pub.disconnect();
    }

    /** MQTT 5.0 [MQTT-3.8.3-3]: with No Local, a client's own messages are not forwarded to it; others' are. */
    @Test
    void mqtt_3_8_3_3_v5_noLocalKeepsAClientsOwnMessagesFromIt() throws Exception {
        Hive.Inbox5 self = new Hive.Inbox5(Hive.v5(port, "s-nolocal"));
        self.client.subscribeWith().topicFilter("nolocal/t").qos(MqttQos.AT_LEAST_ONCE).noLocal(true).send();
        Mqtt5BlockingClient other = Hive.v5(port, "s-nolocal-other");
        Hive.publish(self.client, "nolocal/t", "mine", 1);
        Hive.publish(other, "nolocal/t", "theirs", 1);
        assertThat(self.texts(1, ANSWER)).containsExactly("theirs");
        assertThat(self.await(1, QUIET)).isEmpty();
        self.disconnect();
        other.disconnect();
    }
}
