package io.kmqtt.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.kmqtt.testinfra.FreePorts;
import io.kmqtt.testinfra.RedisServer;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Persistent sessions across the cluster (MQTT 3.1.1 clean session 0, MQTT 5 Session Expiry
 * Interval): the packaged gateways and router as processes, real Kafka, real Redis for the offline
 * queues, real clients (Paho for 3.1.1, HiveMQ for 5) and raw bytes where a library hides what is
 * tested (packet ids and DUP of resent messages).
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class PersistentSessionsIT {

    private static final int MAX_QUEUED = 50;

    private static Cluster cluster;
    private static RedisServer redis;
    private static Cluster.Gateway gw1;
    private static Cluster.Gateway gw2;
    private static int routerHttp;

    @BeforeAll
    static void startCluster() throws Exception {
        redis = RedisServer.start();
        cluster = new Cluster(SharedKafka.bootstrapServers())
                .withEnv("SESSION_REDIS_URL", redis.url())
                .withEnv("SESSION_REDIS_KEY_PREFIX", "it:")
                .withEnv("SESSION_MAX_QUEUED_MESSAGES", Integer.toString(MAX_QUEUED));
        routerHttp = FreePorts.find();
        cluster.startRouter("router-1", Map.of("QUARKUS_HTTP_PORT", Integer.toString(routerHttp)));
        gw1 = cluster.startGateway("gw-1");
        gw2 = cluster.startGateway("gw-2");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    // ---- MQTT 3.1.1 -----------------------------------------------------------------------

    /** MQTT-3.1.2-4, MQTT-3.1.2-5, MQTT-3.2.2-2: the session outlives the connection and follows the client. */
    @Test
    void mqtt311SessionFollowsTheClientToAnotherGateway() throws Exception {
        Paho sub = new Paho(gw1.port(), "p311-sub");
        assertThat(sub.connect(false)).as("no session yet").isFalse();
        sub.client.subscribe("ps311/#", 2);
        sub.client.disconnect();

        Mqtt5BlockingClient pub = Clients.connect(gw2.port(), "p311-pub");
        Clients.publish(pub, "ps311/a", "q1-1", MqttQos.AT_LEAST_ONCE);
        Clients.publish(pub, "ps311/b", "q2-1", MqttQos.EXACTLY_ONCE);
        Clients.publish(pub, "ps311/a", "q0-not-kept", MqttQos.AT_MOST_ONCE);
        Clients.publish(pub, "ps311/a", "q1-2", MqttQos.AT_LEAST_ONCE);

        Paho back = new Paho(gw2.port(), "p311-sub");
        assertThat(back.connect(false)).as("session present at the other gateway").isTrue();
        // Per topic in publish order; topics in different shards are not ordered with each other.
        assertThat(back.await(3, Duration.ofSeconds(15))).containsExactlyInAnyOrder("q1-1", "q2-1", "q1-2")
                .containsSubsequence("q1-1", "q1-2");

        // Its subscription came back with it: live messages arrive without subscribing again.
        Clients.publish(pub, "ps311/c", "live", MqttQos.AT_LEAST_ONCE);
        assertThat(back.await(1, Duration.ofSeconds(15))).containsExactly("live");
        assertThat(back.await(1, Duration.ofMillis(500))).as("nothing twice").isEmpty();
        back.client.disconnect();

        // A clean session discards it (MQTT-3.1.2-6).
        Clients.publish(pub, "ps311/a", "for-the-old-session", MqttQos.AT_LEAST_ONCE);
        Paho clean = new Paho(gw1.port(), "p311-sub");
        assertThat(clean.connect(true)).isFalse();
        clean.client.disconnect();
        Paho again = new Paho(gw1.port(), "p311-sub");
        again.connect(false);
        Clients.publish(pub, "ps311/a", "after-discard", MqttQos.AT_LEAST_ONCE);
        assertThat(again.await(1, Duration.ofSeconds(2))).as("neither queued nor subscribed").isEmpty();
        again.client.disconnect();
        pub.disconnect();
    }

    // ---- MQTT 5 ---------------------------------------------------------------------------

    /** Messages published while the client is away keep their order, properties and a decremented expiry. */
    @Test
    void mqtt5SessionResumesOnTheSameGatewayWithPropertiesAndExpiry() throws Exception {
        V5 sub = new V5(gw1.port(), "p5-sub");
        assertThat(sub.connect(false, 300).isSessionPresent()).isFalse();
        sub.client.subscribeWith().topicFilter("ps5/#").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.client.disconnect();

        Mqtt5BlockingClient pub = Clients.connect(gw2.port(), "p5-pub");
        pub.publishWith().topic("ps5/x").payload("with-props".getBytes(StandardCharsets.UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE).messageExpiryInterval(120).contentType("text/plain")
                .userProperties().add("k", "v").applyUserProperties().send();
        pub.publishWith().topic("ps5/x").payload("expires".getBytes(StandardCharsets.UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE).messageExpiryInterval(1).send();
        Thread.sleep(2_100);

        V5 back = new V5(gw1.port(), "p5-sub");
        assertThat(back.connect(false, 300).isSessionPresent()).isTrue();
        List<Mqtt5Publish> got = back.await(1, Duration.ofSeconds(15));
        assertThat(got).hasSize(1);
        Mqtt5Publish p = got.get(0);
        assertThat(Clients.text(p)).isEqualTo("with-props");
        assertThat(p.getContentType()).hasValueSatisfying(t -> assertThat(t.toString()).isEqualTo("text/plain"));
        assertThat(p.getUserProperties().asList()).hasSize(1);
        assertThat(p.getMessageExpiryInterval()).as("an expiry").isPresent();
        assertThat(p.getMessageExpiryInterval().getAsLong()).as("decremented while it waited").isBetween(100L, 118L);
        assertThat(back.await(1, Duration.ofMillis(700))).as("the expired message is not delivered").isEmpty();
        back.client.disconnect();
        pub.disconnect();
    }

    /** MQTT 5.0 section 3.1.2.11.2: the session ends when its Session Expiry Interval has passed. */
    @Test
    void sessionExpiryIsHonoured() throws Exception {
        V5 sub = new V5(gw1.port(), "p5-expiring");
        sub.connect(false, 2);
        sub.client.subscribeWith().topicFilter("psx/#").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.client.disconnect();
        Thread.sleep(3_000);

        Mqtt5BlockingClient pub = Clients.connect(gw2.port(), "psx-pub");
        Clients.publish(pub, "psx/a", "too-late", MqttQos.AT_LEAST_ONCE);
        V5 back = new V5(gw2.port(), "p5-expiring");
        assertThat(back.connect(false, 2).isSessionPresent()).as("expired").isFalse();
        assertThat(back.await(1, Duration.ofSeconds(2))).isEmpty();
        back.client.disconnect();
        pub.disconnect();
    }

    /** The offline queue keeps the newest messages up to its bound; the oldest are dropped and counted. */
    @Test
    void offlineQueueIsBoundedAndDropsTheOldest() throws Exception {
        V5 sub = new V5(gw1.port(), "p5-bounded");
        sub.connect(false, 300);
        sub.client.subscribeWith().topicFilter("psq/#").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.client.disconnect();
        double droppedBefore = Scrape.of(gw1.httpPort()).value("mqtt_messages_dropped_total", "reason", "queue_full");

        Mqtt5BlockingClient pub = Clients.connect(gw2.port(), "psq-pub");
        int sent = MAX_QUEUED + 30;
        for (int i = 0; i < sent; i++) {
            Clients.publish(pub, "psq/a", "m" + i, MqttQos.AT_LEAST_ONCE);
        }
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(Scrape.of(gw1.httpPort()).value("mqtt_messages_dropped_total", "reason", "queue_full")
                        - droppedBefore).isEqualTo(30));

        V5 back = new V5(gw2.port(), "p5-bounded");
        back.connect(false, 300);
        List<String> got = back.await(MAX_QUEUED, Duration.ofSeconds(15)).stream().map(Clients::text).toList();
        assertThat(got).hasSize(MAX_QUEUED);
        assertThat(got.get(0)).isEqualTo("m30");
        assertThat(got.get(MAX_QUEUED - 1)).isEqualTo("m" + (sent - 1));
        back.client.disconnect();
        pub.disconnect();
    }

    /** Takeover on another gateway: the old connection gets 0x8E, the session moves with what it was owed. */
    @Test
    void takeoverMovesTheSession() throws Exception {
        V5 first = new V5(gw1.port(), "p5-moving");
        first.connect(false, 300);
        first.client.subscribeWith().topicFilter("psm/#").qos(MqttQos.AT_LEAST_ONCE).send();

        V5 second = new V5(gw2.port(), "p5-moving");
        assertThat(second.connect(false, 300).isSessionPresent()).isTrue();
        await().atMost(Duration.ofSeconds(1)).until(() -> !first.client.getState().isConnected());

        Mqtt5BlockingClient pub = Clients.connect(gw1.port(), "psm-pub");
        Clients.publish(pub, "psm/a", "to-the-new-connection", MqttQos.AT_LEAST_ONCE);
        assertThat(second.await(1, Duration.ofSeconds(15)).stream().map(Clients::text))
                .containsExactly("to-the-new-connection");
        second.client.disconnect();
        pub.disconnect();
    }

    /**
     * MQTT-4.4.0-1 and MQTT-3.3.1-1: on resumption, unacknowledged PUBLISHes are sent again with
     * their original packet ids and DUP set, and an unfinished QoS 2 delivery continues with PUBREL.
     */
    @Test
    void inflightMessagesAreResentWithTheirPacketIdsAfterMovingGateway() throws Exception {
        byte[] subscribe = RawMqtt.packet(0x82, RawMqtt.u16(1), RawMqtt.str("psi/#"), new byte[]{2});
        try (RawMqtt raw = new RawMqtt(gw1.port())) {
            raw.send(connect311Persistent("p311-raw")).read(4, Duration.ofSeconds(5));
            raw.send(subscribe).read(5, Duration.ofSeconds(5));
            Mqtt5BlockingClient pub = Clients.connect(gw2.port(), "psi-pub");
            Clients.publish(pub, "psi/q1", "one", MqttQos.AT_LEAST_ONCE);
            Clients.publish(pub, "psi/q2", "two", MqttQos.EXACTLY_ONCE);
            pub.disconnect();

            List<byte[]> publishes = raw.readPackets(2, Duration.ofSeconds(15));
            int q1Id = packetId(publishes.get(0), "psi/q1");
            int q2Id = packetId(publishes.get(1), "psi/q2");
            assertThat(publishes.get(0)[0] & 0x08).as("first send: DUP clear").isZero();
            // No PUBACK for "one"; PUBREC for "two", and the broker's PUBREL is never completed.
            raw.send(RawMqtt.packet(0x50, RawMqtt.u16(q2Id)));
            List<byte[]> pubrel = raw.readPackets(1, Duration.ofSeconds(5));
            assertThat(pubrel.get(0)[0] & 0xFF).isEqualTo(0x62);
            raw.close();

            try (RawMqtt again = new RawMqtt(gw2.port())) {
                byte[] connack = again.send(connect311Persistent("p311-raw")).read(4, Duration.ofSeconds(5));
                assertThat(connack[2]).as("session present").isEqualTo((byte) 1);
                List<byte[]> resent = again.readPackets(2, Duration.ofSeconds(15));
                assertThat(resent.get(0)[0] & 0xFF).as("PUBLISH QoS 1 with DUP").isEqualTo(0x3A);
                assertThat(packetId(resent.get(0), "psi/q1")).isEqualTo(q1Id);
                assertThat(resent.get(1)[0] & 0xFF).as("PUBREL").isEqualTo(0x62);
                assertThat(((resent.get(1)[1] & 0xFF) << 8) | (resent.get(1)[2] & 0xFF)).isEqualTo(q2Id);
                again.send(RawMqtt.packet(0x40, RawMqtt.u16(q1Id)));
                again.send(RawMqtt.packet(0x70, RawMqtt.u16(q2Id)));
                // Acknowledged: a later resumption owes nothing.
                again.send(new byte[]{(byte) 0xE0, 0});
            }
            try (RawMqtt third = new RawMqtt(gw1.port())) {
                third.send(connect311Persistent("p311-raw")).read(4, Duration.ofSeconds(5));
                assertThat(third.readUntilClosed(Duration.ofSeconds(2)).received()).as("nothing owed").isEmpty();
            }
        }
    }

    /**
     * The gateway holding a session is killed with SIGKILL. Messages published before the routers
     * see it dead were routed to it and never read: the gateway resuming the session reads them from
     * the dead gateway's delivery channel. Messages published after are queued by the routers.
     */
    @Test
    void sessionSurvivesAKillOfItsGateway() throws Exception {
        Cluster.Gateway doomed = cluster.startGateway("gw-doomed");
        V5 sub = new V5(doomed.port(), "p5-orphan");
        sub.connect(false, 300);
        sub.client.subscribeWith().topicFilter("psk/#").qos(MqttQos.AT_LEAST_ONCE).send();
        await().atMost(Duration.ofSeconds(15)).until(() -> liveGateways() == 3);
        Thread.sleep(1_500); // the doomed gateway records its read position every second

        doomed.process().kill();
        Mqtt5BlockingClient pub = Clients.connect(gw1.port(), "psk-pub");
        for (int i = 0; i < 3; i++) {
            Clients.publish(pub, "psk/a", "before-detection-" + i, MqttQos.AT_LEAST_ONCE);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> liveGateways() == 2);
        for (int i = 0; i < 3; i++) {
            Clients.publish(pub, "psk/a", "after-detection-" + i, MqttQos.AT_LEAST_ONCE);
        }
        V5 back = new V5(gw2.port(), "p5-orphan");
        assertThat(back.connect(false, 300).isSessionPresent()).isTrue();
        assertThat(back.await(6, Duration.ofSeconds(15)).stream().map(Clients::text)).containsExactly(
                "before-detection-0", "before-detection-1", "before-detection-2",
                "after-detection-0", "after-detection-1", "after-detection-2");
        Clients.publish(pub, "psk/a", "live", MqttQos.AT_LEAST_ONCE);
        assertThat(back.await(1, Duration.ofSeconds(15)).stream().map(Clients::text)).containsExactly("live");
        assertThat(back.await(1, Duration.ofMillis(500))).as("nothing twice").isEmpty();
        back.client.disconnect();
        pub.disconnect();
        sub.client.toAsync().disconnect();
    }

    /** The client comes back at once, before the routers notice its gateway died: nothing is lost either. */
    @Test
    void sessionResumesElsewhereBeforeTheKillIsNoticed() throws Exception {
        Cluster.Gateway doomed = cluster.startGateway("gw-doomed-2");
        V5 sub = new V5(doomed.port(), "p5-quick");
        sub.connect(false, 300);
        sub.client.subscribeWith().topicFilter("psq2/#").qos(MqttQos.AT_LEAST_ONCE).send();
        Thread.sleep(2_500); // routes read; the doomed gateway records its read position every second

        doomed.process().kill();
        Mqtt5BlockingClient pub = Clients.connect(gw1.port(), "psq2-pub");
        Clients.publish(pub, "psq2/a", "routed-to-the-dead-0", MqttQos.AT_LEAST_ONCE);
        Clients.publish(pub, "psq2/a", "routed-to-the-dead-1", MqttQos.AT_LEAST_ONCE);
        V5 back = new V5(gw2.port(), "p5-quick");
        assertThat(back.connect(false, 300).isSessionPresent()).isTrue();
        Clients.publish(pub, "psq2/a", "while-resuming", MqttQos.AT_LEAST_ONCE);
        assertThat(back.await(3, Duration.ofSeconds(15)).stream().map(Clients::text)).containsExactly(
                "routed-to-the-dead-0", "routed-to-the-dead-1", "while-resuming");
        assertThat(back.await(1, Duration.ofMillis(500))).as("nothing twice").isEmpty();
        back.client.disconnect();
        pub.disconnect();
        sub.client.toAsync().disconnect();
    }

    /**
     * Redis, which holds the offline queues, goes down: messages for a disconnected session are
     * counted as lost (store_unavailable), nothing crashes, and once Redis is back the session
     * resumes with its subscriptions and queues again.
     */
    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
    void aRedisOutageLosesOnlyWhatCouldNotBeQueued() throws Exception {
        V5 sub = new V5(gw1.port(), "p5-redis-outage");
        sub.connect(false, 300);
        sub.client.subscribeWith().topicFilter("psr/#").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.client.disconnect();
        double failedBefore = Scrape.of(gw1.httpPort()).value("mqtt_messages_dropped_total", "reason", "store_unavailable");

        redis.kill();
        Mqtt5BlockingClient pub = Clients.connect(gw2.port(), "psr-pub");
        Clients.publish(pub, "psr/a", "during-outage", MqttQos.AT_LEAST_ONCE);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                Scrape.of(gw1.httpPort()).value("mqtt_messages_dropped_total", "reason", "store_unavailable") - failedBefore)
                .isEqualTo(1));
        redis.restart();

        Clients.publish(pub, "psr/a", "after-outage", MqttQos.AT_LEAST_ONCE);
        V5 back = new V5(gw2.port(), "p5-redis-outage");
        assertThat(back.connect(false, 300).isSessionPresent()).isTrue();
        assertThat(back.await(1, Duration.ofSeconds(15)).stream().map(Clients::text)).containsExactly("after-outage");
        Clients.publish(pub, "psr/b", "live", MqttQos.AT_LEAST_ONCE);
        assertThat(back.await(1, Duration.ofSeconds(15)).stream().map(Clients::text)).containsExactly("live");
        back.client.disconnect();
        pub.disconnect();
    }

    // ---- helpers --------------------------------------------------------------------------

    private static double liveGateways() throws Exception {
        return Scrape.of(routerHttp).value("router_gateways_live");
    }

    /** MQTT 3.1.1 CONNECT, clean session 0, keepalive 60. */
    private static byte[] connect311Persistent(String clientId) {
        return RawMqtt.packet(0x10, RawMqtt.str("MQTT"), new byte[]{4, 0x00, 0, 60}, RawMqtt.str(clientId));
    }

    /** The packet id of a QoS 1 or 2 PUBLISH to this topic, as {@link RawMqtt#readPackets} returns it. */
    private static int packetId(byte[] publish, String topic) {
        int at = 1 + 2 + topic.getBytes(StandardCharsets.UTF_8).length; // first byte, topic length, topic
        assertThat(new String(publish, 3, at - 3, StandardCharsets.UTF_8)).isEqualTo(topic);
        return ((publish[at] & 0xFF) << 8) | (publish[at + 1] & 0xFF);
    }

    /** An MQTT 3.1.1 client (Eclipse Paho) that collects payloads. */
    private static final class Paho {
        final MqttClient client;
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();

        Paho(int port, String clientId) throws Exception {
            client = new MqttClient("tcp://127.0.0.1:" + port, clientId, new MemoryPersistence());
            client.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    received.add(new String(message.getPayload(), StandardCharsets.UTF_8));
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
        }

        /** Connects; returns Session Present. */
        boolean connect(boolean cleanSession) throws Exception {
            MqttConnectOptions options = new MqttConnectOptions();
            options.setCleanSession(cleanSession);
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            options.setAutomaticReconnect(false);
            return client.connectWithResult(options).getSessionPresent();
        }

        List<String> await(int n, Duration timeout) throws InterruptedException {
            return Clients.take(received, n, timeout);
        }
    }

    /** An MQTT 5 client (HiveMQ) that collects from before it connects, so that nothing sent at once is missed. */
    private static final class V5 {
        final Mqtt5BlockingClient client;
        final BlockingQueue<Mqtt5Publish> received = new LinkedBlockingQueue<>();

        V5(int port, String clientId) {
            client = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port).buildBlocking();
            client.toAsync().publishes(MqttGlobalPublishFilter.ALL, received::add);
        }

        Mqtt5ConnAck connect(boolean cleanStart, long sessionExpirySeconds) {
            return client.connectWith().cleanStart(cleanStart).sessionExpiryInterval(sessionExpirySeconds).keepAlive(30).send();
        }

        List<Mqtt5Publish> await(int n, Duration timeout) throws InterruptedException {
            return Clients.take(received, n, timeout);
        }
    }
}
