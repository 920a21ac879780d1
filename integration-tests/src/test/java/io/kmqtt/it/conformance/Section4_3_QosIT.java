package io.kmqtt.it.conformance;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.kmqtt.it.conformance.Wire.ANSWER;
import static io.kmqtt.it.conformance.Wire.PUBACK;
import static io.kmqtt.it.conformance.Wire.PUBCOMP;
import static io.kmqtt.it.conformance.Wire.PUBLISH;
import static io.kmqtt.it.conformance.Wire.PUBREC;
import static io.kmqtt.it.conformance.Wire.PUBREL;
import static io.kmqtt.it.conformance.Wire.QUIET;
import static io.kmqtt.it.conformance.Wire.publish311;
import static io.kmqtt.it.conformance.Wire.publish5;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 4.3 Quality of Service levels and protocol flows, both directions: the server as the
 * receiver of a client's PUBLISH and as the sender to a subscriber, in raw bytes (packet ids, DUP,
 * the PUBREC / PUBREL / PUBCOMP exchange).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Section4_3_QosIT {

    private static Broker broker;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start("4_3-qos");
        port = broker.port;
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    // ---- QoS 0 --------------------------------------------------------------------------------

    /** MQTT 3.1.1 [MQTT-4.3.1-1]: at QoS 0 the sender sends a PUBLISH with QoS 0 and DUP 0 (and no packet id). */
    @Test
    void mqtt_4_3_1_1_v311_qos0IsSentWithQos0AndDup0() throws Exception {
        try (Wire sub = Wire.connect311(port, "q0-sub"); Wire pub = Wire.connect311(port, "q0-pub")) {
            sub.subscribe("qos0/t", 2);
            pub.publish("qos0/t", 0, false, "at most once");
            Wire.Packet got = sub.expect(PUBLISH);
            assertThat(got.encoded()).containsExactly(publish311("qos0/t", 0, false, false, 0, "at most once"));
        }
    }

    // ---- QoS 1 --------------------------------------------------------------------------------

    /**
     * MQTT 3.1.1 [MQTT-4.3.2-1] (MQTT 5.0 [MQTT-4.3.2-1], [MQTT-4.3.2-2]): as QoS 1 sender the server
     * gives each new message an unused, non-zero packet id and sends it with QoS 1 and DUP 0.
     */
    @Test
    void mqtt_4_3_2_1_v311_serverSendsQos1WithUnusedPacketIdsAndDup0() throws Exception {
        try (Wire sub = Wire.connect311(port, "q1-sender-sub"); Wire pub = Wire.connect311(port, "q1-sender-pub")) {
            sub.subscribe("qos1/sender", 1);
            for (int i = 0; i < 3; i++) {
                pub.publish("qos1/sender", 1, false, "m" + i);
            }
            List<Wire.Publish> got = sub.receive(3, ANSWER, false); // none acknowledged: all three in flight at once
            assertThat(got).hasSize(3).allSatisfy(p -> {
                assertThat(p.qos()).isEqualTo(1);
                assertThat(p.dup()).isFalse();
                assertThat(p.packetId()).isNotZero();
            });
            assertThat(got).extracting(Wire.Publish::packetId).doesNotHaveDuplicates();
            for (Wire.Publish p : got) {
                sub.send(Wire.puback(p.packetId()));
            }
            assertThat(sub.collect(QUIET)).isEmpty();
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-4.3.2-2] (MQTT 5.0 [MQTT-4.3.2-4], [MQTT-4.3.2-5]): as QoS 1 receiver the server
     * answers PUBACK with the packet id, and after that treats a PUBLISH with the same id as a new
     * message, whatever its DUP flag.
     */
    @Test
    void mqtt_4_3_2_2_v311_serverAcknowledgesWithPubackThenTreatsTheSameIdAsNew() throws Exception {
        try (Wire sub = Wire.connect311(port, "q1-receiver-sub"); Wire pub = Wire.connect311(port, "q1-receiver-pub")) {
            sub.subscribe("qos1/receiver", 1);
            pub.send(publish311("qos1/receiver", 1, false, false, 42, "first"));
            assertThat(pub.expect(ANSWER).encoded()).containsExactly(0x40, 0x02, 0x00, 42);
            pub.send(publish311("qos1/receiver", 1, true, false, 42, "second"));
            assertThat(pub.expect(ANSWER).encoded()).containsExactly(0x40, 0x02, 0x00, 42);
            assertThat(sub.receive(2, ANSWER)).extracting(Wire.Publish::text).containsExactly("first", "second");
        }
    }

    // ---- QoS 2, server as sender ----------------------------------------------------------------

    /**
     * MQTT 3.1.1 [MQTT-4.3.3-1] (MQTT 5.0 [MQTT-4.3.3-1] to [MQTT-4.3.3-6]): as QoS 2 sender the server
     * sends PUBLISH with QoS 2, DUP 0 and a packet id; waits for PUBREC; answers it with PUBREL
     * (flags 0010) of the same id; waits for PUBCOMP; never re-sends the PUBLISH after the PUBREL.
     */
    @Test
    void mqtt_4_3_3_1_v311_serverAsQos2Sender() throws Exception {
        try (Wire sub = Wire.connect311(port, "q2-sender-sub"); Wire pub = Wire.connect311(port, "q2-sender-pub")) {
            sub.subscribe("qos2/sender", 2);
            pub.publish("qos2/sender", 2, false, "exactly once");
            Wire.Publish publish = sub.receive(1, ANSWER, false).get(0);
            assertThat(publish.qos()).isEqualTo(2);
            assertThat(publish.dup()).isFalse();
            assertThat(publish.packetId()).isNotZero();
            assertThat(sub.collect(QUIET)).as("nothing until PUBREC").isEmpty();

            sub.send(Wire.pubrec(publish.packetId()));
            Wire.Packet pubrel = sub.expect(PUBREL);
            assertThat(pubrel.encoded()).containsExactly(Wire.pubrel(publish.packetId()));
            assertThat(sub.collect(QUIET)).as("no PUBLISH again after PUBREL").isEmpty();

            sub.send(Wire.pubcomp(publish.packetId()));
            assertThat(sub.collect(QUIET)).isEmpty();
        }
    }

    // ---- QoS 2, server as receiver --------------------------------------------------------------

    /**
     * MQTT 3.1.1 [MQTT-4.3.3-2] (MQTT 5.0 [MQTT-4.3.3-8], [MQTT-4.3.3-11]): as QoS 2 receiver the
     * server answers PUBREC with the PUBLISH's packet id, then PUBCOMP with the PUBREL's; the message
     * reaches the subscriber once.
     */
    @Test
    void mqtt_4_3_3_2_v311_serverAsQos2Receiver() throws Exception {
        try (Wire sub = Wire.connect311(port, "q2-receiver-sub"); Wire pub = Wire.connect311(port, "q2-receiver-pub")) {
            sub.subscribe("qos2/receiver", 2);
            pub.send(publish311("qos2/receiver", 2, false, false, 0x0102, "once"));
            assertThat(pub.expect(ANSWER).encoded()).containsExactly(0x50, 0x02, 0x01, 0x02);
            pub.send(Wire.pubrel(0x0102));
            assertThat(pub.expect(ANSWER).encoded()).containsExactly(0x70, 0x02, 0x01, 0x02);
            assertThat(sub.receive(2, QUIET.multipliedBy(2))).extracting(Wire.Publish::text).containsExactly("once");
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-4.3.3-2]: until the PUBREL, a PUBLISH repeating the packet id (DUP 1) is
     * acknowledged with PUBREC again, but the message is not delivered twice.
     */
    @Test
    void mqtt_4_3_3_2_v311_repeatedQos2PublishBeforePubrelIsNotDeliveredTwice() throws Exception {
        try (Wire sub = Wire.connect311(port, "q2-dup-sub"); Wire pub = Wire.connect311(port, "q2-dup-pub")) {
            sub.subscribe("qos2/dup", 2);
            pub.send(publish311("qos2/dup", 2, false, false, 9, "only once"));
            assertThat(pub.expect(PUBREC).packetId()).isEqualTo(9);
            pub.send(publish311("qos2/dup", 2, true, false, 9, "only once"));
            assertThat(pub.expect(PUBREC).packetId()).isEqualTo(9);
            pub.send(publish311("qos2/dup", 2, true, false, 9, "only once"));
            assertThat(pub.expect(PUBREC).packetId()).isEqualTo(9);
            pub.send(Wire.pubrel(9));
            assertThat(pub.expect(PUBCOMP).packetId()).isEqualTo(9);
            assertThat(sub.receive(3, QUIET.multipliedBy(2))).extracting(Wire.Publish::text).containsExactly("only once");
        }
    }

    /**
     * MQTT 5.0 [MQTT-4.3.3-10]: until the PUBREL, a repeated QoS 2 PUBLISH with the same packet id is
     * answered by PUBREC (reason below 0x80) and causes no duplicate delivery (MQTT 5 subscriber:
     * HiveMQ client).
     */
    @Test
    void mqtt_4_3_3_10_v5_repeatedQos2PublishBeforePubrelIsNotDeliveredTwice() throws Exception {
        Hive.Inbox5 sub = Hive.Inbox5.connect(port, "q2-dup5-sub").subscribe("qos2/dup5", 2);
        try (Wire pub = Wire.connect5(port, "q2-dup5-pub")) {
            for (boolean dup : new boolean[] {false, true}) {
                pub.send(publish5("qos2/dup5", 2, dup, false, 300, new byte[0], "only once"));
                Wire.Packet pubrec = pub.expect(PUBREC);
                assertThat(pubrec.packetId()).isEqualTo(300);
                assertThat(pubrec.reasonCode()).isLessThan(0x80);
            }
            pub.send(Wire.pubrel(300));
            assertThat(pub.expect(PUBCOMP).packetId()).isEqualTo(300);
        }
        assertThat(sub.texts(2, QUIET.multipliedBy(2))).containsExactly("only once");
        sub.disconnect();
    }

    /**
     * MQTT 5.0 [MQTT-4.3.3-11], [MQTT-4.3.3-12]: the PUBREL is answered with a PUBCOMP of the same
     * packet id; after it, a PUBLISH with that id is a new message and is delivered.
     */
    @Test
    void mqtt_4_3_3_12_v5_afterPubcompTheSamePacketIdIsANewMessage() throws Exception {
        Hive.Inbox5 sub = Hive.Inbox5.connect(port, "q2-reuse-sub").subscribe("qos2/reuse", 2);
        try (Wire pub = Wire.connect5(port, "q2-reuse-pub")) {
            for (String payload : new String[] {"first", "second"}) {
                pub.send(publish5("qos2/reuse", 2, false, false, 11, new byte[0], payload));
                assertThat(pub.expect(PUBREC).packetId()).isEqualTo(11);
                pub.send(Wire.pubrel(11));
                Wire.Packet pubcomp = pub.expect(PUBCOMP);
                assertThat(pubcomp.packetId()).isEqualTo(11);
                assertThat(pubcomp.reasonCode()).isZero();
            }
        }
        assertThat(sub.texts(2, ANSWER)).containsExactly("first", "second");
        sub.disconnect();
    }

    /**
     * MQTT 5.0 [MQTT-4.3.2-4]: the QoS 1 receiver answers PUBACK with the PUBLISH's packet id; the
     * reason code is a success (0x00, or 0x10 No matching subscribers).
     */
    @Test
    void mqtt_4_3_2_4_v5_qos1PublishIsAnsweredWithPubackOfItsPacketId() throws Exception {
        try (Wire pub = Wire.connect5(port, "q1-v5-pub")) {
            pub.send(publish5("qos1/v5", 1, false, false, 0x7FFF, new byte[0], "x"));
            Wire.Packet puback = pub.expect(PUBACK);
            assertThat(puback.packetId()).isEqualTo(0x7FFF);
            assertThat(puback.reasonCode()).as("0x00 Success or 0x10 No matching subscribers").isIn(0x00, 0x10);
        }
    }
}
