package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two gateways and two routers on a real Kafka: what a client publishes on one gateway reaches a
 * subscriber on the other, through the messages topic, a router and the gateway's delivery topic.
 */
class DistributedPubSubIT {

    private static Cluster cluster;
    private static Cluster.Gateway gw1;
    private static Cluster.Gateway gw2;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new Cluster(SharedKafka.bootstrapServers());
        cluster.startRouter("router-1");
        cluster.startRouter("router-2");
        gw1 = cluster.startGateway("gw-1");
        gw2 = cluster.startGateway("gw-2");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void wildcardSubscriberOnOneGatewayReceivesQos0AndQos1FromAnotherInOrderPerTopic() throws Exception {
        Clients.Collector subscriber = new Clients.Collector(gw1.port(), "sub-wildcard")
                .subscribe("sensors/+/temp", MqttQos.AT_LEAST_ONCE);
        Mqtt5BlockingClient publisher = Clients.connect(gw2.port(), "pub-1");

        List<String> topics = List.of("sensors/a/temp", "sensors/b/temp", "sensors/c/temp", "sensors/d/temp");
        int perTopic = 50;
        for (int i = 0; i < perTopic; i++) {
            for (String topic : topics) {
                MqttQos qos = i % 2 == 0 ? MqttQos.AT_MOST_ONCE : MqttQos.AT_LEAST_ONCE;
                Clients.publish(publisher, topic, topic + "#" + i, qos);
            }
        }
        Clients.publish(publisher, "sensors/a/humidity", "not for this subscriber", MqttQos.AT_LEAST_ONCE);

        List<Mqtt5Publish> received = subscriber.await(perTopic * topics.size(), Duration.ofSeconds(30));
        assertThat(received).hasSize(perTopic * topics.size());
        Map<String, List<String>> byTopic = new LinkedHashMap<>();
        for (Mqtt5Publish p : received) {
            byTopic.computeIfAbsent(p.getTopic().toString(), t -> new ArrayList<>()).add(Clients.text(p));
        }
        for (String topic : topics) {
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < perTopic; i++) {
                expected.add(topic + "#" + i);
            }
            assertThat(byTopic.get(topic)).as("order of %s", topic).containsExactlyElementsOf(expected);
        }
        assertThat(subscriber.await(1, Duration.ofSeconds(1))).as("nothing else arrives").isEmpty();
        publisher.disconnect();
        subscriber.client.disconnect();
    }

    @Test
    void deliveredQosIsTheMinimumOfPublishAndSubscription() throws Exception {
        Clients.Collector qos0 = new Clients.Collector(gw1.port(), "sub-qos0").subscribe("qos/test", MqttQos.AT_MOST_ONCE);
        Clients.Collector qos1 = new Clients.Collector(gw2.port(), "sub-qos1").subscribe("qos/test", MqttQos.AT_LEAST_ONCE);
        Mqtt5BlockingClient publisher = Clients.connect(gw2.port(), "pub-qos");

        Clients.publish(publisher, "qos/test", "one", MqttQos.AT_LEAST_ONCE);

        assertThat(qos0.await(1, Duration.ofSeconds(20))).singleElement()
                .satisfies(p -> assertThat(p.getQos()).isEqualTo(MqttQos.AT_MOST_ONCE));
        assertThat(qos1.await(1, Duration.ofSeconds(20))).singleElement()
                .satisfies(p -> assertThat(p.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE));
        publisher.disconnect();
        qos0.client.disconnect();
        qos1.client.disconnect();
    }

    @Test
    void unsubscribedClientReceivesNothingMore() throws Exception {
        Clients.Collector subscriber = new Clients.Collector(gw1.port(), "sub-unsub").subscribe("unsub/#", MqttQos.AT_LEAST_ONCE);
        Mqtt5BlockingClient publisher = Clients.connect(gw2.port(), "pub-unsub");
        Clients.publish(publisher, "unsub/x", "before", MqttQos.AT_LEAST_ONCE);
        assertThat(subscriber.await(1, Duration.ofSeconds(20))).hasSize(1);

        subscriber.client.unsubscribeWith().topicFilter("unsub/#").send();
        Clients.publish(publisher, "unsub/x", "after", MqttQos.AT_LEAST_ONCE);

        assertThat(subscriber.await(1, Duration.ofSeconds(3))).isEmpty();
        publisher.disconnect();
        subscriber.client.disconnect();
    }
}
