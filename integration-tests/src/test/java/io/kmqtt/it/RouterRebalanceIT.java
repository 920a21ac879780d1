package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.kmqtt.testinfra.ChildProcess;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Routers join and leave the group while QoS 1 messages stream through: shards move between
 * routers, each new owner rebuilds its routes from the compacted topic and resumes from the last
 * committed offset, so no acknowledged message is lost (duplicates are allowed at QoS 1).
 */
class RouterRebalanceIT {

    private static final int MESSAGES = 600;

    @Test
    void routerJoiningAndLeavingMidStreamLosesNoQos1Message() throws Exception {
        try (Cluster cluster = new Cluster(SharedKafka.bootstrapServers())) {
            ChildProcess router1 = cluster.startRouter("router-1");
            Cluster.Gateway gw1 = cluster.startGateway("gw-1");
            Cluster.Gateway gw2 = cluster.startGateway("gw-2");
            Clients.Collector subscriber = new Clients.Collector(gw1.port(), "sub").subscribe("load/#", MqttQos.AT_LEAST_ONCE);
            Mqtt5BlockingClient publisher = Clients.connect(gw2.port(), "pub");

            CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < MESSAGES; i++) {
                    // Eight topics spread the stream over all partitions, hence over both routers.
                    Clients.publish(publisher, "load/" + (i % 8), Integer.toString(i), MqttQos.AT_LEAST_ONCE);
                    sleep(15);
                }
            });
            sleep(2_000);
            cluster.startRouter("router-2");   // joins: half of the shards move to it
            sleep(3_000);
            router1.stop();                     // leaves: router-2 takes every shard
            stream.get();

            Set<Integer> seen = new TreeSet<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen.size() < MESSAGES && System.nanoTime() < deadline) {
                for (Mqtt5Publish p : subscriber.await(1, Duration.ofSeconds(1))) {
                    seen.add(Integer.parseInt(Clients.text(p)));
                }
            }
            Set<Integer> missing = new TreeSet<>();
            for (int i = 0; i < MESSAGES; i++) {
                if (!seen.contains(i)) {
                    missing.add(i);
                }
            }
            assertThat(missing).as("QoS 1 messages lost across the rebalance").isEmpty();
            publisher.disconnect();
            subscriber.client.disconnect();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
