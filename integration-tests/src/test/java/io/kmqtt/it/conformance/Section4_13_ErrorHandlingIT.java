package io.kmqtt.it.conformance;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static io.kmqtt.it.conformance.Wire.ANSWER;
import static io.kmqtt.it.conformance.Wire.CONNACK;
import static io.kmqtt.it.conformance.Wire.DISCONNECT;
import static io.kmqtt.it.conformance.Wire.PUBACK;
import static io.kmqtt.it.RawMqtt.packet;
import static io.kmqtt.it.conformance.Wire.publish311;
import static io.kmqtt.it.conformance.Wire.publish5;
import static io.kmqtt.it.RawMqtt.str;
import static io.kmqtt.it.RawMqtt.u16;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 4.13 Handling errors (MQTT 5; section 4.8 in MQTT 3.1.1): malformed packets and protocol
 * errors close the connection, an MQTT 5 client is told why first where the specification gives a
 * reason code, and a reason code of 0x80 or above in CONNACK or DISCONNECT means the connection
 * closes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Section4_13_ErrorHandlingIT {

    private static Broker broker;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start("4_13-errors");
        port = broker.port;
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    /** Sends the packet on a fresh accepted 3.1.1 connection and returns how it ended. */
    private static Wire.Closing after311(String clientId, byte[] packet) throws Exception {
        try (Wire w = Wire.connect311(port, clientId)) {
            w.send(packet);
            return w.awaitClose(ANSWER);
        }
    }

    /** Sends the packet on a fresh accepted MQTT 5 connection: the broker answers DISCONNECT with the reason code, then closes. */
    private static void assertAnsweredWithDisconnect(String clientId, byte[] packet, int reasonCode) throws Exception {
        try (Wire w = Wire.connect5(port, clientId)) {
            w.send(packet);
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.packets()).extracting(p -> p.type() + "/" + p.reasonCode()).containsExactly(DISCONNECT + "/" + reasonCode);
            assertThat(c.closed()).isTrue();
        }
    }

    // ---- MQTT 3.1.1 ---------------------------------------------------------------------------

    /**
     * MQTT 3.1.1 [MQTT-2.2.2-2]: invalid fixed-header flags close the connection: PINGREQ with flags
     * 0001, PUBACK with 0001, PUBREL with 0000 instead of 0010 ([MQTT-3.6.1-1]).
     */
    @Test
    void mqtt_2_2_2_2_v311_invalidFixedHeaderFlagsCloseTheConnection() throws Exception {
        for (byte[] invalid : new byte[][] {{(byte) 0xC1, 0}, packet(0x41, u16(1)), packet(0x60, u16(1))}) {
            Wire.Closing c = after311("e-flags-" + (invalid[0] & 0xFF), invalid);
            assertThat(c.closed()).as("closed after %02x", invalid[0]).isTrue();
            assertThat(c.packets()).isEmpty();
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-4.8.0-1] with [MQTT-2.3.1-1]: a protocol violation (here a QoS 1 PUBLISH or a
     * SUBSCRIBE with packet identifier 0) closes the connection.
     */
    @Test
    void mqtt_4_8_0_1_v311_protocolViolationClosesTheConnection() throws Exception {
        Wire.Closing publish = after311("e-publish-id-0", publish311("e/t", 1, false, false, 0, "x"));
        assertThat(publish.closed()).isTrue();
        assertThat(publish.packets()).noneMatch(p -> p.type() == PUBACK);
        Wire.Closing subscribe = after311("e-subscribe-id-0", packet(0x82, u16(0), str("e/t"), new byte[] {1}));
        assertThat(subscribe.closed()).isTrue();
        assertThat(subscribe.packets()).isEmpty();
    }

    /**
     * MQTT 3.1.1 [MQTT-4.8.0-1]: PINGRESP is a server-to-client packet; a client sending it commits
     * a protocol violation and the connection is closed.
     */
    @Test
    void mqtt_4_8_0_1_v311_aServerToClientPacketFromTheClientClosesTheConnection() throws Exception {
        Wire.Closing c = after311("e-pingresp", new byte[] {(byte) 0xD0, 0});
        assertThat(c.closed()).isTrue();
    }

    // ---- MQTT 5 -------------------------------------------------------------------------------

    /**
     * MQTT 5.0 [MQTT-4.13.1-1] with [MQTT-3.3.1-4]: a malformed packet (a PUBLISH with QoS 3) closes
     * the connection; a DISCONNECT before, if any, carries a reason code of 0x80 or above.
     */
    @Test
    void mqtt_4_13_1_1_v5_malformedPacketClosesTheConnection() throws Exception {
        try (Wire w = Wire.connect5(port, "e5-qos3")) {
            w.send(packet(0x36, str("e5/t"), u16(1), Wire.props(), Wire.bytes("x")));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.closed()).isTrue();
            assertThat(c.packets()).allSatisfy(p -> {
                assertThat(p.type()).isEqualTo(DISCONNECT);
                assertThat(p.reasonCode()).isGreaterThanOrEqualTo(0x80);
            });
        }
    }

    /**
     * MQTT 5.0 [MQTT-4.13.1-1], [MQTT-4.13.2-1] with [MQTT-3.3.4-6]: a protocol error with a reason
     * code in the specification (a client PUBLISH carrying a Subscription Identifier) is answered
     * with DISCONNECT 0x82 (Protocol Error), then the connection is closed.
     */
    @Test
    void mqtt_4_13_1_1_v5_protocolErrorIsAnsweredWithDisconnect0x82ThenClose() throws Exception {
        byte[] subscriptionIdentifier = {0x0B, 7};
        assertAnsweredWithDisconnect("e5-sub-id", publish5("e5/t", 0, false, false, 0, subscriptionIdentifier, "x"), 0x82);
    }

    /**
     * MQTT 5.0 section 3.3.2.3.2 with section 4.13: a PUBLISH carrying the Message Expiry Interval
     * twice is a Protocol Error, answered with DISCONNECT 0x82 and the close.
     */
    @Test
    void section_3_3_2_3_2_v5_aDuplicatedOnceOnlyPropertyIsAnsweredWithDisconnect0x82() throws Exception {
        byte[] twoExpiries = {0x02, 0, 0, 0, 10, 0x02, 0, 0, 0, 20};
        assertAnsweredWithDisconnect("e5-dup", publish5("e5/t", 1, false, false, 1, twoExpiries, "x"), 0x82);
    }

    /**
     * MQTT 5.0 section 2.2.2.2: a property that is not valid for its packet type (here a Session
     * Expiry Interval in a PUBLISH) makes the packet malformed: DISCONNECT 0x81, then the close.
     */
    @Test
    void section_2_2_2_2_v5_aPropertyNotValidForThePacketIsAnsweredWithDisconnect0x81() throws Exception {
        byte[] sessionExpiry = Wire.sessionExpiry(10);
        assertAnsweredWithDisconnect("e5-wrong-prop", publish5("e5/t", 0, false, false, 0, sessionExpiry, "x"), 0x81);
    }

    /**
     * MQTT 5.0 section 2.1.2 with section 4.13: SUBACK is sent by servers only; a client sending one
     * commits a Protocol Error, answered with DISCONNECT 0x82.
     */
    @Test
    void section_2_1_2_v5_aServerToClientPacketIsAnsweredWithDisconnect0x82() throws Exception {
        assertAnsweredWithDisconnect("e5-suback", packet(0x90, u16(1), Wire.props(), new byte[] {0}), 0x82);
    }

    /**
     * MQTT 5.0 section 4.12: AUTH is only part of an enhanced authentication the client asked for in
     * CONNECT; without one it is a Protocol Error: DISCONNECT 0x82.
     */
    @Test
    void section_4_12_v5_authWithoutEnhancedAuthenticationIsAnsweredWithDisconnect0x82() throws Exception {
        assertAnsweredWithDisconnect("e5-auth", packet(0xF0, new byte[] {0x18}, Wire.props()), 0x82);
    }

    /**
     * MQTT 5.0 [MQTT-3.3.2-8] (a Topic Alias of 0 is not allowed) handled per section 4.13: the
     * server answers DISCONNECT 0x94 (Topic Alias invalid) and closes the connection.
     */
    @Test
    void mqtt_3_3_2_8_v5_topicAliasZeroIsAnsweredWithDisconnect0x94() throws Exception {
        byte[] topicAliasZero = {0x23, 0, 0};
        assertAnsweredWithDisconnect("e5-alias-0", publish5("e5/t", 0, false, false, 0, topicAliasZero, "x"), 0x94);
    }

    /**
     * MQTT 5.0 [MQTT-4.13.2-1], [MQTT-3.2.2-6], [MQTT-3.2.2-7]: a CONNACK with a reason code of 0x80
     * or above (here 0x90 Topic Name invalid, for a will topic with a wildcard) has Session Present
     * 0 and is followed by the close of the connection.
     */
    @Test
    void mqtt_4_13_2_1_v5_connackWithReasonCode0x80OrAboveIsFollowedByTheClose() throws Exception {
        try (Wire w = Wire.open5(port)) {
            w.send(Wire.connect5("e5-bad-will", true, new byte[0], "will/+", "x", false));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.packets()).hasSize(1);
            Wire.Packet connack = c.packets().get(0);
            assertThat(connack.type()).isEqualTo(CONNACK);
            assertThat(connack.reasonCode()).isGreaterThanOrEqualTo(0x80);
            assertThat(connack.sessionPresent()).isFalse();
            assertThat(c.closed()).isTrue();
        }
    }

    /**
     * MQTT 5.0 section 3.2.2.3.6 and [MQTT-3.2.2-15]: the server tells its Maximum Packet Size in
     * CONNACK; a client sending a larger packet commits a Protocol Error, answered with DISCONNECT
     * 0x95 (Packet too large) and the close.
     */
    @Test
    void section_3_2_2_3_6_v5_packetAboveTheServersMaximumPacketSizeGetsDisconnect0x95() throws Exception {
        try (Wire w = Wire.connect5(port, "e5-too-large")) {
            long maximum = (Long) w.connack.properties().get(0x27).orElseThrow();
            w.send(publish5("e5/large", 0, false, false, 0, new byte[0], "x".repeat((int) maximum)));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.packets()).extracting(p -> p.type() + "/" + p.reasonCode()).containsExactly(DISCONNECT + "/" + 0x95);
            assertThat(c.closed()).isTrue();
        }
    }
}
