package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retained messages across a cluster (two gateways, a router, four shards): stored durably by the
 * routers in Kafka, sent at subscribe by any gateway whatever shards the matching topics live in,
 * deleted by an empty payload, and MQTT 5 Retain Handling, Retain As Published and No Local.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RetainedIT {

    private Cluster cluster;
    private Cluster.Gateway gw1;
    private Cluster.Gateway gw2;

    @BeforeAll
    void start() throws Exception {
        cluster = new Cluster(SharedKafka.bootstrapServers());
        cluster.startRouter("router-1");
        gw1 = cluster.startGateway("gw-1");
        gw2 = cluster.startGateway("gw-2");
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static void retain(Mqtt5BlockingClient client, String topic, String payload) {
        client.publishWith().topic(topic).payload(payload.getBytes(StandardCharsets.UTF_8)).qos(MqttQos.AT_LEAST_ONCE)
                .retain(true).send();
    }

    @Test
    void aWildcardSubscriberOnAnotherGatewayGetsEveryRetainedMatchFromEveryShard() throws Exception {
        Mqtt5BlockingClient publisher = Clients.connect(gw1.port(), "r-pub");
        // Topics that hash to different shards of the four.
        for (int i = 0; i < 8; i++) {
            retain(publisher, "home/room" + i + "/temp", "t" + i);
        }
        retain(publisher, "home/room0/humidity", "h0");
        Thread.sleep(1500); // the routers write the retained table; the gateways follow it

        Clients.Collector sub = new Clients.Collector(gw2.port(), "r-sub").subscribe("home/+/temp", MqttQos.AT_LEAST_ONCE);
        List<Mqtt5Publish> got = sub.await(8, Duration.ofSeconds(10));
        assertThat(got).extracting(Clients::text).containsExactlyInAnyOrder("t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7");
        assertThat(got).allSatisfy(p -> assertThat(p.isRetain()).as("RETAIN set on a retained message").isTrue());
        assertThat(sub.await(1, Duration.ofMillis(500))).isEmpty();

        // A live message to an established subscription has RETAIN 0 (MQTT-3.3.1-9), even if published retained.
        retain(publisher, "home/room1/temp", "t1-new");
        List<Mqtt5Publish> live = sub.await(1, Duration.ofSeconds(10));
        assertThat(live).extracting(Clients::text).containsExactly("t1-new");
        assertThat(live.get(0).isRetain()).isFalse();
        sub.client.disconnect();
        publisher.disconnect();
    }

    @Test
    void anEmptyRetainedPayloadDeletesTheRetainedMessage() throws Exception {
        Mqtt5BlockingClient publisher = Clients.connect(gw1.port(), "d-pub");
        retain(publisher, "door/front", "open");
        retain(publisher, "door/back", "closed");
        retain(publisher, "door/front", "");
        Thread.sleep(1500);
        Clients.Collector sub = new Clients.Collector(gw2.port(), "d-sub").subscribe("door/#", MqttQos.AT_LEAST_ONCE);
        assertThat(sub.await(2, Duration.ofSeconds(3))).extracting(Clients::text).containsExactly("closed");
        sub.client.disconnect();
        publisher.disconnect();
    }

    @Test
    void retainHandlingDecidesWhetherRetainedMessagesAreSentAtSubscribe() throws Exception {
        Mqtt5BlockingClient publisher = Clients.connect(gw1.port(), "h-pub");
        retain(publisher, "lamp/state", "on");
        Thread.sleep(1500);
        Clients.Collector sub = new Clients.Collector(gw2.port(), "h-sub");

        sub.client.subscribeWith().topicFilter("lamp/#").qos(MqttQos.AT_LEAST_ONCE)
                .retainHandling(Mqtt5RetainHandling.DO_NOT_SEND).send();
        assertThat(sub.await(1, Duration.ofSeconds(2))).as("Retain Handling 2").isEmpty();
        sub.client.unsubscribeWith().topicFilter("lamp/#").send();

        sub.client.subscribeWith().topicFilter("lamp/+").qos(MqttQos.AT_LEAST_ONCE)
                .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST).send();
        assertThat(sub.await(1, Duration.ofSeconds(5))).as("Retain Handling 1, new").extracting(Clients::text).containsExactly("on");
        sub.client.subscribeWith().topicFilter("lamp/+").qos(MqttQos.AT_LEAST_ONCE)
                .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST).send();
        assertThat(sub.await(1, Duration.ofSeconds(2))).as("Retain Handling 1, existing").isEmpty();

        sub.client.subscribeWith().topicFilter("lamp/+").qos(MqttQos.AT_LEAST_ONCE).retainHandling(Mqtt5RetainHandling.SEND).send();
        assertThat(sub.await(1, Duration.ofSeconds(5))).as("Retain Handling 0, existing").extracting(Clients::text).containsExactly("on");
        sub.client.disconnect();
        publisher.disconnect();
    }

    @Test
    void retainAsPublishedKeepsTheFlagOnLiveMessages() throws Exception {
        Clients.Collector sub = new Clients.Collector(gw2.port(), "rap-sub");
        sub.client.subscribeWith().topicFilter("rap/topic").qos(MqttQos.AT_LEAST_ONCE).retainAsPublished(true).send();
        Mqtt5BlockingClient publisher = Clients.connect(gw1.port(), "rap-pub");
        retain(publisher, "rap/topic", "kept");
        Clients.publish(publisher, "rap/topic", "plain", MqttQos.AT_LEAST_ONCE);
        List<Mqtt5Publish> got = sub.await(2, Duration.ofSeconds(10));
        assertThat(got).extracting(Clients::text).containsExactly("kept", "plain");
        assertThat(got).extracting(Mqtt5Publish::isRetain).containsExactly(true, false);
        sub.client.disconnect();
        publisher.disconnect();
    }

    @Test
    void noLocalKeepsAClientsOwnMessagesFromIt() throws Exception {
        Clients.Collector chatty = new Clients.Collector(gw1.port(), "nl-self");
        chatty.client.subscribeWith().topicFilter("chat/room").qos(MqttQos.AT_LEAST_ONCE).noLocal(true).send();
        Clients.Collector other = new Clients.Collector(gw2.port(), "nl-other").subscribe("chat/room", MqttQos.AT_LEAST_ONCE);
        Clients.publish(chatty.client, "chat/room", "from-self", MqttQos.AT_LEAST_ONCE);
        Clients.publish(other.client, "chat/room", "from-other", MqttQos.AT_LEAST_ONCE);
        assertThat(other.await(2, Duration.ofSeconds(10))).extracting(Clients::text).containsExactlyInAnyOrder("from-self", "from-other");
        assertThat(chatty.await(2, Duration.ofSeconds(3))).extracting(Clients::text).containsExactly("from-other");
        chatty.client.disconnect();
        other.client.disconnect();
    }

    @Test
    void retainedMessagesSurviveAndReachAGatewayStartedLaterAndMqtt311Clients() throws Exception {
        Mqtt5BlockingClient publisher = Clients.connect(gw1.port(), "late-pub");
        retain(publisher, "fleet/truck-9/position", "52.1,4.3");
        publisher.disconnect();
        Thread.sleep(1500);
        Cluster.Gateway gw3 = cluster.startGateway("gw-3");
        Mqtt3BlockingClient v3 = Mqtt3Client.builder().identifier("late-v3").serverHost("127.0.0.1").serverPort(gw3.port())
                .buildBlocking();
        v3.connect();
        BlockingQueue<Mqtt3Publish> inbox = new LinkedBlockingQueue<>();
        v3.toAsync().publishes(MqttGlobalPublishFilter.ALL, inbox::add);
        v3.subscribeWith().topicFilter("fleet/+/position").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt3Publish p = inbox.poll(10, TimeUnit.SECONDS);
        assertThat(p).isNotNull();
        assertThat(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("52.1,4.3");
        assertThat(p.isRetain()).isTrue();
        v3.disconnect();
    }
}
