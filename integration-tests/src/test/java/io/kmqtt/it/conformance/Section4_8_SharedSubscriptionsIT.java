package io.kmqtt.it.conformance;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.kmqtt.it.conformance.Wire.ANSWER;
import static io.kmqtt.it.conformance.Wire.DISCONNECT;
import static io.kmqtt.it.conformance.Wire.QUIET;
import static io.kmqtt.it.conformance.Wire.SUBACK;
import static io.kmqtt.it.conformance.Wire.subscribe5;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 4.8.2 Shared Subscriptions (MQTT 5), on one broker: the '$share/{ShareName}/{filter}'
 * form, one member of each group gets each message, the members' granted QoS, No Local, retained
 * messages and negative acknowledgements. (What happens when a member leaves is not covered.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Section4_8_SharedSubscriptionsIT {

    private static Broker broker;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start("4_8-shared");
        port = broker.port;
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static List<String> texts(List<Mqtt5Publish> messages) {
        return new ArrayList<>(messages.stream().map(Hive::text).toList());
    }

    /**
     * Publishes probes until the group and each other subscriber got one, then empties every inbox:
     * the broker's routing of new subscriptions may trail SUBACK a little.
     */
    private static void awaitRouted(Mqtt5BlockingClient pub, String topic, List<Hive.Inbox5> groupMembers,
                                    List<Hive.Inbox5> others) throws Exception {
        long deadline = System.nanoTime() + ANSWER.toNanos();
        boolean groupGot = false;
        boolean[] othersGot = new boolean[others.size()];
        boolean all = false;
        while (!all && System.nanoTime() < deadline) {
            Hive.publish(pub, topic, "probe", 1);
            Thread.sleep(50);
            for (Hive.Inbox5 m : groupMembers) {
                groupGot |= !m.await(100, Duration.ZERO).isEmpty();
            }
            all = groupGot;
            for (int i = 0; i < others.size(); i++) {
                othersGot[i] |= !others.get(i).await(100, Duration.ZERO).isEmpty();
                all &= othersGot[i];
            }
        }
        assertThat(all).as("subscriptions to %s routed within %s", topic, ANSWER).isTrue();
        Thread.sleep(100); // probes still on their way
        for (Hive.Inbox5 inbox : groupMembers) {
            inbox.await(100, Duration.ZERO);
        }
        for (Hive.Inbox5 inbox : others) {
            inbox.await(100, Duration.ZERO);
        }
    }

    /**
     * What each inbox receives until they got the expected number between them (or ANSWER passed),
     * plus whatever arrives within QUIET after that: extra copies would.
     */
    private static List<List<Mqtt5Publish>> collect(List<Hive.Inbox5> inboxes, int expected) throws Exception {
        List<List<Mqtt5Publish>> got = new ArrayList<>();
        inboxes.forEach(i -> got.add(new ArrayList<>()));
        long deadline = System.nanoTime() + ANSWER.toNanos();
        while (got.stream().mapToInt(List::size).sum() < expected && System.nanoTime() < deadline) {
            for (int i = 0; i < inboxes.size(); i++) {
                got.get(i).addAll(inboxes.get(i).await(expected, Duration.ofMillis(20)));
            }
        }
        Thread.sleep(QUIET.toMillis());
        for (int i = 0; i < inboxes.size(); i++) {
            got.get(i).addAll(inboxes.get(i).await(expected, Duration.ZERO));
        }
        return got;
    }

    /**
     * MQTT 5.0 section 4.8.2: each message matching a shared subscription goes to exactly one of the
     * group's sessions; another group gets its own copy, and so does a non-shared subscription.
     */
    @Test
    void section_4_8_2_v5_eachMessageGoesToExactlyOneMemberOfEachGroup() throws Exception {
        List<Hive.Inbox5> workers = List.of(
                Hive.Inbox5.connect(port, "sh-w1").subscribe("$share/workers/jobs/+", 1),
                Hive.Inbox5.connect(port, "sh-w2").subscribe("$share/workers/jobs/+", 1),
                Hive.Inbox5.connect(port, "sh-w3").subscribe("$share/workers/jobs/+", 1));
        Hive.Inbox5 audit = Hive.Inbox5.connect(port, "sh-audit").subscribe("$share/audit/jobs/#", 1);
        Hive.Inbox5 plain = Hive.Inbox5.connect(port, "sh-plain").subscribe("jobs/+", 1);
        Mqtt5BlockingClient pub = Hive.v5(port, "sh-pub");
        awaitRouted(pub, "jobs/probe", workers, List.of(audit, plain));

        List<String> sent = IntStream.range(0, 30).mapToObj(i -> "job" + i).toList();
        for (String job : sent) {
            Hive.publish(pub, "jobs/" + job, job, 1);
        }
        assertThat(texts(plain.await(30, ANSWER))).as("non-shared subscription").containsExactlyElementsOf(sent);
        assertThat(texts(audit.await(30, ANSWER))).as("the other group").containsExactlyInAnyOrderElementsOf(sent);
        List<String> toWorkers = new ArrayList<>();
        for (List<Mqtt5Publish> got : collect(workers, sent.size())) {
            toWorkers.addAll(texts(got));
        }
        assertThat(toWorkers).as("each message to one worker").containsExactlyInAnyOrderElementsOf(sent);
        for (Hive.Inbox5 inbox : List.of(workers.get(0), workers.get(1), workers.get(2), audit, plain)) {
            inbox.disconnect();
        }
        pub.disconnect();
    }

    /**
     * MQTT 5.0 [MQTT-4.8.2-1]: a shared subscription's filter starts with '$share/' and has a
     * ShareName of at least one character; [MQTT-4.8.2-2]: the ShareName holds no '/', '+' or '#'
     * and is followed by '/' and a topic filter. Others are refused (0x8F, or at least 0x80 or above).
     */
    @Test
    void mqtt_4_8_2_2_v5_malformedSharedSubscriptionsAreRefused() throws Exception {
        try (Wire w = Wire.connect5(port, "sh-names")) {
            w.send(subscribe5(1, "$share//jobs", 1, "$share/g", 1, "$share/g+/jobs", 1, "$share/#/jobs", 1,
                    "$share/g/", 1, "$share/g/jobs/+", 1));
            Wire.Packet suback = w.expect(SUBACK);
            List<Integer> codes = suback.subackCodes();
            assertThat(codes).hasSize(6);
            assertThat(codes.subList(0, 5)).as("refused").allSatisfy(c -> assertThat(c).isGreaterThanOrEqualTo(0x80));
            assertThat(codes.get(5)).as("'$share/g/jobs/+' granted").isEqualTo(1);
        }
    }

    /** MQTT 5.0 [MQTT-4.8.2-3]: the server respects each member's granted QoS: a QoS 0 member gets QoS 0, a QoS 2 member QoS 2. */
    @Test
    void mqtt_4_8_2_3_v5_eachMembersGrantedQosIsRespected() throws Exception {
        Hive.Inbox5 low = Hive.Inbox5.connect(port, "sh-q0").subscribe("$share/qos/levels/t", 0);
        Hive.Inbox5 high = Hive.Inbox5.connect(port, "sh-q2").subscribe("$share/qos/levels/t", 2);
        Mqtt5BlockingClient pub = Hive.v5(port, "sh-qos-pub");
        awaitRouted(pub, "levels/t", List.of(low, high), List.of());
        for (int i = 0; i < 10; i++) {
            Hive.publish(pub, "levels/t", "m" + i, 2);
        }
        List<List<Mqtt5Publish>> got = collect(List.of(low, high), 10);
        List<Mqtt5Publish> toLow = got.get(0);
        List<Mqtt5Publish> toHigh = got.get(1);
        assertThat(toLow.size() + toHigh.size()).isEqualTo(10);
        assertThat(toLow).extracting(Mqtt5Publish::getQos).containsOnly(MqttQos.AT_MOST_ONCE);
        assertThat(toHigh).extracting(Mqtt5Publish::getQos).containsOnly(MqttQos.EXACTLY_ONCE);
        low.disconnect();
        high.disconnect();
        pub.disconnect();
    }

    /** MQTT 5.0 [MQTT-3.8.3-4]: No Local on a shared subscription is a Protocol Error: DISCONNECT 0x82, then the connection is closed. */
    @Test
    void mqtt_3_8_3_4_v5_noLocalOnASharedSubscriptionIsAProtocolError() throws Exception {
        try (Wire w = Wire.connect5(port, "sh-nolocal")) {
            w.send(subscribe5(1, "$share/g/nolocal/t", 0x04 | 1));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.packets()).extracting(p -> p.type() + "/" + p.reasonCode()).containsExactly(DISCONNECT + "/" + 0x82);
            assertThat(c.closed()).isTrue();
        }
    }

    /**
     * MQTT 5.0 section 3.3.1.3 (retained messages are sent when a new non-shared subscription is
     * made) and section 4.8.2: a new shared subscription gets no retained message, but it does get
     * live ones.
     */
    @Test
    void section_4_8_2_v5_noRetainedMessagesForANewSharedSubscription() throws Exception {
        Mqtt5BlockingClient pub = Hive.v5(port, "sh-retained-pub");
        pub.publishWith().topic("shret/t").payload(Wire.bytes("retained")).qos(MqttQos.AT_LEAST_ONCE).retain(true).send();
        Wire.awaitRetained(port, "shret/t", "retained");
        Hive.Inbox5 member = Hive.Inbox5.connect(port, "sh-retained").subscribe("$share/g/shret/t", 1);
        assertThat(member.await(1, QUIET)).isEmpty();
        awaitRouted(pub, "shret/t", List.of(member), List.of());
        pub.disconnect();
        member.disconnect();
    }

    /**
     * MQTT 5.0 [MQTT-4.8.2-6]: when a member answers a PUBLISH with a PUBACK of reason 0x80 or above,
     * the server discards the message and does not send it to another member.
     */
    @Test
    void mqtt_4_8_2_6_v5_aNegativeAcknowledgementDiscardsTheMessage() throws Exception {
        try (Wire a = Wire.connect5(port, "sh-neg-a"); Wire b = Wire.connect5(port, "sh-neg-b")) {
            a.subscribe("$share/neg/negative/t", 1);
            b.subscribe("$share/neg/negative/t", 1);
            Mqtt5BlockingClient pub = Hive.v5(port, "sh-neg-pub");
            boolean aRouted = false;
            boolean bRouted = false;
            long deadline = System.nanoTime() + ANSWER.toNanos();
            for (int i = 0; !(aRouted && bRouted) && System.nanoTime() < deadline; i++) { // both members routed
                Hive.publish(pub, "negative/t", "probe" + i, 1);
                aRouted |= !a.receive(1, Duration.ofMillis(100)).isEmpty();
                bRouted |= !b.receive(1, Duration.ofMillis(100)).isEmpty();
            }
            assertThat(aRouted && bRouted).as("both members get messages").isTrue();
            a.receive(100, Duration.ofMillis(200));
            b.receive(100, Duration.ofMillis(200));

            Hive.publish(pub, "negative/t", "refuse me", 1);
            List<Wire.Publish> toA = a.receive(1, QUIET, false);
            List<Wire.Publish> toB = b.receive(1, QUIET, false);
            assertThat(toA.size() + toB.size()).as("one member got it").isEqualTo(1);
            Wire receiver = toA.isEmpty() ? b : a;
            Wire other = toA.isEmpty() ? a : b;
            int packetId = (toA.isEmpty() ? toB : toA).get(0).packetId();
            receiver.send(Wire.ack5(0x40, packetId, 0x80));
            assertThat(other.receive(1, QUIET.multipliedBy(2))).as("not handed to the other member").isEmpty();
            assertThat(receiver.receive(1, QUIET)).as("not re-sent").isEmpty();
            pub.disconnect();
        }
    }
}
