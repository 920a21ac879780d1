package io.kmqtt.it.conformance;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.kmqtt.it.conformance.Wire.ANSWER;
import static io.kmqtt.it.conformance.Wire.PUBLISH;
import static io.kmqtt.it.conformance.Wire.PUBREL;
import static io.kmqtt.it.conformance.Wire.QUIET;
import static io.kmqtt.it.conformance.Wire.sessionExpiry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 4.1 Storing state, with the CONNECT flags that govern it (3.1.2.4 Clean Session / Clean
 * Start, 3.1.2.11.2 Session Expiry Interval) and message delivery retry (4.4): persistent sessions
 * keep subscriptions and queue QoS 1 and 2 messages while the client is away, unacknowledged
 * messages are resent with their packet ids and DUP set, clean sessions and expiry discard it all.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Section4_1_SessionStateIT {

    private static Broker broker;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start("4_1-sessions");
        port = broker.port;
        Broker.cluster(); // for the tests that cover the cluster too, outside their time limit
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    // ---- MQTT 3.1.1 ---------------------------------------------------------------------------

    private static final class Paho {
        final MqttClient client;
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();

        Paho(String clientId) throws Exception {
            client = new MqttClient("tcp://127.0.0.1:" + port, clientId, new MemoryPersistence());
            client.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    received.add(topic + "=" + new String(message.getPayload(), StandardCharsets.UTF_8) + "@" + message.getQos());
                }

                @Override
                public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
                }
            });
        }

        /** Connects; returns Session Present. */
        boolean connect(boolean cleanSession) throws Exception {
            MqttConnectOptions options = new MqttConnectOptions();
            options.setCleanSession(cleanSession);
            return client.connectWithResult(options).getSessionPresent();
        }

        String next(long millis) throws InterruptedException {
            return received.poll(millis, TimeUnit.MILLISECONDS);
        }

        void close() throws Exception {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.1.2-4], [MQTT-3.2.2-2], [MQTT-3.2.2-3]: with clean session 0 the server
     * creates a session if there is none (Session Present 0) and resumes the stored one otherwise
     * (Session Present 1), subscriptions included (Paho).
     */
    @Test
    void mqtt_3_1_2_4_v311_cleanSessionZeroResumesTheSession() throws Exception {
        Paho first = new Paho("s-resume");
        assertThat(first.connect(false)).as("Session Present, no session yet").isFalse();
        first.client.subscribe("resume/#", 1);
        first.close();

        Paho again = new Paho("s-resume");
        assertThat(again.connect(false)).as("Session Present, session stored").isTrue();
        Mqtt5BlockingClient pub = Hive.v5(port, "s-resume-pub");
        Hive.publish(pub, "resume/t", "without subscribing again", 1);
        assertThat(again.next(ANSWER.toMillis())).isEqualTo("resume/t=without subscribing again@1");
        again.close();
        pub.disconnect();
    }

    /**
     * MQTT 3.1.1 [MQTT-3.1.2-5], [MQTT-4.5.0-1]: while a clean-session-0 client is disconnected the
     * server stores the QoS 1 and QoS 2 messages matching its subscriptions, and delivers them when
     * it comes back (at their QoS).
     */
    @Test
    void mqtt_3_1_2_5_v311_qos1AndQos2MessagesAreQueuedWhileOffline() throws Exception {
        try (Wire w = Wire.connect311(port, "s-queue", false)) {
            w.subscribe("queue/#", 2);
        }
        try (Wire pub = Wire.connect311(port, "s-queue-pub")) {
            pub.publish("queue/a", 1, false, "one");
            pub.publish("queue/a", 2, false, "two");
        }
        try (Wire back = Wire.connect311(port, "s-queue", false)) {
            assertThat(back.connack.sessionPresent()).isTrue();
            assertThat(back.receive(2, ANSWER)).extracting(p -> p.text() + " QoS " + p.qos())
                    .containsExactly("one QoS 1", "two QoS 2");
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.1.2-6]: clean session 1 discards the previous session (subscriptions and
     * queued messages) and its state is not reused by a later session.
     */
    @Test
    void mqtt_3_1_2_6_v311_cleanSessionOneDiscardsTheSession() throws Exception {
        try (Wire w = Wire.connect311(port, "s-discard", false)) {
            w.subscribe("discard/#", 1);
        }
        try (Wire pub = Wire.connect311(port, "s-discard-pub")) {
            pub.publish("discard/t", 1, false, "queued for the old session");
        }
        try (Wire clean = Wire.connect311(port, "s-discard", true)) {
            assertThat(clean.connack.sessionPresent()).isFalse();
            assertThat(clean.receive(1, QUIET)).as("queued messages discarded").isEmpty();
        }
        try (Wire again = Wire.connect311(port, "s-discard", false); Wire pub = Wire.connect311(port, "s-discard-pub")) {
            assertThat(again.connack.sessionPresent()).as("nothing reused").isFalse();
            pub.publish("discard/t", 1, false, "new");
            assertThat(again.receive(1, QUIET)).as("subscription discarded").isEmpty();
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.1.2-7]: retained messages are not part of the session state; they are not
     * deleted when the publisher's session ends.
     */
    @Test
    void mqtt_3_1_2_7_v311_retainedMessagesOutliveThePublishersSession() throws Exception {
        try (Wire pub = Wire.connect311(port, "s-retain-pub", false)) {
            pub.publish("outlive/t", 1, true, "still here");
        }
        try (Wire ender = Wire.connect311(port, "s-retain-pub", true)) { // ends the publisher's session
            assertThat(ender.connack.sessionPresent()).isFalse();
        }
        Wire.awaitRetained(port, "outlive/t", "still here");
    }

    /**
     * MQTT 3.1.1 [MQTT-3.3.1-1], [MQTT-4.4.0-1]: a QoS 1 PUBLISH left unacknowledged when the
     * connection ended is re-sent on resumption with its original packet identifier and DUP 1.
     */
    @Test
    void mqtt_3_3_1_1_v311_dupSetOnRedelivery() throws Exception {
        int packetId;
        try (Wire w = Wire.connect311(port, "s-dup", false); Wire pub = Wire.connect311(port, "s-dup-pub")) {
            w.subscribe("dup/t", 1);
            pub.publish("dup/t", 1, false, "unacknowledged");
            Wire.Publish first = w.receive(1, ANSWER, false).get(0);
            assertThat(first.dup()).isFalse();
            packetId = first.packetId();
        }
        try (Wire back = Wire.connect311(port, "s-dup", false)) {
            assertThat(back.connack.sessionPresent()).isTrue();
            Wire.Publish again = back.receive(1, ANSWER, false).get(0);
            assertThat(again.toString()).isEqualTo("dup/t=unacknowledged (QoS 1, DUP, id " + packetId + ")");
            back.send(Wire.puback(packetId));
        }
        try (Wire done = Wire.connect311(port, "s-dup", false)) {
            assertThat(done.receive(1, QUIET)).as("acknowledged: not sent again").isEmpty();
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-4.4.0-1], [MQTT-4.3.3-1]: for a QoS 2 message past PUBREC the server re-sends
     * the PUBREL with its packet identifier on resumption, and never the PUBLISH again.
     */
    @Test
    void mqtt_4_4_0_1_v311_unacknowledgedPubrelIsResentOnResumption() throws Exception {
        int packetId;
        try (Wire w = Wire.connect311(port, "s-pubrel", false); Wire pub = Wire.connect311(port, "s-pubrel-pub")) {
            w.subscribe("pubrel/t", 2);
            pub.publish("pubrel/t", 2, false, "exactly once");
            packetId = w.receive(1, ANSWER, false).get(0).packetId();
            w.send(Wire.pubrec(packetId));
            assertThat(w.expect(PUBREL).packetId()).isEqualTo(packetId);
        }
        try (Wire back = Wire.connect311(port, "s-pubrel", false)) {
            Wire.Packet resent = back.expect(ANSWER);
            assertThat(resent.encoded()).as("PUBREL, not PUBLISH").containsExactly(Wire.pubrel(packetId));
            back.send(Wire.pubcomp(packetId));
            assertThat(back.collect(QUIET)).isEmpty();
        }
    }

    // ---- MQTT 5 -------------------------------------------------------------------------------

    private static Mqtt5BlockingClient v5(String clientId) {
        return Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port).buildBlocking();
    }

    /**
     * MQTT 5.0 [MQTT-3.1.2-5], [MQTT-3.1.2-25], [MQTT-3.2.2-3]: with a Session Expiry Interval above 0
     * the session is stored after the connection closes; clean start 0 resumes it (Session Present
     * 1) with its subscriptions and the QoS 1 messages queued meanwhile (HiveMQ client).
     */
    @Test
    void mqtt_3_1_2_25_v5_sessionWithExpiryIsStoredAndResumed() throws Exception {
        Mqtt5BlockingClient first = v5("s5-resume");
        assertThat(first.connectWith().cleanStart(false).sessionExpiryInterval(60).send().isSessionPresent())
                .as("[MQTT-3.1.2-6] a new session").isFalse();
        first.subscribeWith().topicFilter("resume5/#").qos(MqttQos.AT_LEAST_ONCE).send();
        first.disconnect();
        Mqtt5BlockingClient pub = Hive.v5(port, "s5-resume-pub");
        Hive.publish(pub, "resume5/offline", "queued", 1);
        Hive.Inbox5 back = new Hive.Inbox5(v5("s5-resume"));
        assertThat(back.client.connectWith().cleanStart(false).sessionExpiryInterval(60).send().isSessionPresent()).isTrue();
        assertThat(back.texts(1, ANSWER)).containsExactly("queued");
        Hive.publish(pub, "resume5/live", "live", 1);
        assertThat(back.texts(1, ANSWER)).containsExactly("live");
        back.client.disconnectWith().sessionExpiryInterval(0).send();
        pub.disconnect();
    }

    /** MQTT 5.0 [MQTT-3.1.2-4], [MQTT-3.2.2-2]: clean start 1 discards the existing session; Session Present 0. */
    @Test
    void mqtt_3_1_2_4_v5_cleanStartDiscardsTheExistingSession() throws Exception {
        try (Wire w = Wire.connect5(port, "s5-clean", false, sessionExpiry(60))) {
            w.subscribe("clean5/t", 1);
        }
        try (Wire w = Wire.connect5(port, "s5-clean", true, sessionExpiry(60)); Wire pub = Wire.connect5(port, "s5-clean-pub")) {
            assertThat(w.connack.sessionPresent()).isFalse();
            pub.publish("clean5/t", 1, false, "x");
            assertThat(w.receive(1, QUIET)).as("the old subscription is gone").isEmpty();
        }
    }

    /**
     * MQTT 5.0 section 3.1.2.11.2: a Session Expiry Interval that is absent (0) ends the session when
     * the connection closes: a later clean start 0 finds no session.
     */
    @Test
    void section_3_1_2_11_2_v5_absentSessionExpiryEndsTheSessionWithTheConnection() throws Exception {
        try (Wire w = Wire.connect5(port, "s5-no-expiry", false, new byte[0])) {
            w.subscribe("noexpiry/t", 1);
        }
        try (Wire w = Wire.connect5(port, "s5-no-expiry", false, sessionExpiry(60))) {
            assertThat(w.connack.sessionPresent()).isFalse();
        }
    }

    /**
     * MQTT 5.0 [MQTT-3.1.2-4], [MQTT-3.2.2-3]: clean start 0 resumes the existing session whatever
     * the new CONNECT's Session Expiry Interval, here absent: that interval governs only what
     * happens after this connection closes (section 3.1.2.11.2). Session Present 1, and the QoS 1
     * and 2 messages queued meanwhile (QoS 0 is not queued for a disconnected client). In the
     * cluster the client comes back through the other gateway.
     */
    @ParameterizedTest
    @EnumSource(Broker.Kind.class)
    void mqtt_3_1_2_4_v5_cleanStartZeroResumesTheSessionWithoutASessionExpiryInterval(Broker.Kind kind) throws Exception {
        Broker b = Broker.of(kind, broker);
        String clientId = "s5-resume-no-expiry-" + kind;
        String topic = "resume-no-expiry/" + kind;
        leaveAPersistentSession(b, clientId, topic);
        try (Wire pub = Wire.connect5(b.otherPort, clientId + "-pub");
             Wire observer = Wire.connect5(b.port, clientId + "-observer")) {
            observer.subscribe(topic, 2);
            pub.publish(topic, 0, false, "qos 0");
            pub.publish(topic, 1, false, "qos 1");
            pub.publish(topic, 2, false, "qos 2");
            // Deliveries are asynchronous: once the observer on the session's gateway has all three,
            // the parked session has been offered them too.
            assertThat(observer.receive(3, ANSWER)).hasSize(3);
        }
        try (Wire back = Wire.connect5(b.otherPort, clientId, false, new byte[0])) {
            assertThat(back.connack.sessionPresent()).as("Session Present").isTrue();
            assertThat(back.receive(2, ANSWER)).extracting(p -> p.text() + " at QoS " + p.qos())
                    .containsExactly("qos 1 at QoS 1", "qos 2 at QoS 2");
            back.send(Wire.disconnect5(0, new byte[0]));
        }
    }

    /**
     * MQTT 5.0 section 3.1.2.11.2: a session resumed by a connection without a Session Expiry
     * Interval ends when that connection closes, and nothing of it stays behind: a later clean
     * start 0 finds no session (on either gateway of the cluster), a message published afterwards
     * is queued for nobody, and the cluster's offline queue for the client is gone.
     */
    @ParameterizedTest
    @EnumSource(Broker.Kind.class)
    void section_3_1_2_11_2_v5_aSessionResumedWithoutSessionExpiryEndsWithThatConnection(Broker.Kind kind) throws Exception {
        Broker b = Broker.of(kind, broker);
        String clientId = "s5-resumed-ends-" + kind;
        String topic = "resumed-ends/" + kind;
        leaveAPersistentSession(b, clientId, topic);
        try (Wire back = Wire.connect5(b.otherPort, clientId, false, new byte[0])) {
            assertThat(back.connack.sessionPresent()).as("Session Present").isTrue();
            assertThat(back.subscribe(topic + "/more", 1)).isEqualTo(1);
            back.send(Wire.disconnect5(0, new byte[0]));
            assertThat(back.awaitClose(ANSWER).closed()).isTrue();
        }
        try (Wire observer = Wire.connect5(b.port, clientId + "-observer"); Wire pub = Wire.connect5(b.otherPort, clientId + "-pub")) {
            observer.subscribe(topic, 1);
            pub.publish(topic, 1, false, "after the session ended");
            // Once the observer has it, the router has routed it, queuing included.
            assertThat(observer.receive(1, ANSWER)).hasSize(1);
        }
        // Not retried: a connection that found the session would resume it, and end it.
        for (int at : new int[] {b.port, b.otherPort}) {
            try (Wire again = Wire.connect5(at, clientId, false, new byte[0])) {
                assertThat(again.connack.sessionPresent()).as("Session Present at port %d", at).isFalse();
                assertThat(again.receive(1, QUIET)).as("queued for the ended session").isEmpty();
            }
        }
        if (b.redis != null) {
            assertThat(b.hasOfflineQueue(clientId)).as("offline queue in Redis").isFalse();
        }
    }

    /**
     * Connects with clean start 1 and Session Expiry Interval 99999, subscribes to the topic at QoS
     * 2 and disconnects normally, waiting until the broker has closed the connection. Before it
     * leaves, a message published through the other gateway reaches it: in the cluster the sessions
     * table reaches the other gateway asynchronously, and a client coming back there sooner than
     * that starts a new session (docs/architecture.md, Persistent sessions, loss window 2); the
     * message's way (gateway, bus, router, bus, gateway) is longer.
     */
    private static void leaveAPersistentSession(Broker b, String clientId, String topic) throws Exception {
        try (Wire w = Wire.connect5(b.port, clientId, true, sessionExpiry(99_999))) {
            assertThat(w.subscribe(topic, 2)).isEqualTo(2);
            try (Wire pub = Wire.connect5(b.otherPort, clientId + "-barrier")) {
                pub.publish(topic, 0, false, "barrier");
            }
            assertThat(w.receive(1, ANSWER)).extracting(Wire.Publish::text).containsExactly("barrier");
            w.send(Wire.disconnect5(0, new byte[0]));
            assertThat(w.awaitClose(ANSWER).closed()).as("closed after DISCONNECT").isTrue();
        }
    }

    /**
     * MQTT 5.0 [MQTT-4.1.0-2]: the server discards the session state once the connection is closed
     * and the Session Expiry Interval (1 s here) has passed.
     */
    @Test
    void mqtt_4_1_0_2_v5_sessionIsDiscardedAfterItsExpiryInterval() throws Exception {
        try (Wire w = Wire.connect5(port, "s5-expires", false, sessionExpiry(1))) {
            w.subscribe("expires/t", 1);
            w.send(Wire.disconnect5(0, new byte[0]));
            assertThat(w.awaitClose(ANSWER).closed()).isTrue();
        }
        try (Wire w = Wire.connect5(port, "s5-expires", false, sessionExpiry(1))) {
            assertThat(w.connack.sessionPresent()).as("still within the interval").isTrue();
            w.send(Wire.disconnect5(0, new byte[0]));
            assertThat(w.awaitClose(ANSWER).closed()).isTrue();
        }
        Thread.sleep(1600); // the interval, plus the expiry timer's own delay
        try (Wire w = Wire.connect5(port, "s5-expires", false, sessionExpiry(60))) {
            assertThat(w.connack.sessionPresent()).as("expired").isFalse();
        }
    }

    /**
     * MQTT 5.0 [MQTT-4.4.0-1]: unacknowledged PUBLISHes are re-sent (original packet id, DUP 1) when
     * the session resumes, and at no other time: not while the connection that got them is open.
     */
    @Test
    void mqtt_4_4_0_1_v5_resentOnResumptionAndNeverWithinAConnection() throws Exception {
        int packetId;
        try (Wire w = Wire.connect5(port, "s5-resend", false, sessionExpiry(60)); Wire pub = Wire.connect5(port, "s5-resend-pub")) {
            w.subscribe("resend5/t", 1);
            pub.publish("resend5/t", 1, false, "keep me");
            packetId = w.receive(1, ANSWER, false).get(0).packetId();
            assertThat(w.collect(QUIET.multipliedBy(3))).as("no retransmission within the connection").isEmpty();
        }
        try (Wire back = Wire.connect5(port, "s5-resend", false, sessionExpiry(60))) {
            assertThat(back.connack.sessionPresent()).isTrue();
            Wire.Publish again = back.receive(1, ANSWER, false).get(0);
            assertThat(again.packetId()).isEqualTo(packetId);
            assertThat(again.dup()).isTrue();
            back.send(Wire.ack5(0x40, packetId, 0x00));
            back.send(Wire.disconnect5(0, sessionExpiry(0)));
        }
    }

    /**
     * MQTT 5.0 [MQTT-4.4.0-2]: a PUBACK with a reason code of 0x80 or more still acknowledges the
     * PUBLISH: it is not re-sent, not even when the session resumes.
     */
    @Test
    void mqtt_4_4_0_2_v5_negativePubackStillAcknowledges() throws Exception {
        try (Wire w = Wire.connect5(port, "s5-negative", false, sessionExpiry(60)); Wire pub = Wire.connect5(port, "s5-negative-pub")) {
            w.subscribe("negative/t", 1);
            pub.publish("negative/t", 1, false, "refused by the client");
            Wire.Packet publish = w.expect(PUBLISH);
            w.send(Wire.ack5(0x40, publish.publish().packetId(), 0x80));
            assertThat(w.collect(QUIET)).isEmpty();
        }
        try (Wire back = Wire.connect5(port, "s5-negative", false, sessionExpiry(60))) {
            assertThat(back.connack.sessionPresent()).isTrue();
            List<Wire.Packet> got = back.collect(QUIET);
            assertThat(got).as("not re-sent").noneMatch(p -> p.type() == PUBLISH);
            back.send(Wire.disconnect5(0, sessionExpiry(0)));
        }
    }
}
