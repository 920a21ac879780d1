package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shared subscriptions across two gateways: each message goes to exactly one member of each group
 * (round robin over the gateways holding members, then over the members there), beside plain
 * subscribers, in $share and $queue form, and the group keeps receiving everything when a member
 * leaves.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SharedSubscriptionsIT {

    @Test
    void eachMessageGoesToExactlyOneMemberOfEachGroupAcrossGateways() throws Exception {
        try (Cluster cluster = new Cluster(SharedKafka.bootstrapServers())) {
            cluster.startRouter("router-1");
            Cluster.Gateway gw1 = cluster.startGateway("gw-1");
            Cluster.Gateway gw2 = cluster.startGateway("gw-2");

            Clients.Collector m1 = new Clients.Collector(gw1.port(), "m1").subscribe("$share/workers/jobs/+", MqttQos.AT_LEAST_ONCE);
            Clients.Collector m2 = new Clients.Collector(gw1.port(), "m2").subscribe("$share/workers/jobs/+", MqttQos.AT_LEAST_ONCE);
            Clients.Collector m3 = new Clients.Collector(gw2.port(), "m3").subscribe("$share/workers/jobs/+", MqttQos.AT_LEAST_ONCE);
            Clients.Collector q1 = new Clients.Collector(gw1.port(), "q1").subscribe("$queue/jobs/#", MqttQos.AT_LEAST_ONCE);
            Clients.Collector q2 = new Clients.Collector(gw2.port(), "q2").subscribe("$queue/jobs/#", MqttQos.AT_LEAST_ONCE);
            Clients.Collector watcher = new Clients.Collector(gw2.port(), "watcher").subscribe("jobs/+", MqttQos.AT_LEAST_ONCE);
            Thread.sleep(1000); // the router reads the routes

            Mqtt5BlockingClient publisher = Clients.connect(gw1.port(), "dispatcher");
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                sent.add("j" + i);
                Clients.publish(publisher, "jobs/" + (i % 5), "j" + i, MqttQos.AT_LEAST_ONCE);
            }

            // Order holds per topic (one shard each), not across the five topics.
            assertThat(watcher.await(60, Duration.ofSeconds(20))).extracting(Clients::text).containsExactlyInAnyOrderElementsOf(sent);
            List<String> toM1 = texts(m1.await(15, Duration.ofSeconds(10)));
            List<String> toM2 = texts(m2.await(15, Duration.ofSeconds(10)));
            List<String> toM3 = texts(m3.await(30, Duration.ofSeconds(10)));
            // Round robin: the router alternates between the two gateways, gw-1 between its two members.
            assertThat(toM3).hasSize(30);
            assertThat(toM1).hasSize(15);
            assertThat(toM2).hasSize(15);
            List<String> workers = new ArrayList<>(toM1);
            workers.addAll(toM2);
            workers.addAll(toM3);
            assertThat(workers).containsExactlyInAnyOrderElementsOf(sent);
            assertThat(m1.await(1, Duration.ofMillis(300))).as("no extra copies").isEmpty();
            assertThat(m3.await(1, Duration.ofMillis(300))).isEmpty();

            List<String> queued = texts(q1.await(30, Duration.ofSeconds(10)));
            queued.addAll(texts(q2.await(30, Duration.ofSeconds(10))));
            assertThat(queued).containsExactlyInAnyOrderElementsOf(sent);

            // m3 leaves: gw-2 has no member of 'workers' any more, and gw-1's members get everything.
            m3.client.unsubscribeWith().topicFilter("$share/workers/jobs/+").send();
            Thread.sleep(1000);
            List<String> after = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                after.add("k" + i);
                Clients.publish(publisher, "jobs/x", "k" + i, MqttQos.AT_LEAST_ONCE);
            }
            List<String> stayers = texts(m1.await(10, Duration.ofSeconds(10)));
            stayers.addAll(texts(m2.await(10, Duration.ofSeconds(10))));
            assertThat(stayers).containsExactlyInAnyOrderElementsOf(after);
            assertThat(m3.await(1, Duration.ofMillis(500))).isEmpty();

            for (Clients.Collector c : List.of(m1, m2, m3, q1, q2, watcher)) {
                c.client.disconnect();
            }
            publisher.disconnect();
        }
    }

    private static List<String> texts(List<Mqtt5Publish> messages) {
        return new ArrayList<>(messages.stream().map(Clients::text).toList());
    }

    /**
     * A member leaves holding messages it never acknowledged: they go to the other member, on the
     * other gateway, so the group still gets every message (MQTT 5.0 section 4.8.2).
     */
    @Test
    void whatALeavingMemberLeftUnfinishedGoesToAnotherMember() throws Exception {
        try (Cluster cluster = new Cluster(SharedKafka.bootstrapServers())) {
            cluster.startRouter("router-1");
            Cluster.Gateway gw1 = cluster.startGateway("gw-1");
            Cluster.Gateway gw2 = cluster.startGateway("gw-2");
            Clients.Collector stayer = new Clients.Collector(gw2.port(), "stayer")
                    .subscribe("$share/g/handoff/+", MqttQos.AT_LEAST_ONCE);
            List<String> toLeaver = new ArrayList<>();
            try (RawMqtt leaver = new RawMqtt(gw1.port())) {
                leaver.send(RawMqtt.connect311("leaver")).read(4, Duration.ofSeconds(5));
                leaver.send(RawMqtt.packet(0x82, RawMqtt.u16(1), RawMqtt.str("$share/g/handoff/+"), new byte[]{1}))
                        .read(5, Duration.ofSeconds(5));
                Thread.sleep(1000); // the router reads the routes

                Mqtt5BlockingClient publisher = Clients.connect(gw2.port(), "handoff-pub");
                List<String> sent = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    sent.add("h" + i);
                    Clients.publish(publisher, "handoff/" + (i % 2), "h" + i, MqttQos.AT_LEAST_ONCE);
                }
                // The leaver gets its share (round robin over the two gateways) and acknowledges none.
                byte[] got = leaver.readUntilClosed(Duration.ofSeconds(3)).received();
                for (byte[] packet : RawMqtt.packets(got)) {
                    if ((packet[0] & 0xF0) == 0x30) {
                        toLeaver.add("publish");
                    }
                }
                assertThat(toLeaver).as("the leaver was given some").isNotEmpty();
                leaver.close();

                List<String> all = texts(stayer.await(20, Duration.ofSeconds(20)));
                assertThat(all).as("the stayer ends up with every message").containsExactlyInAnyOrderElementsOf(sent);
                publisher.disconnect();
            }
            stayer.client.disconnect();
        }
    }
}
