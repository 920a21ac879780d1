package io.kmqtt.it.conformance;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.kmqtt.it.conformance.Wire.ANSWER;
import static io.kmqtt.it.conformance.Wire.DISCONNECT;
import static io.kmqtt.it.conformance.Wire.DISCONNECT_311;
import static io.kmqtt.it.conformance.Wire.QUIET;
import static io.kmqtt.it.conformance.Wire.disconnect5;
import static io.kmqtt.it.conformance.Wire.sessionExpiry;
import static io.kmqtt.it.RawMqtt.concat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 3.14 DISCONNECT, and the will message it decides about (3.1.2.5): discarded on a normal
 * DISCONNECT, published when the connection ends otherwise, retained or not as the client asked;
 * MQTT 5 reason codes and Session Expiry Interval in DISCONNECT.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Section3_14_DisconnectIT {

    private static Broker broker;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start("3_14-disconnect");
        port = broker.port;
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    /** Connects with a will on the topic (payload "gone:<client id>"), waits for CONNACK 0x00. */
    private static Wire withWill311(String clientId, String willTopic, boolean willRetain) throws Exception {
        Wire w = Wire.open311(port);
        w.send(Wire.connect311(clientId, true, willTopic, "gone:" + clientId, 0, willRetain));
        assertThat(w.expect(Wire.CONNACK).returnCode()).isZero();
        return w;
    }

    private static Wire withWill5(String clientId, String willTopic, byte[] connectProperties) throws Exception {
        Wire w = Wire.open5(port);
        w.send(Wire.connect5(clientId, true, connectProperties, willTopic, "gone:" + clientId, false));
        assertThat(w.expect(Wire.CONNACK).returnCode()).isZero();
        return w;
    }

    // ---- MQTT 3.1.1 ---------------------------------------------------------------------------

    /** MQTT 3.1.1 [MQTT-3.14.4-3], [MQTT-3.1.2-10]: on DISCONNECT the server discards the will without publishing it. */
    @Test
    void mqtt_3_14_4_3_v311_disconnectDiscardsTheWill() throws Exception {
        Hive.Inbox3 watcher = Hive.Inbox3.connect(port, "d-watch-discard").subscribe("will/discard", 0);
        try (Wire w = withWill311("d-discard", "will/discard", false)) {
            w.send(DISCONNECT_311);
            assertThat(w.awaitClose(ANSWER).closed()).isTrue();
        }
        assertThat(watcher.await(1, QUIET.multipliedBy(2))).isEmpty();
        watcher.disconnect();
    }

    /** MQTT 3.1.1 [MQTT-3.1.2-8]: the will is published when the connection is closed without DISCONNECT. */
    @Test
    void mqtt_3_1_2_8_v311_willIsPublishedWhenTheConnectionIsLost() throws Exception {
        Hive.Inbox3 watcher = Hive.Inbox3.connect(port, "d-watch-lost").subscribe("will/lost", 0);
        withWill311("d-lost", "will/lost", false).close();
        assertThat(watcher.texts(1, ANSWER)).containsExactly("gone:d-lost");
        watcher.disconnect();
    }

    /**
     * MQTT 3.1.1 [MQTT-3.1.2-16]: a will with Will Retain 0 is published as a non-retained message:
     * RETAIN 0 to current subscribers, nothing for later ones.
     */
    @Test
    void mqtt_3_1_2_16_v311_willWithoutWillRetainIsNotRetained() throws Exception {
        Hive.Inbox3 watcher = Hive.Inbox3.connect(port, "d-watch-plain").subscribe("will/plain", 0);
        withWill311("d-plain", "will/plain", false).close();
        List<Mqtt3Publish> got = watcher.await(1, ANSWER);
        assertThat(got).extracting(Hive::text).containsExactly("gone:d-plain");
        assertThat(got.get(0).isRetain()).isFalse();
        watcher.disconnect();
        try (Wire late = Wire.connect311(port, "d-late-plain")) {
            late.subscribe("will/plain", 0);
            assertThat(late.receive(1, QUIET)).as("not retained").isEmpty();
        }
    }

    /** MQTT 3.1.1 [MQTT-3.1.2-17]: a will with Will Retain 1 is published as a retained message. */
    @Test
    void mqtt_3_1_2_17_v311_willWithWillRetainIsRetained() throws Exception {
        withWill311("d-retained", "will/retained", true).close();
        Wire.awaitRetained(port, "will/retained", "gone:d-retained");
        try (Wire late = Wire.connect311(port, "d-late-retained")) {
            late.subscribe("will/retained", 1);
            assertThat(late.receive(1, ANSWER)).extracting(p -> p.text() + " RETAIN " + p.retain())
                    .containsExactly("gone:d-retained RETAIN true");
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.14.1-1]: a DISCONNECT with non-zero reserved bits makes the server
     * disconnect the client; not being a valid DISCONNECT, it leaves the will to be published
     * ([MQTT-3.1.2-8]).
     */
    @Test
    void mqtt_3_14_1_1_v311_disconnectWithReservedBitsSetClosesAndPublishesTheWill() throws Exception {
        Hive.Inbox3 watcher = Hive.Inbox3.connect(port, "d-watch-bad").subscribe("will/bad-disconnect", 0);
        try (Wire w = withWill311("d-bad", "will/bad-disconnect", false)) {
            w.send(new byte[] {(byte) 0xE1, 0});
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.closed()).isTrue();
            assertThat(c.packets()).isEmpty();
        }
        assertThat(watcher.texts(1, ANSWER)).containsExactly("gone:d-bad");
        watcher.disconnect();
    }

    // ---- MQTT 5 -------------------------------------------------------------------------------

    /** MQTT 5.0 [MQTT-3.14.4-3], [MQTT-3.1.2-10]: on DISCONNECT with reason 0x00 the server discards the will. */
    @Test
    void mqtt_3_14_4_3_v5_disconnectWithReason0x00DiscardsTheWill() throws Exception {
        Hive.Inbox5 watcher = Hive.Inbox5.connect(port, "d5-watch-discard").subscribe("will5/discard", 0);
        try (Wire w = withWill5("d5-discard", "will5/discard", new byte[0])) {
            w.send(disconnect5(0x00, new byte[0]));
            assertThat(w.awaitClose(ANSWER).closed()).isTrue();
        }
        assertThat(watcher.await(1, QUIET.multipliedBy(2))).isEmpty();
        watcher.disconnect();
    }

    /**
     * MQTT 5.0 [MQTT-3.1.2-8] and section 3.14.2.1: a DISCONNECT with reason 0x04 (Disconnect with
     * Will Message) closes the connection and the will is published.
     */
    @Test
    void mqtt_3_1_2_8_v5_disconnectWithReason0x04PublishesTheWill() throws Exception {
        Hive.Inbox5 watcher = Hive.Inbox5.connect(port, "d5-watch-04").subscribe("will5/with-will", 0);
        try (Wire w = withWill5("d5-with-will", "will5/with-will", new byte[0])) {
            w.send(disconnect5(0x04, new byte[0]));
            assertThat(w.awaitClose(ANSWER).closed()).isTrue();
        }
        assertThat(watcher.texts(1, ANSWER)).containsExactly("gone:d5-with-will");
        watcher.disconnect();
    }

    /**
     * MQTT 5.0 [MQTT-3.14.2-2]: a server's DISCONNECT never carries a Session Expiry Interval;
     * [MQTT-3.14.4-1], [MQTT-3.14.4-2]: after its DISCONNECT the server sends nothing more and closes
     * the connection. The server's DISCONNECT here: 0x8E to a client taken over.
     */
    @Test
    void mqtt_3_14_2_2_v5_serverDisconnectHasNoSessionExpiryAndIsLast() throws Exception {
        try (Wire first = Wire.connect5(port, "d5-taken-over", false, sessionExpiry(60))) {
            Mqtt5BlockingClient second = Hive.v5(port, "d5-taken-over");
            Wire.Closing c = first.awaitClose(ANSWER);
            assertThat(c.packets()).hasSize(1);
            Wire.Packet disconnect = c.packets().get(0);
            assertThat(disconnect.type()).isEqualTo(DISCONNECT);
            assertThat(disconnect.properties().has(0x11)).as("Session Expiry Interval in the server's DISCONNECT").isFalse();
            assertThat(c.closed()).isTrue();
            second.disconnect();
        }
    }

    /**
     * MQTT 5.0 section 3.14.2.2.2: a Session Expiry Interval in DISCONNECT replaces the one from
     * CONNECT: a session opened with 60 s and closed with 0 ends with the connection.
     */
    @Test
    void section_3_14_2_2_2_v5_disconnectCanEndThePersistentSession() throws Exception {
        try (Wire w = Wire.connect5(port, "d5-end-session", false, sessionExpiry(60))) {
            w.subscribe("end/session", 1);
            w.send(disconnect5(0x00, sessionExpiry(0)));
            assertThat(w.awaitClose(ANSWER).closed()).isTrue();
        }
        try (Wire w = Wire.connect5(port, "d5-end-session", false, sessionExpiry(60))) {
            assertThat(w.connack.sessionPresent()).as("session ended at the DISCONNECT").isFalse();
        }
    }

    /**
     * MQTT 5.0 section 3.14.2.2.2: with Session Expiry 0 in CONNECT, a non-zero Session Expiry in
     * DISCONNECT is a Protocol Error; the session does not outlive the connection.
     */
    @Test
    void section_3_14_2_2_2_v5_nonZeroSessionExpiryInDisconnectCannotExtendASessionOfZero() throws Exception {
        try (Wire w = Wire.connect5(port, "d5-extend", true, new byte[0])) {
            w.subscribe("extend/t", 1);
            w.send(disconnect5(0x00, sessionExpiry(60)));
            assertThat(w.awaitClose(ANSWER).closed()).isTrue();
        }
        try (Wire w = Wire.connect5(port, "d5-extend", false, sessionExpiry(60))) {
            assertThat(w.connack.sessionPresent()).isFalse();
        }
    }

    /**
     * MQTT 5.0 section 3.14.2.2.2: such a DISCONNECT (Session Expiry non-zero after 0 in CONNECT) is
     * not treated as a valid DISCONNECT: the server answers DISCONNECT 0x82 (Protocol Error), and the
     * will, not deleted by a valid DISCONNECT, is published ([MQTT-3.1.2-8]).
     */
    @Test
    void section_3_14_2_2_2_v5_nonZeroSessionExpiryAfterZeroIsAProtocolErrorAndTheWillIsPublished() throws Exception {
        Hive.Inbox5 watcher = Hive.Inbox5.connect(port, "d5-watch-extend").subscribe("will5/extend", 0);
        try (Wire w = withWill5("d5-extend-will", "will5/extend", new byte[0])) {
            w.send(disconnect5(0x00, sessionExpiry(60)));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.closed()).isTrue();
            assertThat(c.packets()).extracting(p -> p.type() + "/" + p.reasonCode()).containsExactly(DISCONNECT + "/" + 0x82);
        }
        assertThat(watcher.texts(1, ANSWER)).containsExactly("gone:d5-extend-will");
        watcher.disconnect();
    }

    /** MQTT 5.0 [MQTT-3.14.1-1]: a DISCONNECT with non-zero reserved bits is answered with DISCONNECT 0x81 (Malformed Packet). */
    @Test
    void mqtt_3_14_1_1_v5_disconnectWithReservedBitsSetGetsDisconnect0x81() throws Exception {
        try (Wire w = Wire.connect5(port, "d5-bad")) {
            w.send(new byte[] {(byte) 0xE2, 0});
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.packets()).extracting(p -> p.type() + "/" + p.reasonCode()).containsExactly(DISCONNECT + "/" + 0x81);
            assertThat(c.closed()).isTrue();
        }
    }

    /**
     * MQTT 5.0 [MQTT-3.14.4-2] and section 4.13.2: after its DISCONNECT with a reason code the
     * server closes the connection, yet a client still writing at that moment (here PUBRELs, after
     * a PUBLISH with Topic Alias 0) must be able to read that DISCONNECT rather than have its writes
     * fail with a reset first. The server stops writing, reads and discards what still comes, and
     * closes within a bounded time. The connection's end is handled once: its will (the connection
     * did not end with the client's own DISCONNECT) is published once.
     */
    @Test
    void mqtt_3_14_4_2_v5_aClientStillWritingReadsTheServersDisconnect() throws Exception {
        String clientId = "d5-still-writing";
        String willTopic = "still-writing/will";
        byte[] pubrels = new byte[0];
        for (int id = 1; id <= 50; id++) {
            pubrels = concat(pubrels, Wire.pubrel(id));
        }
        try (Wire watcher = Wire.connect5(port, clientId + "-watcher")) {
            watcher.subscribe(willTopic, 0);
            try (Wire w = withWill5(clientId, willTopic, new byte[0])) {
                boolean taken = w.write(Wire.publish5("still-writing/t", 1, false, false, 1, new byte[] {0x23, 0, 0}, "alias 0"));
                List<Wire.Packet> got = new java.util.ArrayList<>();
                long until = System.nanoTime() + Duration.ofMillis(300).toNanos();
                while (taken && System.nanoTime() < until) {
                    taken = w.write(pubrels);
                    Wire.Packet p = w.next(Duration.ofMillis(10)); // paces the writes; reads what came
                    if (p != null) {
                        got.add(p);
                    }
                }
                assertThat(taken).as("every write taken for 300 ms; packets read meanwhile: %s", got).isTrue();
                got.addAll(w.awaitClose(ANSWER).packets());
                assertThat(got).extracting(Wire.Packet::type).containsExactly(DISCONNECT);
                assertThat(got.get(0).reasonCode()).as("0x94 Topic Alias invalid").isEqualTo(0x94);
                assertThat(w.isClosed()).as("the broker stopped writing").isTrue();
                // It stops reading too, a bounded time after its DISCONNECT, however long the client writes.
                long since = System.nanoTime();
                while (w.write(pubrels) && System.nanoTime() - since < Duration.ofSeconds(10).toNanos()) {
                    w.next(Duration.ofMillis(10));
                }
                assertThat(Duration.ofNanos(System.nanoTime() - since)).as("until the broker closes for good")
                        .isLessThan(Duration.ofSeconds(3));
            }
            assertThat(watcher.receive(1, ANSWER)).extracting(Wire.Publish::text).containsExactly("gone:" + clientId);
            assertThat(watcher.receive(1, QUIET)).as("a second will").isEmpty();
        }
    }
}
