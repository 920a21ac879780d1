package io.kmqtt.it;

import io.kmqtt.mqttbench.loss.LossReport;
import io.kmqtt.testinfra.KafkaCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One of three Kafka nodes (replication factor 3, {@code min.insync.replicas} 2) killed with
 * SIGKILL mid-stream and started again: publishing goes on once the partition leaders moved, and
 * every acknowledged message arrives. Long suite ({@code ./mvnw -B verify -Plong}): three Kafka
 * JVMs beside the services.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class KafkaNodeFailoverLongIT {

    @Test
    void aKafkaNodeKilledMidStreamLosesNothingAcknowledged() throws Exception {
        try (KafkaCluster kafka = KafkaCluster.start(3);
             Cluster cluster = new Cluster(kafka.bootstrapServers()).withEnv("BUS_KAFKA_REPLICATION_FACTOR", "3");
             SequencedTraffic traffic = new SequencedTraffic()) {
            cluster.startRouter("router-1");
            cluster.startRouter("router-2");
            Cluster.Gateway publishers = cluster.startGateway("gw-pub");
            Cluster.Gateway subscribers = cluster.startGateway("gw-sub");
            traffic.subscribe(subscribers.port(), "kn-sub", "kn/#", Duration.ofMinutes(5));
            List<CompletableFuture<Void>> streams = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                streams.add(traffic.publish(publishers.port(), "kn-pub-" + t, "kn/" + t, 6_000, 200, Duration.ofMillis(5)));
            }
            Thread.sleep(6_000);
            kafka.kill(0);
            Thread.sleep(15_000);
            kafka.restart(0);
            CompletableFuture.allOf(streams.toArray(CompletableFuture[]::new)).get(4, TimeUnit.MINUTES);
            LossReport report = traffic.awaitAllAcknowledgedReceived(Duration.ofSeconds(90));
            System.out.println(report.toMarkdown(10));
            assertThat(report.total().lostAcknowledged()).as("acknowledged messages that never arrived").isZero();
            assertThat(report.total().received()).isEqualTo(24_000);
        }
    }
}
