package io.kmqtt.it.conformance;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import io.kmqtt.it.RawMqtt;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.kmqtt.it.conformance.Wire.ANSWER;
import static io.kmqtt.it.conformance.Wire.PUBACK;
import static io.kmqtt.it.conformance.Wire.PUBCOMP;
import static io.kmqtt.it.conformance.Wire.PUBREC;
import static io.kmqtt.it.conformance.Wire.QUIET;
import static io.kmqtt.it.RawMqtt.packet;
import static io.kmqtt.it.conformance.Wire.publish311;
import static io.kmqtt.it.RawMqtt.str;
import static io.kmqtt.it.RawMqtt.u16;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Section 3.3 PUBLISH: the DUP, QoS and RETAIN flags, the topic name, the response a PUBLISH gets,
 * overlapping subscriptions, retained messages (3.3.1.3) and the MQTT 5 properties a server must
 * forward unaltered (3.3.2.3).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Section3_3_PublishIT {

    private static Broker broker;
    private static int port;
    private static final AtomicInteger IDS = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start("3_3-publish");
        port = broker.port;
        Broker.cluster(); // for the tests that cover the cluster too, outside their time limit
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static String id(String prefix) {
        return prefix + "-" + IDS.incrementAndGet();
    }

    // ---- fixed header flags ------------------------------------------------------------------

    /**
     * MQTT 3.1.1 [MQTT-3.3.1-3]: the DUP flag of an incoming PUBLISH is not propagated; the
     * outgoing one is set only when the outgoing PUBLISH is a retransmission.
     */
    @Test
    void mqtt_3_3_1_3_v311_dupOfAnIncomingPublishIsNotPropagated() throws Exception {
        try (Wire sub = Wire.connect311(port, id("p-dup-sub")); Wire pub = Wire.connect311(port, id("p-dup-pub"))) {
            sub.subscribe("pub/dup", 1);
            pub.send(publish311("pub/dup", 1, true, false, 7, "resent by the client"));
            assertThat(pub.expect(PUBACK).packetId()).isEqualTo(7);
            Wire.Publish got = sub.receive(1, ANSWER).get(0);
            assertThat(got.qos()).isEqualTo(1);
            assertThat(got.dup()).as("DUP on a first delivery").isFalse();
        }
    }

    /** MQTT 3.1.1 [MQTT-3.3.1-2]: the DUP flag is 0 on every QoS 0 PUBLISH (here: a DUP 1 QoS 1 message downgraded to a QoS 0 subscription). */
    @Test
    void mqtt_3_3_1_2_v311_qos0PublishHasDupZero() throws Exception {
        try (Wire sub = Wire.connect311(port, id("p-dup0-sub")); Wire pub = Wire.connect311(port, id("p-dup0-pub"))) {
            sub.subscribe("pub/dup0", 0);
            pub.send(publish311("pub/dup0", 1, true, false, 8, "x"));
            pub.expect(PUBACK);
            Wire.Packet got = sub.expect(Wire.PUBLISH);
            assertThat(got.firstByte()).as("PUBLISH, DUP 0, QoS 0, RETAIN 0").isEqualTo(0x30);
        }
    }

    /** MQTT 3.1.1 [MQTT-3.3.1-4]: a PUBLISH with both QoS bits set closes the connection, and is not delivered. */
    @Test
    void mqtt_3_3_1_4_v311_bothQosBitsSetClosesTheConnection() throws Exception {
        try (Wire sub = Wire.connect311(port, id("p-qos3-sub")); Wire pub = Wire.connect311(port, id("p-qos3-pub"))) {
            sub.subscribe("pub/qos3", 2);
            pub.send(packet(0x36, str("pub/qos3"), u16(9), Wire.bytes("x")));
            Wire.Closing c = pub.awaitClose(ANSWER);
            assertThat(c.closed()).isTrue();
            assertThat(c.packets()).noneMatch(p -> p.type() == PUBACK || p.type() == PUBREC);
            assertThat(sub.receive(1, QUIET)).isEmpty();
        }
    }

    // ---- topic name ----------------------------------------------------------------------------

    /** MQTT 3.1.1 [MQTT-3.3.2-2]: a topic name must not contain wildcards; such a PUBLISH closes the connection and is not delivered. */
    @Test
    void mqtt_3_3_2_2_v311_wildcardInTopicNameClosesTheConnection() throws Exception {
        try (Wire sub = Wire.connect311(port, id("p-wild-sub")); Wire pub = Wire.connect311(port, id("p-wild-pub"))) {
            sub.subscribe("pub/wild/#", 1);
            pub.send(publish311("pub/wild/+", 1, false, false, 3, "x"));
            Wire.Closing c = pub.awaitClose(ANSWER);
            assertThat(c.closed()).isTrue();
            assertThat(c.packets()).isEmpty();
            assertThat(sub.receive(1, QUIET)).isEmpty();
        }
    }

    /** MQTT 5.0 [MQTT-3.3.2-3]: the topic name sent to a subscriber is the published topic name, which matches the subscription's filter. */
    @Test
    void mqtt_3_3_2_3_v5_topicNameSentToTheSubscriberIsThePublishedOne() throws Exception {
        Hive.Inbox5 sub = Hive.Inbox5.connect(port, id("p-topic-sub")).subscribe("pub/+/level", 1);
        Mqtt5BlockingClient pub = Hive.v5(port, id("p-topic-pub"));
        Hive.publish(pub, "pub/a/level", "1", 1);
        Hive.publish(pub, "pub/a/other", "2", 1);
        Hive.publish(pub, "pub/b/level", "3", 1);
        assertThat(sub.await(2, ANSWER)).extracting(p -> p.getTopic().toString()).containsExactly("pub/a/level", "pub/b/level");
        assertThat(sub.await(1, QUIET)).isEmpty();
        sub.disconnect();
        pub.disconnect();
    }

    // ---- response and delivery QoS -------------------------------------------------------------

    /**
     * MQTT 3.1.1 [MQTT-3.3.4-1]: the response to a PUBLISH follows its QoS: none for QoS 0, PUBACK for
     * QoS 1, PUBREC for QoS 2, each with the PUBLISH's packet identifier.
     */
    @Test
    void mqtt_3_3_4_1_v311_responseDependsOnTheQos() throws Exception {
        try (Wire pub = Wire.connect311(port, id("p-resp"))) {
            pub.send(publish311("pub/resp", 0, false, false, 0, "q0"));
            assertThat(pub.collect(QUIET)).as("nothing for QoS 0").isEmpty();
            pub.send(publish311("pub/resp", 1, false, false, 0x0A0B, "q1"));
            assertThat(pub.expect(ANSWER).encoded()).containsExactly(0x40, 0x02, 0x0A, 0x0B);
            pub.send(publish311("pub/resp", 2, false, false, 0x0C0D, "q2"));
            assertThat(pub.expect(ANSWER).encoded()).containsExactly(0x50, 0x02, 0x0C, 0x0D);
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.3.5-1] (MQTT 5.0 [MQTT-3.3.4-2]): with overlapping subscriptions the server
     * delivers the message respecting the maximum QoS of all matching subscriptions.
     */
    @Test
    void mqtt_3_3_5_1_v311_overlappingSubscriptionsDeliverAtTheMaximumQos() throws Exception {
        try (Wire sub = Wire.connect311(port, id("p-overlap-sub")); Wire pub = Wire.connect311(port, id("p-overlap-pub"))) {
            sub.subscribe("overlap/#", 0);
            sub.subscribe("overlap/+", 2);
            pub.publish("overlap/x", 2, false, "max");
            List<Wire.Publish> copies = sub.receive(2, QUIET.multipliedBy(2));
            assertThat(copies).isNotEmpty().anySatisfy(p -> assertThat(p.qos()).isEqualTo(2));
        }
    }

    // ---- retained messages (3.3.1.3) -------------------------------------------------------------

    /** The retained messages a new subscription to the filter gets (those arriving within QUIET after SUBACK). */
    private static List<Wire.Publish> retainedFor(String filter, int qos) throws Exception {
        try (Wire w = Wire.connect311(port, id("p-retained-probe"))) {
            w.subscribe(filter, qos);
            return w.receive(100, QUIET);
        }
    }

    /**
     * Publishes a retained marker under the prefix and waits until a new subscription gets it. The
     * standalone broker has one shard, so retained messages are stored in publish order: once the
     * marker is there, every retained change published before it is too.
     */
    private static void barrier(Wire publisher, String prefix) throws Exception {
        String marker = UUID.randomUUID().toString();
        publisher.publish(prefix + "/~barrier", 1, true, marker);
        long deadline = System.nanoTime() + ANSWER.toNanos();
        while (System.nanoTime() < deadline) {
            if (retainedFor(prefix + "/~barrier", 1).stream().anyMatch(p -> p.text().equals(marker))) {
                return;
            }
        }
        throw new AssertionError("retained marker under " + prefix + " not stored within " + ANSWER);
    }

    private static List<Wire.Publish> withoutBarrier(List<Wire.Publish> messages) {
        return messages.stream().filter(p -> !p.topic().endsWith("/~barrier")).toList();
    }

    /**
     * MQTT 3.1.1 [MQTT-3.3.1-5]: a retained message is stored with its QoS and delivered to future
     * subscribers at min(its QoS, the granted QoS); [MQTT-3.3.1-8] with RETAIN 1.
     */
    @Test
    void mqtt_3_3_1_5_v311_retainedMessageIsStoredWithItsQos() throws Exception {
        try (Wire pub = Wire.connect311(port, id("p-r5-pub"))) {
            pub.publish("r5/qos1", 1, true, "stored at 1");
            pub.publish("r5/qos2", 2, true, "stored at 2");
            barrier(pub, "r5");
        }
        assertThat(withoutBarrier(retainedFor("r5/#", 2)))
                .extracting(p -> p.topic() + "=" + p.text() + " QoS " + p.qos() + (p.retain() ? " RETAIN" : ""))
                .containsExactlyInAnyOrder("r5/qos1=stored at 1 QoS 1 RETAIN", "r5/qos2=stored at 2 QoS 2 RETAIN");
    }

    /** MQTT 3.1.1 [MQTT-3.3.1-6]: a new subscription gets the last retained message of each matching topic. */
    @Test
    void mqtt_3_3_1_6_v311_newSubscriptionGetsTheLastRetainedMessageOfEachMatchingTopic() throws Exception {
        try (Wire pub = Wire.connect311(port, id("p-r6-pub"))) {
            pub.publish("r6/a", 1, true, "old");
            pub.publish("r6/a", 1, true, "new");
            pub.publish("r6/b", 1, true, "b");
            pub.publish("r6/b/deeper", 1, true, "not matched");
            barrier(pub, "r6");
        }
        assertThat(withoutBarrier(retainedFor("r6/+", 1))).extracting(p -> p.topic() + "=" + p.text())
                .containsExactlyInAnyOrder("r6/a=new", "r6/b=b");
    }

    /**
     * MQTT 3.1.1 [MQTT-3.3.1-7]: a QoS 0 retained message discards the message retained before for
     * the topic (it should be stored itself, but may be discarded later).
     */
    @Test
    void mqtt_3_3_1_7_v311_qos0RetainedMessageReplacesThePreviousOne() throws Exception {
        try (Wire pub = Wire.connect311(port, id("p-r7-pub"))) {
            pub.publish("r7/t", 1, true, "first");
            pub.publish("r7/t", 0, true, "second");
            barrier(pub, "r7");
        }
        List<Wire.Publish> got = retainedFor("r7/t", 1);
        assertThat(got).extracting(Wire.Publish::text).doesNotContain("first");
        // The new QoS 0 message should be stored (it may be discarded later): if it is, with QoS 0.
        assertThat(got).allSatisfy(p -> assertThat(p.text() + " QoS " + p.qos()).isEqualTo("second QoS 0"));
    }

    /** MQTT 3.1.1 [MQTT-3.3.1-8]: a message sent because of a new subscription has RETAIN 1 (Paho). */
    @Test
    void mqtt_3_3_1_8_v311_retainFlagIsSetOnMessagesSentForANewSubscription() throws Exception {
        MqttClient pub = new MqttClient("tcp://127.0.0.1:" + port, id("p-r8-pub"), new MemoryPersistence());
        pub.connect();
        pub.publish("r8/t", "retained".getBytes(StandardCharsets.UTF_8), 1, true);
        pub.disconnect();
        pub.close();
        BlockingQueue<MqttMessage> inbox = new LinkedBlockingQueue<>();
        MqttMessage got = null;
        long deadline = System.nanoTime() + ANSWER.toNanos();
        while (got == null && System.nanoTime() < deadline) { // the retained store follows the publish asynchronously
            MqttClient sub = new MqttClient("tcp://127.0.0.1:" + port, id("p-r8-sub"), new MemoryPersistence());
            sub.connect();
            sub.subscribe("r8/t", 1, (topic, message) -> inbox.add(message));
            got = inbox.poll(QUIET.toMillis(), TimeUnit.MILLISECONDS);
            sub.disconnect();
            sub.close();
        }
        assertThat(got).isNotNull();
        assertThat(new String(got.getPayload(), StandardCharsets.UTF_8)).isEqualTo("retained");
        assertThat(got.isRetained()).isTrue();
    }

    /**
     * MQTT 3.1.1 [MQTT-3.3.1-9]: a message sent to an established subscription has RETAIN 0,
     * however it was published (Paho).
     */
    @Test
    void mqtt_3_3_1_9_v311_retainFlagIsClearedOnMessagesToAnEstablishedSubscription() throws Exception {
        BlockingQueue<MqttMessage> inbox = new LinkedBlockingQueue<>();
        MqttClient sub = new MqttClient("tcp://127.0.0.1:" + port, id("p-r9-sub"), new MemoryPersistence());
        sub.connect();
        sub.subscribe("r9/t", 1, (topic, message) -> inbox.add(message));
        MqttClient pub = new MqttClient("tcp://127.0.0.1:" + port, id("p-r9-pub"), new MemoryPersistence());
        pub.connect();
        pub.publish("r9/t", "live".getBytes(StandardCharsets.UTF_8), 1, true);
        MqttMessage got = inbox.poll(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(got).isNotNull();
        assertThat(got.isRetained()).isFalse();
        pub.disconnect();
        pub.close();
        sub.disconnect();
        sub.close();
    }

    /**
     * MQTT 3.1.1 [MQTT-3.3.1-10]: a retained PUBLISH with an empty payload is delivered as normal to
     * current subscribers and removes the retained message: later subscribers get none.
     */
    @Test
    void mqtt_3_3_1_10_v311_emptyRetainedPayloadIsDeliveredAndRemovesTheRetainedMessage() throws Exception {
        try (Wire sub = Wire.connect311(port, id("p-r10-sub")); Wire pub = Wire.connect311(port, id("p-r10-pub"))) {
            sub.subscribe("r10/t", 1);
            pub.publish("r10/t", 1, true, "soon gone");
            pub.publish("r10/t", 1, true, "");
            assertThat(sub.receive(2, ANSWER)).extracting(Wire.Publish::text).containsExactly("soon gone", "");
            barrier(pub, "r10");
        }
        assertThat(withoutBarrier(retainedFor("r10/#", 1))).isEmpty();
    }

    /** MQTT 3.1.1 [MQTT-3.3.1-11]: a zero-byte retained message is not stored as a retained message. */
    @Test
    void mqtt_3_3_1_11_v311_zeroByteRetainedMessageIsNotStored() throws Exception {
        try (Wire pub = Wire.connect311(port, id("p-r11-pub"))) {
            pub.publish("r11/t", 1, true, "");
            barrier(pub, "r11");
        }
        assertThat(withoutBarrier(retainedFor("r11/#", 1))).isEmpty();
    }

    /**
     * MQTT 3.1.1 [MQTT-3.3.1-12]: a PUBLISH with RETAIN 0 is not stored and neither removes nor
     * replaces the retained message of its topic.
     */
    @Test
    void mqtt_3_3_1_12_v311_nonRetainedPublishNeitherStoresNorReplaces() throws Exception {
        try (Wire pub = Wire.connect311(port, id("p-r12-pub"))) {
            pub.publish("r12/t", 1, true, "kept");
            pub.publish("r12/t", 1, false, "live only");
            pub.publish("r12/u", 1, false, "never stored");
            barrier(pub, "r12");
        }
        assertThat(withoutBarrier(retainedFor("r12/#", 1))).extracting(p -> p.topic() + "=" + p.text())
                .containsExactly("r12/t=kept");
    }

    /**
     * MQTT 5.0 [MQTT-3.3.1-9], [MQTT-3.3.1-10], [MQTT-3.3.1-11]: Retain Handling 0 sends the retained
     * messages at every subscribe, 1 only if the subscription did not exist, 2 never.
     */
    @Test
    void mqtt_3_3_1_11_v5_retainHandlingDecidesWhatIsSentAtSubscribe() throws Exception {
        Mqtt5BlockingClient pub = Hive.v5(port, id("p-rh-pub"));
        pub.publishWith().topic("rh/t").payload(Wire.bytes("r")).qos(MqttQos.AT_LEAST_ONCE).retain(true).send();
        pub.disconnect();
        Hive.Inbox5 sub = Hive.Inbox5.connect(port, id("p-rh-sub"));
        long deadline = System.nanoTime() + ANSWER.toNanos();
        List<Mqtt5Publish> first = List.of();
        while (first.isEmpty() && System.nanoTime() < deadline) { // Retain Handling 0; waits for the store
            sub.client.subscribeWith().topicFilter("rh/t").qos(MqttQos.AT_LEAST_ONCE).retainHandling(Mqtt5RetainHandling.SEND).send();
            first = sub.await(1, QUIET);
        }
        assertThat(first).as("Retain Handling 0, new subscription").extracting(Hive::text).containsExactly("r");
        sub.client.subscribeWith().topicFilter("rh/t").qos(MqttQos.AT_LEAST_ONCE).retainHandling(Mqtt5RetainHandling.SEND).send();
        assertThat(sub.await(1, ANSWER)).as("Retain Handling 0, existing subscription").hasSize(1);
        sub.client.subscribeWith().topicFilter("rh/t").qos(MqttQos.AT_LEAST_ONCE)
                .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST).send();
        assertThat(sub.await(1, QUIET)).as("Retain Handling 1, existing subscription").isEmpty();
        sub.client.subscribeWith().topicFilter("rh/+").qos(MqttQos.AT_LEAST_ONCE)
                .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST).send();
        assertThat(sub.await(1, ANSWER)).as("Retain Handling 1, new subscription").hasSize(1);
        sub.client.subscribeWith().topicFilter("rh/#").qos(MqttQos.AT_LEAST_ONCE).retainHandling(Mqtt5RetainHandling.DO_NOT_SEND).send();
        assertThat(sub.await(1, QUIET)).as("Retain Handling 2").isEmpty();
        sub.disconnect();
    }

    /**
     * MQTT 5.0 [MQTT-3.3.1-12], [MQTT-3.3.1-13]: a live message is forwarded with RETAIN 0 unless the
     * subscription has Retain As Published, then with the RETAIN flag it was published with.
     */
    @Test
    void mqtt_3_3_1_13_v5_retainAsPublishedKeepsTheRetainFlag() throws Exception {
        Hive.Inbox5 asPublished = new Hive.Inbox5(Hive.v5(port, id("p-rap-1")));
        asPublished.client.subscribeWith().topicFilter("rap/t").qos(MqttQos.AT_LEAST_ONCE).retainAsPublished(true).send();
        Hive.Inbox5 plain = Hive.Inbox5.connect(port, id("p-rap-0")).subscribe("rap/t", 1);
        Mqtt5BlockingClient pub = Hive.v5(port, id("p-rap-pub"));
        pub.publishWith().topic("rap/t").payload(Wire.bytes("retained")).qos(MqttQos.AT_LEAST_ONCE).retain(true).send();
        Hive.publish(pub, "rap/t", "not retained", 1);
        assertThat(asPublished.await(2, ANSWER)).extracting(Mqtt5Publish::isRetain).containsExactly(true, false);
        assertThat(plain.await(2, ANSWER)).extracting(Mqtt5Publish::isRetain).containsExactly(false, false);
        pub.disconnect();
        asPublished.disconnect();
        plain.disconnect();
    }

    // ---- MQTT 5 properties forwarded (3.3.2.3) ---------------------------------------------------

    /**
     * MQTT 5.0 [MQTT-3.3.2-4], [MQTT-3.3.2-20]: the Payload Format Indicator and the Content Type
     * reach every subscriber unaltered.
     */
    @Test
    void mqtt_3_3_2_4_v5_payloadFormatIndicatorAndContentTypeAreForwardedUnaltered() throws Exception {
        Hive.Inbox5 sub = Hive.Inbox5.connect(port, id("p-pfi-sub")).subscribe("props/pfi", 1);
        Mqtt5BlockingClient pub = Hive.v5(port, id("p-pfi-pub"));
        pub.publishWith().topic("props/pfi").payload(Wire.bytes("{\"t\":21}")).qos(MqttQos.AT_LEAST_ONCE)
                .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8).contentType("application/json; v=2").send();
        Mqtt5Publish got = sub.await(1, ANSWER).get(0);
        assertThat(got.getPayloadFormatIndicator()).contains(Mqtt5PayloadFormatIndicator.UTF_8);
        assertThat(got.getContentType()).hasValueSatisfying(c -> assertThat(c.toString()).isEqualTo("application/json; v=2"));
        sub.disconnect();
        pub.disconnect();
    }

    /** MQTT 5.0 [MQTT-3.3.2-15], [MQTT-3.3.2-16]: the Response Topic and the Correlation Data reach every subscriber unaltered. */
    @Test
    void mqtt_3_3_2_15_v5_responseTopicAndCorrelationDataAreForwardedUnaltered() throws Exception {
        Hive.Inbox5 sub = Hive.Inbox5.connect(port, id("p-rt-sub")).subscribe("props/request", 1);
        Mqtt5BlockingClient pub = Hive.v5(port, id("p-rt-pub"));
        byte[] correlation = {0, 1, 2, (byte) 0xFE, (byte) 0xFF};
        pub.publishWith().topic("props/request").payload(Wire.bytes("ping")).qos(MqttQos.AT_LEAST_ONCE)
                .responseTopic("props/reply/" + "caller-7").correlationData(correlation).send();
        Mqtt5Publish got = sub.await(1, ANSWER).get(0);
        assertThat(got.getResponseTopic()).hasValueSatisfying(t -> assertThat(t.toString()).isEqualTo("props/reply/caller-7"));
        assertThat(got.getCorrelationData()).hasValueSatisfying(b -> {
            byte[] copy = new byte[b.remaining()];
            b.duplicate().get(copy);
            assertThat(copy).containsExactly(correlation);
        });
        sub.disconnect();
        pub.disconnect();
    }

    /**
     * MQTT 5.0 [MQTT-3.3.2-17], [MQTT-3.3.2-18]: all User Properties are forwarded unaltered and in
     * their order, repeated names included.
     */
    @Test
    void mqtt_3_3_2_17_v5_userPropertiesAreForwardedUnalteredAndInOrder() throws Exception {
        Hive.Inbox5 sub = Hive.Inbox5.connect(port, id("p-up-sub")).subscribe("props/user", 1);
        Mqtt5BlockingClient pub = Hive.v5(port, id("p-up-pub"));
        pub.publishWith().topic("props/user").payload(Wire.bytes("x")).qos(MqttQos.AT_LEAST_ONCE)
                .userProperties().add("k", "1").add("a", "zwölf").add("k", "2").add("", "").applyUserProperties().send();
        Mqtt5Publish got = sub.await(1, ANSWER).get(0);
        assertThat(got.getUserProperties().asList())
                .extracting(p -> p.getName() + "=" + p.getValue())
                .containsExactly("k=1", "a=zwölf", "k=2", "=");
        sub.disconnect();
        pub.disconnect();
    }

    /**
     * MQTT 5.0 [MQTT-3.3.2-5]: a message whose Message Expiry Interval passed before onward delivery
     * started is not delivered; [MQTT-3.3.2-6]: one still alive goes out with the interval minus the
     * time it waited. The subscriber is a persistent session that is offline meanwhile.
     */
    @Test
    void mqtt_3_3_2_5_v5_expiredMessagesAreNotDeliveredAndTheOthersCountDown() throws Exception {
        String clientId = id("p-expiry-sub");
        Mqtt5BlockingClient sub = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port).buildBlocking();
        sub.connectWith().cleanStart(true).sessionExpiryInterval(60).send();
        sub.subscribeWith().topicFilter("expiry/#").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
        Mqtt5BlockingClient pub = Hive.v5(port, id("p-expiry-pub"));
        pub.publishWith().topic("expiry/short").payload(Wire.bytes("short")).qos(MqttQos.AT_LEAST_ONCE).messageExpiryInterval(1).send();
        pub.publishWith().topic("expiry/long").payload(Wire.bytes("long")).qos(MqttQos.AT_LEAST_ONCE).messageExpiryInterval(60).send();
        pub.disconnect();
        Thread.sleep(1200); // the short one expires; the long one waits more than a second
        Hive.Inbox5 back = new Hive.Inbox5(Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port)
                .buildBlocking());
        assertThat(back.client.connectWith().cleanStart(false).sessionExpiryInterval(60).send().isSessionPresent()).isTrue();
        List<Mqtt5Publish> got = back.await(1, ANSWER);
        assertThat(got).extracting(Hive::text).containsExactly("long");
        assertThat(back.await(1, QUIET)).as("the expired one").isEmpty();
        assertThat(got.get(0).getMessageExpiryInterval()).as("Message Expiry Interval forwarded").isPresent();
        assertThat(got.get(0).getMessageExpiryInterval().getAsLong()).as("60 s minus the time waited").isBetween(1L, 59L);
        back.client.disconnectWith().sessionExpiryInterval(0).send();
    }

    /**
     * MQTT 5.0 [MQTT-3.3.2-5], [MQTT-3.3.2-6], for a session resumed by a CONNECT without Session
     * Expiry Interval ([MQTT-3.1.2-4]): of the QoS 1 and 2 messages queued while the client was
     * away, read 3 s later, those with a Message Expiry Interval of 1 s are not sent and those with
     * 6 s are, their interval lowered by the time they waited. In the cluster the client comes back
     * through the other gateway.
     */
    @ParameterizedTest
    @EnumSource(Broker.Kind.class)
    void mqtt_3_3_2_5_v5_queuedMessagesExpireForASessionResumedWithoutSessionExpiry(Broker.Kind kind) throws Exception {
        Broker b = Broker.of(kind, broker);
        String clientId = id("p-expiry-resume-" + kind);
        String topic = "expiry-resume/" + clientId;
        try (Wire sub = Wire.connect5(b.port, clientId, true, Wire.sessionExpiry(99_999))) {
            assertThat(sub.subscribe(topic, 2)).isEqualTo(2);
            sub.send(Wire.disconnect5(0, new byte[0]));
            assertThat(sub.awaitClose(ANSWER).closed()).isTrue();
        }
        long publishedAt = System.nanoTime();
        try (Wire pub = Wire.connect5(b.otherPort, clientId + "-pub")) {
            publishWithExpiry(pub, topic, 1, 1, "qos 1, expires");
            publishWithExpiry(pub, topic, 2, 1, "qos 2, expires");
            publishWithExpiry(pub, topic, 1, 6, "qos 1, lives");
            publishWithExpiry(pub, topic, 2, 6, "qos 2, lives");
        }
        // Expiry is the subject: the time must pass. The 1 s messages expire while queued.
        await().atMost(Duration.ofSeconds(5)).until(() -> System.nanoTime() - publishedAt >= Duration.ofSeconds(3).toNanos());
        try (Wire back = Wire.connect5(b.otherPort, clientId, false, new byte[0])) {
            assertThat(back.connack.sessionPresent()).as("Session Present").isTrue();
            List<Wire.Publish> got = back.receive(2, ANSWER);
            assertThat(got).extracting(Wire.Publish::text).containsExactly("qos 1, lives", "qos 2, lives");
            for (Wire.Publish p : got) {
                assertThat(p.properties().get(0x02)).as("Message Expiry Interval of %s", p).isPresent();
                assertThat((Long) p.properties().get(0x02).get()).as("6 s minus the 3 s waited").isBetween(1L, 5L);
            }
            assertThat(back.receive(1, QUIET)).as("the expired ones").isEmpty();
            back.send(Wire.disconnect5(0, new byte[0]));
        }
    }

    /** PUBLISH (MQTT 5) with a Message Expiry Interval, and its QoS 1 or 2 flow completed. */
    private static void publishWithExpiry(Wire pub, String topic, int qos, long expirySeconds, String payload)
            throws Exception {
        int packetId = pub.nextId();
        pub.send(Wire.publish5(topic, qos, false, false, packetId, RawMqtt.concat(new byte[] {0x02}, Wire.u32(expirySeconds)),
                payload));
        if (qos == 1) {
            assertThat(pub.expect(PUBACK).packetId()).isEqualTo(packetId);
        } else {
            assertThat(pub.expect(PUBREC).packetId()).isEqualTo(packetId);
            pub.send(Wire.pubrel(packetId));
            assertThat(pub.expect(PUBCOMP).packetId()).isEqualTo(packetId);
        }
    }
}
