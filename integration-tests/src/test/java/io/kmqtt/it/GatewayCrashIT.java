package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
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
}
