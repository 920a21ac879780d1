package io.kmqtt.it.conformance;

import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.unsuback.Mqtt5UnsubAck;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.unsuback.Mqtt5UnsubAckReasonCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static io.kmqtt.it.conformance.Wire.ANSWER;
import static io.kmqtt.it.conformance.Wire.PUBREL;
import static io.kmqtt.it.conformance.Wire.QUIET;
import static io.kmqtt.it.conformance.Wire.UNSUBACK;
import static io.kmqtt.it.RawMqtt.packet;
import static io.kmqtt.it.conformance.Wire.props;
import static io.kmqtt.it.RawMqtt.str;
import static io.kmqtt.it.RawMqtt.u16;
import static io.kmqtt.it.conformance.Wire.unsubscribe311;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 3.10 UNSUBSCRIBE and 3.11 UNSUBACK: the packet's form, how filters are compared, what
 * stops and what completes after an UNSUBSCRIBE, and the UNSUBACK it gets.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Section3_10_UnsubscribeIT {

    private static Broker broker;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start("3_10-unsubscribe");
        port = broker.port;
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static void assertClosedWithoutUnsuback(Wire w) throws Exception {
        Wire.Closing c = w.awaitClose(ANSWER);
        assertThat(c.packets()).as("no UNSUBACK").noneMatch(p -> p.type() == UNSUBACK);
        assertThat(c.closed()).as("connection closed").isTrue();
    }

    /** MQTT 3.1.1 [MQTT-3.10.1-1]: UNSUBSCRIBE fixed-header flags other than 0010 are malformed; the connection is closed. */
    @Test
    void mqtt_3_10_1_1_v311_reservedFlagBitsMustBe0010() throws Exception {
        try (Wire w = Wire.connect311(port, "u-flags")) {
            w.send(packet(0xA0, u16(1), str("u/flags")));
            assertClosedWithoutUnsuback(w);
        }
    }

    /** MQTT 3.1.1 [MQTT-3.10.3-2]: an UNSUBSCRIBE must hold at least one filter; one without payload is a protocol violation. */
    @Test
    void mqtt_3_10_3_2_v311_unsubscribeWithoutPayloadIsAProtocolViolation() throws Exception {
        try (Wire w = Wire.connect311(port, "u-empty-311")) {
            w.send(packet(0xA2, u16(1)));
            assertClosedWithoutUnsuback(w);
        }
    }

    /** MQTT 5.0 [MQTT-3.10.3-2]: the payload of an UNSUBSCRIBE must contain at least one filter (Protocol Error otherwise). */
    @Test
    void mqtt_3_10_3_2_v5_unsubscribeWithoutTopicFilterIsAProtocolError() throws Exception {
        try (Wire w = Wire.connect5(port, "u-empty-5")) {
            w.send(packet(0xA2, u16(1), props()));
            assertClosedWithoutUnsuback(w);
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.10.4-1]: filters are compared character by character with the client's
     * subscriptions, wildcards included; only an identical filter deletes a subscription.
     */
    @Test
    void mqtt_3_10_4_1_v311_onlyAnIdenticalFilterDeletesASubscription() throws Exception {
        try (Wire sub = Wire.connect311(port, "u-compare"); Wire pub = Wire.connect311(port, "u-compare-pub")) {
            sub.subscribe("cmp/+", 1);
            for (String notIdentical : new String[] {"cmp/a", "cmp/#", "CMP/+", "cmp/+/"}) {
                sub.send(unsubscribe311(sub.nextId(), notIdentical));
                sub.expect(UNSUBACK);
            }
            pub.publish("cmp/a", 1, false, "still subscribed");
            assertThat(sub.receive(1, ANSWER)).extracting(Wire.Publish::text).containsExactly("still subscribed");
            sub.send(unsubscribe311(sub.nextId(), "cmp/+"));
            sub.expect(UNSUBACK);
            pub.publish("cmp/a", 1, false, "after");
            assertThat(sub.receive(1, QUIET)).isEmpty();
        }
    }

    /** MQTT 3.1.1 [MQTT-3.10.4-2]: once it deleted a subscription the server adds no new messages for it. */
    @Test
    void mqtt_3_10_4_2_v311_noNewMessagesAfterTheUnsuback() throws Exception {
        try (Wire sub = Wire.connect311(port, "u-stop"); Wire pub = Wire.connect311(port, "u-stop-pub")) {
            sub.subscribe("stop/t", 1);
            pub.publish("stop/t", 1, false, "before");
            assertThat(sub.receive(1, ANSWER)).extracting(Wire.Publish::text).containsExactly("before");
            sub.send(unsubscribe311(77, "stop/t"));
            assertThat(sub.expect(UNSUBACK).packetId()).isEqualTo(77);
            for (int qos = 0; qos <= 2; qos++) {
                pub.publish("stop/t", qos, false, "after at " + qos);
            }
            assertThat(sub.receive(1, QUIET)).isEmpty();
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.10.4-3]: the server completes the delivery of QoS 1 and 2 messages it
     * started to send before the UNSUBSCRIBE: a QoS 2 PUBLISH received before it still gets its PUBREL.
     */
    @Test
    void mqtt_3_10_4_3_v311_aStartedQos2DeliveryIsCompleted() throws Exception {
        try (Wire sub = Wire.connect311(port, "u-complete"); Wire pub = Wire.connect311(port, "u-complete-pub")) {
            sub.subscribe("complete/t", 2);
            pub.publish("complete/t", 2, false, "in flight");
            Wire.Publish inFlight = sub.receive(1, ANSWER, false).get(0);
            assertThat(inFlight.qos()).isEqualTo(2);
            sub.send(unsubscribe311(5, "complete/t"));
            assertThat(sub.expect(UNSUBACK).packetId()).isEqualTo(5);
            sub.send(Wire.pubrec(inFlight.packetId()));
            Wire.Packet pubrel = sub.expect(PUBREL);
            assertThat(pubrel.encoded()).containsExactly(Wire.pubrel(inFlight.packetId()));
            sub.send(Wire.pubcomp(inFlight.packetId()));
            assertThat(sub.collect(QUIET)).isEmpty();
            assertThat(sub.isClosed()).isFalse();
        }
    }

    /** MQTT 3.1.1 [MQTT-3.10.4-4]: the UNSUBACK has the packet identifier of the UNSUBSCRIBE. */
    @Test
    void mqtt_3_10_4_4_v311_unsubackHasTheUnsubscribePacketId() throws Exception {
        try (Wire w = Wire.connect311(port, "u-id")) {
            w.subscribe("u/id", 0);
            w.send(unsubscribe311(0xABCD, "u/id"));
            assertThat(w.expect(ANSWER).encoded()).containsExactly(0xB0, 0x02, 0xAB, 0xCD);
        }
    }

    /** MQTT 3.1.1 [MQTT-3.10.4-5]: the server answers with UNSUBACK even when no subscription was deleted. */
    @Test
    void mqtt_3_10_4_5_v311_unsubackEvenWhenNothingWasDeleted() throws Exception {
        try (Wire w = Wire.connect311(port, "u-nothing")) {
            w.send(unsubscribe311(0x0102, "never/subscribed"));
            assertThat(w.expect(ANSWER).encoded()).containsExactly(0xB0, 0x02, 0x01, 0x02);
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.10.4-6]: several filters in one UNSUBSCRIBE are processed like a sequence of
     * UNSUBSCRIBEs answered by one UNSUBACK.
     */
    @Test
    void mqtt_3_10_4_6_v311_severalFiltersOneUnsuback() throws Exception {
        try (Wire sub = Wire.connect311(port, "u-multi"); Wire pub = Wire.connect311(port, "u-multi-pub")) {
            for (String t : new String[] {"multi/a", "multi/b", "multi/c"}) {
                sub.subscribe(t, 1);
            }
            sub.send(unsubscribe311(12, "multi/a", "multi/b"));
            assertThat(sub.expect(UNSUBACK).packetId()).isEqualTo(12);
            assertThat(sub.collect(QUIET)).as("one UNSUBACK only").isEmpty();
            for (String t : new String[] {"multi/a", "multi/b", "multi/c"}) {
                pub.publish(t, 1, false, t);
            }
            assertThat(sub.receive(3, QUIET.multipliedBy(2))).extracting(Wire.Publish::topic).containsExactly("multi/c");
        }
    }

    /**
     * MQTT 5.0 [MQTT-3.11.3-1], [MQTT-3.11.3-2]: the UNSUBACK has one reason code per filter, in
     * order: 0x00 Success, 0x11 No subscription existed (HiveMQ client).
     */
    @Test
    void mqtt_3_11_3_1_v5_reasonCodesFollowTheFilterOrder() {
        Hive.Inbox5 client = Hive.Inbox5.connect(port, "u-codes-5").subscribe("codes/a", 1).subscribe("codes/b", 1);
        Mqtt5UnsubAck unsuback = client.client.unsubscribeWith()
                .addTopicFilter("codes/a").addTopicFilter("codes/none").addTopicFilter("codes/b").send();
        assertThat(unsuback.getReasonCodes()).containsExactly(Mqtt5UnsubAckReasonCode.SUCCESS,
                Mqtt5UnsubAckReasonCode.NO_SUBSCRIPTIONS_EXISTED, Mqtt5UnsubAckReasonCode.SUCCESS);
        client.disconnect();
    }
}
