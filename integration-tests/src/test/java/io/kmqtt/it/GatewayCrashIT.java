package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A gateway killed with SIGKILL cannot withdraw its routes. Its heartbeats stop, the routers declare
 * it dead after the expiry and tombstone its routes in the compacted routes topic, so they no
 * longer attract traffic, nor come back when a router rebuilds a shard.
 */
class GatewayCrashIT {

    @Test
    void killedGatewayHasItsRoutesRemoved() throws Exception {
        try (Cluster cluster = new Cluster(SharedKafka.bootstrapServers())) {
            cluster.startRouter("router-1");
            Cluster.Gateway doomed = cluster.startGateway("gw-doomed");
            Cluster.Gateway survivor = cluster.startGateway("gw-survivor");
            Clients.Collector onDoomed = new Clients.Collector(doomed.port(), "sub-doomed")
                    .subscribe("crash/#", MqttQos.AT_LEAST_ONCE)
                    .subscribe("crash/exact", MqttQos.AT_LEAST_ONCE);
            Clients.Collector onSurvivor = new Clients.Collector(survivor.port(), "sub-survivor")
                    .subscribe("crash/survivor", MqttQos.AT_LEAST_ONCE);

            Set<String> before = RouteTopic.liveRoutes(cluster.bootstrapServers(), cluster.topicPrefix());
            assertThat(before).contains("gw-doomed crash/#", "gw-doomed crash/exact", "gw-survivor crash/survivor");

            doomed.process().kill();

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(RouteTopic.liveRoutes(cluster.bootstrapServers(), cluster.topicPrefix()))
                            .containsExactly("gw-survivor crash/survivor"));

            // The survivor is unaffected.
            Mqtt5BlockingClient publisher = Clients.connect(survivor.port(), "pub");
            Clients.publish(publisher, "crash/survivor", "still here", MqttQos.AT_LEAST_ONCE);
            assertThat(onSurvivor.await(1, Duration.ofSeconds(20))).hasSize(1);
            publisher.disconnect();
            onSurvivor.client.disconnect();
        }
    }

    /**
     * The wills of a killed gateway's clients are published by the routers once they find it dead
     * (after its delay for an MQTT 5 Will Delay Interval), each once; a client that disconnected
     * normally before the kill has no will sent.
     */
    @Test
    void willsOfAKilledGatewaysClientsArePublishedOnce() throws Exception {
        try (Cluster cluster = new Cluster(SharedKafka.bootstrapServers())) {
            cluster.startRouter("router-1");
            Cluster.Gateway doomed = cluster.startGateway("gw-doomed");
            Cluster.Gateway survivor = cluster.startGateway("gw-survivor");
            Clients.Collector watcher = new Clients.Collector(survivor.port(), "will-watcher")
                    .subscribe("wills/#", MqttQos.AT_LEAST_ONCE);

            Mqtt3BlockingClient v3 = Mqtt3Client.builder().identifier("will-v3").serverHost("127.0.0.1")
                    .serverPort(doomed.port()).buildBlocking();
            v3.connectWith().willPublish().topic("wills/v3").payload(bytes("v3 gone")).qos(MqttQos.AT_LEAST_ONCE)
                    .applyWillPublish().send();
            Mqtt5BlockingClient delayed = Clients.unconnected(doomed.port(), "will-v5-delayed");
            delayed.connectWith().cleanStart(true).sessionExpiryInterval(60).willPublish().topic("wills/v5")
                    .payload(bytes("v5 gone")).qos(MqttQos.AT_LEAST_ONCE).delayInterval(2).applyWillPublish().send();
            Mqtt5BlockingClient polite = Clients.unconnected(doomed.port(), "will-v5-polite");
            polite.connectWith().willPublish().topic("wills/polite").payload(bytes("never")).applyWillPublish().send();
            polite.disconnect(); // a normal DISCONNECT: its will is discarded

            Thread.sleep(1_000); // the wills table has the entries
            long killedAt = System.nanoTime();
            doomed.process().kill();

            List<String> wills = watcher.await(2, Duration.ofSeconds(30)).stream().map(Clients::text).toList();
            assertThat(wills).containsExactly("v3 gone", "v5 gone");
            assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).as("the delayed will waited for its delay")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
            assertThat(watcher.await(1, Duration.ofSeconds(3))).as("no will twice, none for the polite client").isEmpty();
            watcher.client.disconnect();
        }
    }

    /**
     * A gateway stopped normally disconnects its clients (0x8B) and publishes their wills itself,
     * then tells the routers it leaves: they find no will left to publish, so each is sent once.
     */
    @Test
    void willsOfAStoppedGatewaysClientsArePublishedOnce() throws Exception {
        try (Cluster cluster = new Cluster(SharedKafka.bootstrapServers())) {
            cluster.startRouter("router-1");
            Cluster.Gateway stopping = cluster.startGateway("gw-stopping");
            Cluster.Gateway survivor = cluster.startGateway("gw-survivor");
            Clients.Collector watcher = new Clients.Collector(survivor.port(), "will-watcher")
                    .subscribe("wills/#", MqttQos.AT_LEAST_ONCE);
            for (int i = 0; i < 20; i++) {
                Mqtt5BlockingClient client = Clients.unconnected(stopping.port(), "will-" + i);
                client.connectWith().willPublish().topic("wills/" + i).payload(bytes("gone " + i))
                        .qos(MqttQos.AT_LEAST_ONCE).applyWillPublish().send();
            }
            Thread.sleep(1_000);

            stopping.process().stop();

            List<String> wills = watcher.await(20, Duration.ofSeconds(30)).stream().map(Clients::text).toList();
            assertThat(wills).hasSize(20).doesNotHaveDuplicates();
            assertThat(watcher.await(1, Duration.ofSeconds(8))).as("the router publishes none of them again").isEmpty();
            watcher.client.disconnect();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
