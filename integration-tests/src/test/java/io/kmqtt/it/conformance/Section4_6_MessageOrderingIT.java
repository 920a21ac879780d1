package io.kmqtt.it.conformance;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.kmqtt.it.conformance.Wire.PUBACK;
import static io.kmqtt.it.RawMqtt.concat;
import static io.kmqtt.it.conformance.Wire.publish311;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 4.6 Message ordering: every topic is an Ordered Topic by default; messages of one topic
 * and QoS from one client reach each subscriber in the order the server received them, live and
 * from a persistent session's queue.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Section4_6_MessageOrderingIT {

    private static final Duration DELIVERY = Duration.ofSeconds(15);

    private static Broker broker;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start("4_6-ordering");
        port = broker.port;
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static List<String> numbered(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> prefix + i).toList();
    }

    /**
     * MQTT 3.1.1 [MQTT-4.6.0-5], [MQTT-4.6.0-6]: QoS 1 messages on one topic reach the subscriber in
     * the order they were received from the publisher: 200 PUBLISHes written back to back, without
     * waiting for PUBACKs.
     */
    @Test
    void mqtt_4_6_0_6_v311_qos1MessagesOfOneTopicKeepTheirOrder() throws Exception {
        try (Wire sub = Wire.connect311(port, "o-q1-sub"); Wire pub = Wire.connect311(port, "o-q1-pub")) {
            sub.subscribe("order/q1", 1);
            List<String> sent = numbered("m", 200);
            byte[][] burst = new byte[sent.size()][];
            for (int i = 0; i < sent.size(); i++) {
                burst[i] = publish311("order/q1", 1, false, false, i + 1, sent.get(i));
            }
            pub.send(concat(burst));
            assertThat(sub.receive(sent.size(), DELIVERY)).extracting(Wire.Publish::text).containsExactlyElementsOf(sent);
            List<Integer> acked = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                acked.add(pub.expect(PUBACK).packetId());
            }
            assertThat(acked).as("every PUBLISH acknowledged").containsExactlyInAnyOrderElementsOf(
                    IntStream.rangeClosed(1, sent.size()).boxed().toList());
        }
    }

    /** MQTT 3.1.1 [MQTT-4.6.0-6]: the same for QoS 2 (HiveMQ 3.1.1 publisher, raw subscriber). */
    @Test
    void mqtt_4_6_0_6_v311_qos2MessagesOfOneTopicKeepTheirOrder() throws Exception {
        try (Wire sub = Wire.connect311(port, "o-q2-sub")) {
            sub.subscribe("order/q2", 2);
            Mqtt3BlockingClient pub = Hive.v3(port, "o-q2-pub");
            List<String> sent = numbered("m", 100);
            List<CompletableFuture<?>> acks = new ArrayList<>();
            for (String m : sent) {
                acks.add(pub.toAsync().publishWith().topic("order/q2").payload(Wire.bytes(m)).qos(MqttQos.EXACTLY_ONCE).send());
            }
            assertThat(sub.receive(sent.size(), DELIVERY)).extracting(Wire.Publish::text).containsExactlyElementsOf(sent);
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            pub.disconnect();
        }
    }

    /** MQTT 5.0 [MQTT-4.6.0-5], [MQTT-4.6.0-6]: QoS 0 messages on one topic keep their order (HiveMQ clients). */
    @Test
    void mqtt_4_6_0_5_v5_qos0MessagesOfOneTopicKeepTheirOrder() throws Exception {
        Hive.Inbox5 sub = Hive.Inbox5.connect(port, "o-q0-sub").subscribe("order/q0", 0);
        Mqtt5BlockingClient pub = Hive.v5(port, "o-q0-pub");
        List<String> sent = numbered("m", 200);
        for (String m : sent) {
            pub.toAsync().publishWith().topic("order/q0").payload(Wire.bytes(m)).qos(MqttQos.AT_MOST_ONCE).send();
        }
        assertThat(sub.texts(sent.size(), DELIVERY)).containsExactlyElementsOf(sent);
        sub.disconnect();
        pub.disconnect();
    }

    /**
     * MQTT 5.0 [MQTT-4.6.0-5]: the order is per publishing client: two clients publishing to one
     * topic at once, each one's messages arrive in its order.
     */
    @Test
    void mqtt_4_6_0_5_v5_eachPublishersOrderIsKept() throws Exception {
        Hive.Inbox5 sub = Hive.Inbox5.connect(port, "o-two-sub").subscribe("order/two", 1);
        Mqtt5BlockingClient a = Hive.v5(port, "o-two-a");
        Mqtt5BlockingClient b = Hive.v5(port, "o-two-b");
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            acks.add(a.toAsync().publishWith().topic("order/two").payload(Wire.bytes("a" + i)).qos(MqttQos.AT_LEAST_ONCE).send());
            acks.add(b.toAsync().publishWith().topic("order/two").payload(Wire.bytes("b" + i)).qos(MqttQos.AT_LEAST_ONCE).send());
        }
        List<String> got = sub.texts(200, DELIVERY);
        assertThat(got).hasSize(200);
        assertThat(got.stream().filter(m -> m.startsWith("a")).toList()).containsExactlyElementsOf(numbered("a", 100));
        assertThat(got.stream().filter(m -> m.startsWith("b")).toList()).containsExactlyElementsOf(numbered("b", 100));
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        sub.disconnect();
        a.disconnect();
        b.disconnect();
    }

    /**
     * MQTT 3.1.1 [MQTT-4.6.0-6] with [MQTT-3.1.2-5]: messages queued for a disconnected
     * clean-session-0 client are delivered in the order they were published when it comes back.
     */
    @Test
    void mqtt_4_6_0_6_v311_messagesQueuedWhileOfflineKeepTheirOrder() throws Exception {
        try (Wire w = Wire.connect311(port, "o-offline", false)) {
            w.subscribe("order/offline", 1);
        }
        List<String> sent = numbered("q", 50);
        try (Wire pub = Wire.connect311(port, "o-offline-pub")) {
            for (String m : sent) {
                pub.publish("order/offline", 1, false, m);
            }
        }
        try (Wire back = Wire.connect311(port, "o-offline", false)) {
            assertThat(back.connack.sessionPresent()).isTrue();
            assertThat(back.receive(sent.size(), DELIVERY)).extracting(Wire.Publish::text).containsExactlyElementsOf(sent);
        }
    }
}
