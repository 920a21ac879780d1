package io.kmqtt.it.conformance;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.kmqtt.it.RawMqtt;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.kmqtt.it.conformance.Wire.ANSWER;
import static io.kmqtt.it.conformance.Wire.CONNACK;
import static io.kmqtt.it.conformance.Wire.DISCONNECT;
import static io.kmqtt.it.conformance.Wire.PINGREQ;
import static io.kmqtt.it.conformance.Wire.PINGRESP;
import static io.kmqtt.it.conformance.Wire.QUIET;
import static io.kmqtt.it.RawMqtt.concat;
import static io.kmqtt.it.RawMqtt.packet;
import static io.kmqtt.it.RawMqtt.str;
import static io.kmqtt.it.RawMqtt.u16;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 3.1 CONNECT and 3.2 CONNACK: the first packet, protocol level and flags, client
 * identifiers, an existing connection with the same client id, and what CONNACK says (return code,
 * Session Present) and does (close after a refusal).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Section3_1_ConnectIT {

    private static Broker broker;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start("3_1-connect");
        port = broker.port;
        Broker.cluster(); // for the tests that cover the cluster too, outside their time limit
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    /** MQTT 3.1.1 [MQTT-3.1.0-1]: the first packet a client sends must be CONNECT; anything else is not answered, the connection is closed. */
    @Test
    void mqtt_3_1_0_1_v311_firstPacketMustBeConnect() throws Exception {
        try (Wire w = Wire.open311(port)) {
            w.send(PINGREQ);
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.closed()).as("closed").isTrue();
            assertThat(c.packets()).as("no PINGRESP, no CONNACK").isEmpty();
        }
    }

    /** MQTT 3.1.1 [MQTT-3.1.0-2]: a second CONNECT is a protocol violation; the server disconnects the client. */
    @Test
    void mqtt_3_1_0_2_v311_secondConnectIsAProtocolViolation() throws Exception {
        try (Wire w = Wire.connect311(port, "c-second-311")) {
            w.send(Wire.connect311("c-second-311", true, 60));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.closed()).isTrue();
            assertThat(c.packets()).as("no second CONNACK").isEmpty();
        }
    }

    /**
     * MQTT 5.0 [MQTT-3.1.0-2]: a second CONNECT is a Protocol Error and the connection is closed;
     * [MQTT-3.2.0-2]: never a second CONNACK (a DISCONNECT, if any, carries an error reason code).
     */
    @Test
    void mqtt_3_1_0_2_v5_secondConnectIsAProtocolErrorAndGetsNoSecondConnack() throws Exception {
        try (Wire w = Wire.connect5(port, "c-second-5")) {
            w.send(Wire.connect5("c-second-5", true, 60, new byte[0]));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.closed()).isTrue();
            assertThat(c.packets()).noneMatch(p -> p.type() == CONNACK)
                    .allSatisfy(p -> {
                        assertThat(p.type()).isEqualTo(DISCONNECT);
                        assertThat(p.reasonCode()).isGreaterThanOrEqualTo(0x80);
                    });
        }
    }

    /**
     * MQTT 5.0 section 3.1.2.11.2: a CONNECT with the Session Expiry Interval twice is a Protocol
     * Error; [MQTT-3.1.4-1]: the server may answer CONNACK 0x82, then closes the connection.
     */
    @Test
    void section_3_1_2_11_2_v5_aPropertyTwiceInConnectGetsConnack0x82ThenClose() throws Exception {
        byte[] twoExpiries = RawMqtt.concat(Wire.sessionExpiry(10), Wire.sessionExpiry(20));
        assertRefusedWithConnack(Wire.connect5("c-dup-prop", true, 60, twoExpiries), 0x82);
    }

    /**
     * MQTT 5.0 [MQTT-4.12.0-1]: an Authentication Method the server does not support gets CONNACK
     * 0x8C (Bad authentication method) and the close; this broker offers no enhanced authentication.
     */
    @Test
    void mqtt_4_12_0_1_v5_anUnsupportedAuthenticationMethodGetsConnack0x8c() throws Exception {
        byte[] authenticationMethod = RawMqtt.concat(new byte[] {0x15}, str("SCRAM-SHA-1"));
        assertRefusedWithConnack(Wire.connect5("c-auth-method", true, 60, authenticationMethod), 0x8C);
    }

    /** MQTT 3.1.1 [MQTT-3.1.2-2]: an unsupported protocol level gets CONNACK return code 0x01, then the connection is closed. */
    @Test
    void mqtt_3_1_2_2_v311_unsupportedProtocolLevelGetsReturnCode1ThenClose() throws Exception {
        try (Wire w = Wire.open311(port)) {
            w.send(packet(0x10, str("MQTT"), new byte[] {6, 0x02}, u16(60), str("c-level-6")));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.packets()).hasSize(1);
            assertThat(c.packets().get(0).encoded()).containsExactly(0x20, 0x02, 0x00, 0x01);
            assertThat(c.closed()).isTrue();
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.1.2-3]: the server validates that the reserved CONNECT flag is 0 and
     * disconnects the client otherwise; [MQTT-3.1.4-1]: without sending CONNACK.
     */
    @Test
    void mqtt_3_1_2_3_v311_reservedConnectFlagSetIsClosedWithoutConnack() throws Exception {
        try (Wire w = Wire.open311(port)) {
            w.send(packet(0x10, str("MQTT"), new byte[] {4, 0x03}, u16(60), str("c-reserved")));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.closed()).isTrue();
            assertThat(c.packets()).isEmpty();
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.1.4-1] with [MQTT-3.1.2-13]: the server validates that CONNECT conforms
     * to section 3.1 (Will QoS must be 0 when the Will Flag is 0) and closes the connection
     * without CONNACK if it does not.
     */
    @Test
    void mqtt_3_1_4_1_v311_willQosWithoutWillFlagIsClosedWithoutConnack() throws Exception {
        try (Wire w = Wire.open311(port)) {
            w.send(packet(0x10, str("MQTT"), new byte[] {4, 0x0A}, u16(60), str("c-will-qos-no-will")));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.packets()).isEmpty();
            assertThat(c.closed()).isTrue();
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.1.4-1] with [MQTT-3.1.2-14]: Will QoS must not be 3; such a CONNECT does not
     * conform and is closed without CONNACK.
     */
    @Test
    void mqtt_3_1_4_1_v311_willQos3IsClosedWithoutConnack() throws Exception {
        try (Wire w = Wire.open311(port)) {
            w.send(packet(0x10, str("MQTT"), new byte[] {4, 0x02 | 0x04 | 0x18}, u16(60), str("c-will-qos-3"),
                    str("will/q3"), str("x")));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.packets()).isEmpty();
            assertThat(c.closed()).isTrue();
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.1.4-1] with [MQTT-3.1.2-22]: with the User Name Flag 0 the Password Flag
     * must be 0; such a CONNECT does not conform and is closed without CONNACK.
     */
    @Test
    void mqtt_3_1_4_1_v311_passwordWithoutUserNameIsClosedWithoutConnack() throws Exception {
        try (Wire w = Wire.open311(port)) {
            w.send(packet(0x10, str("MQTT"), new byte[] {4, 0x42}, u16(60), str("c-password-only"), str("secret")));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.packets()).isEmpty();
            assertThat(c.closed()).isTrue();
        }
    }

    /** MQTT 3.1.1 [MQTT-3.1.3-5], [MQTT-3.1.4-4]: client ids of 1 to 23 characters from [0-9a-zA-Z] are allowed; CONNACK 0x00. */
    @Test
    void mqtt_3_1_3_5_v311_clientIdsOf1To23AlphanumericsAreAllowed() throws Exception {
        for (String id : new String[] {"Q", "a1B2c3D4e5F6g7H8i9J0kLm"}) {
            try (Wire w = Wire.open311(port)) {
                w.send(Wire.connect311(id, true, 60));
                assertThat(w.expect(ANSWER).encoded()).as("CONNACK for '%s'", id).containsExactly(0x20, 0x02, 0x00, 0x00);
            }
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.1.3-6]: a zero-byte client id (with clean session 1) is assigned a unique
     * id: two such clients are both accepted and the second does not take over the first.
     */
    @Test
    void mqtt_3_1_3_6_v311_emptyClientIdsAreAssignedUniqueIds() throws Exception {
        try (Wire first = Wire.open311(port); Wire second = Wire.open311(port)) {
            first.send(Wire.connect311("", true, 60));
            assertThat(first.expect(ANSWER).encoded()).containsExactly(0x20, 0x02, 0x00, 0x00);
            second.send(Wire.connect311("", true, 60));
            assertThat(second.expect(ANSWER).encoded()).containsExactly(0x20, 0x02, 0x00, 0x00);
            first.send(PINGREQ);
            assertThat(first.expect(ANSWER).type()).as("the first is still connected").isEqualTo(PINGRESP);
            assertThat(first.isClosed()).isFalse();
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.1.3-8]: a zero-byte client id with clean session 0 gets CONNACK return code
     * 0x02 (identifier rejected) and the connection is closed.
     */
    @Test
    void mqtt_3_1_3_8_v311_emptyClientIdWithCleanSessionZeroIsRejectedWith0x02() throws Exception {
        try (Wire w = Wire.open311(port)) {
            w.send(Wire.connect311("", false, 60));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.packets()).hasSize(1);
            assertThat(c.packets().get(0).encoded()).containsExactly(0x20, 0x02, 0x00, 0x02);
            assertThat(c.closed()).isTrue();
        }
    }

    /**
     * MQTT 5.0 [MQTT-3.1.3-6], [MQTT-3.1.3-7], [MQTT-3.2.2-16]: a client connecting with a zero-length
     * client id is assigned one, told it in CONNACK (Assigned Client Identifier), and it is not used
     * by any other session.
     */
    @Test
    void mqtt_3_2_2_16_v5_emptyClientIdGetsAUniqueAssignedClientIdentifier() {
        Mqtt5BlockingClient a = Mqtt5Client.builder().serverHost("127.0.0.1").serverPort(port).buildBlocking();
        Mqtt5BlockingClient b = Mqtt5Client.builder().serverHost("127.0.0.1").serverPort(port).buildBlocking();
        Mqtt5ConnAck connackA = a.connect();
        Mqtt5ConnAck connackB = b.connect();
        assertThat(connackA.getAssignedClientIdentifier()).isPresent();
        assertThat(connackB.getAssignedClientIdentifier()).isPresent();
        assertThat(connackA.getAssignedClientIdentifier().get().toString())
                .isNotEmpty().isNotEqualTo(connackB.getAssignedClientIdentifier().get().toString());
        assertThat(a.getState().isConnected()).as("not taken over by the second").isTrue();
        a.disconnect();
        b.disconnect();
    }

    /**
     * MQTT 5.0 [MQTT-3.1.3-8]: a server that rejects a client id (here zero-length with clean start 0)
     * may answer CONNACK 0x85 and must close the connection; a server that accepts it must assign an id.
     */
    @Test
    void mqtt_3_1_3_8_v5_emptyClientIdWithCleanStartZeroIsRejectedWith0x85OrAssigned() throws Exception {
        try (Wire w = Wire.open5(port)) {
            w.send(Wire.connect5("", false, 60, new byte[0]));
            Wire.Packet connack = w.expect(CONNACK);
            if (connack.reasonCode() == 0) {
                assertThat(connack.properties().get(0x12)).as("Assigned Client Identifier").isPresent();
            } else {
                assertThat(connack.reasonCode()).isEqualTo(0x85);
                assertThat(connack.sessionPresent()).isFalse();
                assertThat(w.awaitClose(ANSWER).closed()).isTrue();
            }
        }
    }

    /** MQTT 3.1.1 [MQTT-3.1.4-2]: a client connecting with the id of a connected client disconnects the existing one (Paho). */
    @Test
    void mqtt_3_1_4_2_v311_sameClientIdDisconnectsTheExistingClient() throws Exception {
        CountDownLatch lost = new CountDownLatch(1);
        MqttClient first = new MqttClient("tcp://127.0.0.1:" + port, "c-twin", new MemoryPersistence());
        first.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                lost.countDown();
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        first.connect();
        MqttClient second = new MqttClient("tcp://127.0.0.1:" + port, "c-twin", new MemoryPersistence());
        second.connect();
        assertThat(lost.await(5, TimeUnit.SECONDS)).as("the first connection was closed").isTrue();
        assertThat(second.isConnected()).isTrue();
        second.disconnect();
        second.close();
        first.close();
    }

    /**
     * MQTT 5.0 [MQTT-3.1.4-3]: the server sends the existing client DISCONNECT with reason code 0x8E
     * (Session taken over) and closes its connection.
     */
    @Test
    void mqtt_3_1_4_3_v5_existingClientGetsDisconnect0x8eAndIsClosed() throws Exception {
        try (Wire first = Wire.connect5(port, "c-twin-5")) {
            Mqtt5BlockingClient second = Hive.v5(port, "c-twin-5");
            Wire.Closing c = first.awaitClose(ANSWER);
            assertThat(c.packets()).hasSize(1);
            assertThat(c.packets().get(0).type()).isEqualTo(DISCONNECT);
            assertThat(c.packets().get(0).reasonCode()).isEqualTo(0x8E);
            assertThat(c.closed()).isTrue();
            second.disconnect();
        }
    }

    /**
     * MQTT 5.0 [MQTT-3.1.4-3]: it is the existing connection that is taken over, never the new one.
     * The sequence of an independent suite: a PUBLISH with Topic Alias 0 gets DISCONNECT 0x94; the
     * client connects again at once (Clean Start 1, Topic Alias Maximum 0, Session Expiry Interval
     * 99999), subscribes, publishes with Topic Alias 1 and must get its message back. In the
     * cluster it reconnects through the other gateway, as a load balancer sends it; the takeover
     * its first connection had announced reached that gateway after the second connection and
     * disconnected it (0x8E). Repeated, for a race.
     */
    @ParameterizedTest
    @EnumSource(Broker.Kind.class)
    void mqtt_3_1_4_3_v5_aQuickReconnectIsNotTakenOverByTheConnectionItReplaces(Broker.Kind kind) throws Exception {
        Broker b = Broker.of(kind, broker);
        String clientId = "c-alias0-" + kind;
        String topic = "c-alias0/" + kind;
        byte[] noServerAliasesAndExpiry = concat(new byte[] {0x22, 0, 0}, Wire.sessionExpiry(99_999));
        for (int round = 0; round < 10; round++) {
            try (Wire first = Wire.connect5(b.port, clientId)) {
                first.send(Wire.publish5(topic, 1, false, false, first.nextId(), topicAlias(0), "alias 0"));
                Wire.Packet disconnect = first.expect(DISCONNECT);
                assertThat(disconnect.reasonCode()).as("round %d: 0x94 Topic Alias invalid", round).isEqualTo(0x94);
            }
            try (Wire again = Wire.connect5(b.otherPort, clientId, true, noServerAliasesAndExpiry)) {
                assertThat(again.subscribe(topic, 2)).as("round %d: SUBACK", round).isEqualTo(2);
                again.send(Wire.publish5(topic, 1, false, false, again.nextId(), topicAlias(1), "round " + round));
                java.util.List<Wire.Packet> before = new java.util.ArrayList<>();
                Wire.Packet p;
                while ((p = again.next(Duration.ofSeconds(3))) != null && p.type() != Wire.PUBLISH) {
                    before.add(p); // the PUBACK, or what ended the connection
                }
                assertThat(p).as("round %d: the message back within 3 s; before it: %s", round, before).isNotNull();
                assertThat(p.publish().text()).isEqualTo("round " + round);
                again.send(Wire.disconnect5(0, Wire.sessionExpiry(0)));
            }
        }
    }

    private static byte[] topicAlias(int alias) {
        return new byte[] {0x23, (byte) (alias >> 8), (byte) alias};
    }

    /**
     * MQTT 3.1.1 [MQTT-3.1.4-5]: after refusing a CONNECT the server processes nothing the client
     * sent after it: a PUBLISH in the same write as a refused CONNECT reaches no subscriber.
     */
    @Test
    void mqtt_3_1_4_5_v311_dataAfterARefusedConnectIsNotProcessed() throws Exception {
        Hive.Inbox3 watcher = Hive.Inbox3.connect(port, "c-refused-watch").subscribe("refused/data", 0);
        try (Wire w = Wire.open311(port)) {
            w.send(concat(Wire.connect311("", false, 60), Wire.publish311("refused/data", 0, false, false, 0, "sneaked in")));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.packets()).hasSize(1);
            assertThat(c.packets().get(0).returnCode()).isEqualTo(0x02);
            assertThat(c.closed()).isTrue();
        }
        assertThat(watcher.await(1, QUIET.multipliedBy(2))).isEmpty();
        watcher.disconnect();
    }

    /**
     * MQTT 3.1.1 [MQTT-3.2.2-1]: a connection with clean session 1 is accepted with Session Present
     * 0, even when the server held a session for the client id.
     */
    @Test
    void mqtt_3_2_2_1_v311_cleanSessionOneGetsSessionPresentZero() throws Exception {
        try (Wire w = Wire.connect311(port, "c-sp-clean", false)) {
            w.subscribe("sp/clean", 1); // some session state
        }
        try (Wire w = Wire.open311(port)) {
            w.send(Wire.connect311("c-sp-clean", true, 60));
            assertThat(w.expect(ANSWER).encoded()).containsExactly(0x20, 0x02, 0x00, 0x00);
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.2.2-4], [MQTT-3.2.2-5]: a CONNACK with a non-zero return code has Session
     * Present 0 (even though a session is stored for the client id) and the server then closes the
     * connection. The refusal here: a will topic with a wildcard.
     */
    @Test
    void mqtt_3_2_2_4_v311_refusalHasSessionPresentZeroAndClosesTheConnection() throws Exception {
        try (Wire w = Wire.connect311(port, "c-sp-refused", false)) {
            w.subscribe("sp/refused", 1);
        }
        try (Wire w = Wire.open311(port)) {
            w.send(Wire.connect311("c-sp-refused", false, "will/+/invalid", "x", 0, false));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.packets()).hasSize(1);
            Wire.Packet connack = c.packets().get(0);
            assertThat(connack.type()).isEqualTo(CONNACK);
            assertThat(connack.returnCode()).as("return code").isNotZero();
            assertThat(connack.body()[0]).as("acknowledge flags: Session Present 0").isZero();
            assertThat(c.closed()).isTrue();
        }
    }

    /**
     * MQTT 5.0 section 3.2.2.3.2: when the server uses a Session Expiry Interval other than the
     * client's, CONNACK carries the server's. Asked for 0xFFFFFFFF (never expire), this broker keeps
     * sessions at most mqtt.max-session-expiry (2 h by default).
     */
    @Test
    void section_3_2_2_3_2_v5_connackCarriesTheSessionExpiryTheServerUses() throws Exception {
        try (Wire w = Wire.connect5(port, "c-expiry-cap", true, Wire.sessionExpiry(0xFFFFFFFFL))) {
            assertThat(w.connack.properties().get(0x11)).as("Session Expiry Interval in CONNACK").contains(7200L);
        }
    }

    /** Sends the MQTT 5 CONNECT on a fresh connection: the broker answers CONNACK with the reason code, then closes. */
    private static void assertRefusedWithConnack(byte[] connect, int reasonCode) throws Exception {
        try (Wire w = Wire.open5(port)) {
            w.send(connect);
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.packets()).extracting(p -> p.type() + "/" + p.reasonCode()).containsExactly(CONNACK + "/" + reasonCode);
            assertThat(c.closed()).isTrue();
        }
    }
}
