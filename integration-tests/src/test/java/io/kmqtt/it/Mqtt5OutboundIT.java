package io.kmqtt.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the broker adds to what it sends an MQTT 5 client: Subscription Identifiers (live, retained
 * and after a session resumes), topic aliases towards the client, and Server Keep Alive. Against
 * the standalone broker, with the HiveMQ client and raw bytes where the client hides the wire.
 */
class Mqtt5OutboundIT {

    private static final int MAX_KEEP_ALIVE = 20;

    private static ChildProcess broker;
    private static int port;

    @BeforeAll
    static void startBroker() throws Exception {
        port = FreePorts.find();
        broker = StandaloneBroker.start("mqtt5-outbound", port,
                Map.of("MQTT_MAX_KEEP_ALIVE", Integer.toString(MAX_KEEP_ALIVE), "MQTT_RECEIVE_MAXIMUM", "2"));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.stop();
        }
    }

    /** MQTT-3.3.4-3: a message carries the Subscription Identifiers of every subscription it matched. */
    @Test
    void subscriptionIdentifiersGoWithLiveAndRetainedMessages() throws Exception {
        Mqtt5BlockingClient pub = Clients.connect(port, "si-pub");
        pub.publishWith().topic("si/a/b").payload("retained".getBytes()).retain(true).qos(MqttQos.AT_LEAST_ONCE).send();
        try (RawMqtt sub = new RawMqtt(port)) {
            connect(sub, "si-sub", true, 0);
            subscribe(sub, 1, "si/a/#", 0);
            Publish retained = nextPublish(sub);
            assertThat(retained.payload).isEqualTo("retained");
            assertThat(retained.subscriptionIds).as("no identifier was given").isEmpty();
            subscribe(sub, 2, "si/a/+", 7);
            assertThat(nextPublish(sub).subscriptionIds).as("retained, for the subscription with identifier 7")
                    .containsExactly(7);
            subscribe(sub, 3, "si/#", 268_435_455);
            assertThat(nextPublish(sub).subscriptionIds).containsExactly(268_435_455);

            Clients.publish(pub, "si/a/b", "live", MqttQos.AT_MOST_ONCE);
            Publish live = nextPublish(sub);
            assertThat(live.payload).isEqualTo("live");
            assertThat(live.subscriptionIds).as("every matching subscription's identifier, once each")
                    .containsExactlyInAnyOrder(7, 268_435_455);
            Clients.publish(pub, "si/x", "one-match", MqttQos.AT_MOST_ONCE);
            Publish other = nextPublish(sub);
            assertThat(other.payload).as("delivered once, not once per subscription").isEqualTo("one-match");
            assertThat(other.subscriptionIds).containsExactly(268_435_455);
        }
        pub.publishWith().topic("si/a/b").retain(true).payload(new byte[0]).send();
        pub.disconnect();
    }

    /** A persistent session keeps its subscriptions' identifiers; queued messages carry them. */
    @Test
    void subscriptionIdentifiersSurviveASessionResumption() throws Exception {
        try (RawMqtt sub = new RawMqtt(port)) {
            connect(sub, "si-persistent", true, 60);
            subscribe(sub, 1, "sip/#", 42);
            sub.send(new byte[]{(byte) 0xE0, 0});
        }
        Mqtt5BlockingClient pub = Clients.connect(port, "sip-pub");
        Clients.publish(pub, "sip/x", "while-away", MqttQos.AT_LEAST_ONCE);
        try (RawMqtt back = new RawMqtt(port)) {
            assertThat(connect(back, "si-persistent", false, 60)).as("session present").isTrue();
            Publish queued = nextPublish(back);
            assertThat(queued.payload).isEqualTo("while-away");
            assertThat(queued.subscriptionIds).containsExactly(42);
            back.send(RawMqtt.packet(0x40, RawMqtt.u16(queued.packetId)));
            Clients.publish(pub, "sip/x", "live", MqttQos.AT_MOST_ONCE);
            assertThat(nextPublish(back).subscriptionIds).containsExactly(42);
            back.send(new byte[]{(byte) 0xE0, 0});
        }
        pub.disconnect();
    }

    /**
     * MQTT 5.0 section 3.3.2.3.4: towards a client that allows topic aliases, the first PUBLISH to
     * a topic sets an alias and later ones send an empty topic with that alias.
     */
    @Test
    void topicAliasesTowardsTheClient() throws Exception {
        byte[] topicAliasMaximum3 = {0x22, 0, 3};
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(RawMqtt.connect5("alias-out", topicAliasMaximum3));
            byte[] connack = raw.read(2, Duration.ofSeconds(5));
            raw.read(connack[1], Duration.ofSeconds(5));
            raw.send(RawMqtt.packet(0x82, RawMqtt.u16(1), new byte[]{0}, RawMqtt.str("ta/#"), new byte[]{0}));
            byte[] suback = raw.read(2, Duration.ofSeconds(5));
            raw.read(suback[1], Duration.ofSeconds(5));

            Mqtt5BlockingClient pub = Clients.connect(port, "alias-out-pub");
            for (String topic : List.of("ta/one", "ta/one", "ta/two", "ta/one")) {
                Clients.publish(pub, topic, topic, MqttQos.AT_MOST_ONCE);
            }
            pub.disconnect();

            List<byte[]> publishes = raw.readPackets(4, Duration.ofSeconds(10));
            // PUBLISH QoS 0: topic length(2) topic, properties length, properties, payload
            assertThat(topicOf(publishes.get(0))).isEqualTo("ta/one");
            assertThat(aliasOf(publishes.get(0))).isEqualTo(1);
            assertThat(topicOf(publishes.get(1))).as("alias only").isEmpty();
            assertThat(aliasOf(publishes.get(1))).isEqualTo(1);
            assertThat(topicOf(publishes.get(2))).isEqualTo("ta/two");
            assertThat(aliasOf(publishes.get(2))).isEqualTo(2);
            assertThat(topicOf(publishes.get(3))).isEmpty();
            assertThat(aliasOf(publishes.get(3))).isEqualTo(1);
        }
    }

    /** The HiveMQ client resolves the aliases the broker sets: every message arrives with its topic. */
    @Test
    void aClientLibraryResolvesTheAliases() throws Exception {
        Mqtt5BlockingClient client = Mqtt5Client.builder().identifier("alias-lib").serverHost("127.0.0.1").serverPort(port)
                .buildBlocking();
        BlockingQueue<Mqtt5Publish> received = new LinkedBlockingQueue<>();
        client.toAsync().publishes(MqttGlobalPublishFilter.ALL, received::add);
        client.connectWith().restrictions().topicAliasMaximum(2).applyRestrictions().send();
        client.subscribeWith().topicFilter("tal/#").send();
        Mqtt5BlockingClient pub = Clients.connect(port, "alias-lib-pub");
        List<String> topics = List.of("tal/a", "tal/b", "tal/c", "tal/a", "tal/b", "tal/c", "tal/a");
        for (String t : topics) {
            Clients.publish(pub, t, t, MqttQos.AT_LEAST_ONCE);
        }
        for (String t : topics) {
            Mqtt5Publish p = received.poll(10, TimeUnit.SECONDS);
            assertThat(p).isNotNull();
            assertThat(p.getTopic().toString()).isEqualTo(t);
            assertThat(Clients.text(p)).isEqualTo(t);
        }
        client.disconnect();
        pub.disconnect();
    }

    /** MQTT-3.2.2-21: a longer keep alive, or none, is replaced by the Server Keep Alive. */
    @Test
    void serverKeepAliveCapsTheClientsKeepAlive() {
        for (int asked : new int[] {60, 0}) {
            Mqtt5BlockingClient client = Mqtt5Client.builder().identifier("ka-" + asked).serverHost("127.0.0.1")
                    .serverPort(port).buildBlocking();
            Mqtt5ConnAck ack = client.connectWith().keepAlive(asked).send();
            assertThat(ack.getServerKeepAlive()).hasValue(MAX_KEEP_ALIVE);
            client.disconnect();
        }
        Mqtt5BlockingClient within = Mqtt5Client.builder().identifier("ka-10").serverHost("127.0.0.1").serverPort(port)
                .buildBlocking();
        assertThat(within.connectWith().keepAlive(10).send().getServerKeepAlive()).as("already within").isEmpty();
        within.disconnect();
    }

    /**
     * MQTT 5.0 section 4.9, flow control towards the broker: CONNACK announces the gateway's
     * Receive Maximum, and one more unfinished QoS 1/2 PUBLISH is answered with DISCONNECT 0x93.
     */
    @Test
    void receiveMaximumOfTheGatewayIsAnnouncedAndEnforced() throws Exception {
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(RawMqtt.connect5("rm-client", new byte[0]));
            byte[] connack = raw.readPackets(1, Duration.ofSeconds(10)).get(0);
            assertThat(indexOf(connack, new byte[]{0x21, 0, 2})).as("Receive Maximum 2 in CONNACK").isPositive();
            for (int id = 1; id <= 2; id++) {
                // QoS 2 without PUBREL: each stays unfinished.
                raw.send(RawMqtt.publish5(0x04, RawMqtt.str("rm/t"), RawMqtt.u16(id), new byte[0], new byte[]{1}));
                assertThat(raw.readPackets(1, Duration.ofSeconds(10)).get(0)[0] & 0xFF).as("PUBREC").isEqualTo(0x50);
            }
            // A repeat of an unfinished one is allowed (it is not a new exchange).
            raw.send(RawMqtt.publish5(0x04 | 0x08, RawMqtt.str("rm/t"), RawMqtt.u16(2), new byte[0], new byte[]{1}));
            assertThat(raw.readPackets(1, Duration.ofSeconds(10)).get(0)[0] & 0xFF).as("PUBREC again").isEqualTo(0x50);
            raw.send(RawMqtt.publish5(0x04, RawMqtt.str("rm/t"), RawMqtt.u16(3), new byte[0], new byte[]{1}));
            byte[] disconnect = raw.readPackets(1, Duration.ofSeconds(10)).get(0);
            assertThat(disconnect[0] & 0xFF).as("DISCONNECT").isEqualTo(0xE0);
            assertThat(disconnect[1] & 0xFF).as("0x93 Receive Maximum exceeded").isEqualTo(0x93);
        }
    }

    /**
     * A client over the gateway's Receive Maximum gets DISCONNECT 0x93 while the acknowledgements of
     * its earlier PUBLISHes (a PUBACK, a PUBREC) are still on their way from the bus: those are not
     * written to the closed connection, and nothing about them is logged above DEBUG. (They were
     * written, and each failure logged an ERROR with a stack trace.)
     */
    @Test
    void acknowledgementsPendingWhenReceiveMaximumIsExceededAreNeitherWrittenNorLogged() throws Exception {
        int logBefore = broker.log().length();
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(RawMqtt.connect5("rm-pending", new byte[0]));
            assertThat(raw.readPackets(1, Duration.ofSeconds(10)).get(0)[0] & 0xFF).as("CONNACK").isEqualTo(0x20);
            // One write: the third PUBLISH is read before the bus has confirmed the first two.
            raw.send(RawMqtt.concat(
                    RawMqtt.publish5(0x02, RawMqtt.str("rm/pending"), RawMqtt.u16(1), new byte[0], new byte[]{1}),
                    RawMqtt.publish5(0x04, RawMqtt.str("rm/pending"), RawMqtt.u16(2), new byte[0], new byte[]{2}),
                    RawMqtt.publish5(0x02, RawMqtt.str("rm/pending"), RawMqtt.u16(3), new byte[0], new byte[]{3})));
            RawMqtt.Outcome outcome = raw.readUntilClosed(Duration.ofSeconds(10));
            List<byte[]> packets = RawMqtt.packets(outcome.received());
            assertThat(packets).as("only the DISCONNECT, nothing after it").hasSize(1);
            assertThat(packets.get(0)[0] & 0xFF).as("DISCONNECT").isEqualTo(0xE0);
            assertThat(packets.get(0)[2] & 0xFF).as("0x93 Receive Maximum exceeded").isEqualTo(0x93);
            assertThat(outcome.closed()).isTrue();
        }
        // The acknowledgements complete right after the DISCONNECT, on the connection's event loop.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(broker.log().substring(logBefore)).doesNotContain("ERROR", "Exception", "\tat "));
        assertThat(broker.log().substring(logBefore)).contains("0x93");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    // ---- helpers --------------------------------------------------------------------------

    /** An MQTT 5 CONNECT (keep alive 60, optional Session Expiry Interval); returns Session Present. */
    private static boolean connect(RawMqtt raw, String clientId, boolean cleanStart, int sessionExpiry) throws Exception {
        byte[] props = sessionExpiry == 0 ? new byte[0]
                : new byte[]{0x11, (byte) (sessionExpiry >>> 24), (byte) (sessionExpiry >>> 16), (byte) (sessionExpiry >>> 8),
                        (byte) sessionExpiry};
        raw.send(RawMqtt.packet(0x10, RawMqtt.str("MQTT"), new byte[]{5, (byte) (cleanStart ? 0x02 : 0x00), 0, 60},
                RawMqtt.varInt(props.length), props, RawMqtt.str(clientId)));
        byte[] connack = raw.readPackets(1, Duration.ofSeconds(10)).get(0);
        assertThat(connack[0] & 0xFF).as("CONNACK").isEqualTo(0x20);
        assertThat(connack[2]).as("reason code").isZero();
        return connack[1] == 1;
    }

    /** SUBSCRIBE at QoS 1 with a Subscription Identifier (0: none); waits for its SUBACK. */
    private static void subscribe(RawMqtt raw, int packetId, String filter, int id) throws Exception {
        byte[] props = id == 0 ? new byte[0] : RawMqtt.concat(new byte[]{0x0B}, RawMqtt.varInt(id));
        raw.send(RawMqtt.packet(0x82, RawMqtt.u16(packetId), RawMqtt.varInt(props.length), props, RawMqtt.str(filter),
                new byte[]{1}));
        byte[] suback = raw.readPackets(1, Duration.ofSeconds(10)).get(0);
        assertThat(suback[0] & 0xFF).as("SUBACK").isEqualTo(0x90);
    }

    private record Publish(String topic, int packetId, String payload, List<Integer> subscriptionIds) {
    }

    /** Reads the next packet, which must be a PUBLISH, and decodes what the tests look at. */
    private static Publish nextPublish(RawMqtt raw) throws Exception {
        byte[] p = raw.readPackets(1, Duration.ofSeconds(10)).get(0);
        assertThat(p[0] & 0xF0).as("PUBLISH").isEqualTo(0x30);
        int qos = (p[0] >> 1) & 3;
        int at = 1;
        int topicLength = ((p[at] & 0xFF) << 8) | (p[at + 1] & 0xFF);
        String topic = new String(p, at + 2, topicLength, java.nio.charset.StandardCharsets.UTF_8);
        at += 2 + topicLength;
        int packetId = 0;
        if (qos > 0) {
            packetId = ((p[at] & 0xFF) << 8) | (p[at + 1] & 0xFF);
            at += 2;
        }
        int[] propsLength = varInt(p, at);
        at = propsLength[1];
        int end = at + propsLength[0];
        List<Integer> ids = new java.util.ArrayList<>();
        while (at < end) {
            int id = p[at++] & 0xFF;
            switch (id) {
                case 0x0B -> {
                    int[] v = varInt(p, at);
                    ids.add(v[0]);
                    at = v[1];
                }
                case 0x01 -> at += 1;
                case 0x02 -> at += 4;
                case 0x23 -> at += 2;
                case 0x03, 0x08, 0x09 -> at += 2 + (((p[at] & 0xFF) << 8) | (p[at + 1] & 0xFF));
                case 0x26 -> {
                    at += 2 + (((p[at] & 0xFF) << 8) | (p[at + 1] & 0xFF));
                    at += 2 + (((p[at] & 0xFF) << 8) | (p[at + 1] & 0xFF));
                }
                default -> throw new AssertionError("unexpected PUBLISH property " + id);
            }
        }
        return new Publish(topic, packetId, new String(p, end, p.length - end, java.nio.charset.StandardCharsets.UTF_8),
                ids);
    }

    /** A variable byte integer at the offset: {value, offset after it}. */
    private static int[] varInt(byte[] b, int at) {
        int value = 0;
        int shift = 0;
        while (true) {
            byte x = b[at++];
            value |= (x & 0x7F) << shift;
            shift += 7;
            if ((x & 0x80) == 0) {
                return new int[]{value, at};
            }
        }
    }

    /** The topic of a QoS 0 PUBLISH read by readPackets (first byte, then the body). */
    private static String topicOf(byte[] publish) {
        int len = ((publish[1] & 0xFF) << 8) | (publish[2] & 0xFF);
        return new String(publish, 3, len, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The Topic Alias property (0x23) of a QoS 0 PUBLISH read by readPackets; -1 if absent. */
    private static int aliasOf(byte[] publish) {
        int at = 3 + (((publish[1] & 0xFF) << 8) | (publish[2] & 0xFF));
        int propsLength = publish[at] & 0xFF; // small: one-byte variable integer
        for (int i = at + 1; i < at + 1 + propsLength; i++) {
            if (publish[i] == 0x23) {
                return ((publish[i + 1] & 0xFF) << 8) | (publish[i + 2] & 0xFF);
            }
        }
        return -1;
    }
}
