package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** $SYS topics per gateway and cluster-wide, out of reach of '#' and of publishing clients. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SysTopicsIT {

    @Test
    void gatewaysPublishTheirOwnAndTheClustersFiguresUnderSys() throws Exception {
        try (Cluster cluster = new Cluster(SharedKafka.bootstrapServers())) {
            Map<String, String> env = Map.of("MQTT_ALLOW_ANONYMOUS", "true", "MQTT_SYS_INTERVAL", "1s");
            cluster.startRouter("router-1");
            Cluster.Gateway gw1 = cluster.startGateway("gw-1", env);
            Cluster.Gateway gw2 = cluster.startGateway("gw-2", env);

            Clients.Collector everything = new Clients.Collector(gw2.port(), "all-sub").subscribe("#", MqttQos.AT_MOST_ONCE);
            Clients.Collector sys = new Clients.Collector(gw2.port(), "sys-sub").subscribe("$SYS/#", MqttQos.AT_MOST_ONCE);
            Mqtt5BlockingClient other = Clients.connect(gw1.port(), "sys-other");

            // Read $SYS until both gateways have counted their clients and the cluster sum shows all three.
            Map<String, String> latest = new HashMap<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && !(
                    "2".equals(latest.get("$SYS/brokers/gw-2/clients/connected"))
                            && "1".equals(latest.get("$SYS/brokers/gw-1/clients/connected"))
                            && "3".equals(latest.get("$SYS/cluster/clients/connected"))
                            && "2".equals(latest.get("$SYS/cluster/gateways")))) {
                for (Mqtt5Publish p : sys.await(1, Duration.ofSeconds(1))) {
                    latest.put(p.getTopic().toString(), Clients.text(p));
                }
            }
            assertThat(latest).containsEntry("$SYS/brokers/gw-2/clients/connected", "2")
                    .containsEntry("$SYS/brokers/gw-1/clients/connected", "1")
                    .containsEntry("$SYS/cluster/clients/connected", "3")
                    .containsEntry("$SYS/cluster/gateways", "2")
                    .containsEntry("$SYS/cluster/routers", "1")
                    .containsKeys("$SYS/brokers/gw-1/uptime", "$SYS/brokers/gw-1/messages/received", "$SYS/brokers/gw-1/bytes/sent");

            // A later subscriber gets the figures at once: they are retained.
            Clients.Collector late = new Clients.Collector(gw1.port(), "late-sys").subscribe("$SYS/cluster/gateways", MqttQos.AT_MOST_ONCE);
            List<Mqtt5Publish> retained = late.await(1, Duration.ofSeconds(5));
            assertThat(retained).hasSize(1);
            assertThat(retained.get(0).isRetain()).isTrue();

            // Clients cannot publish there, and '#' never matched any of it.
            Mqtt5PubAckException refused = catchThrowableOfType(Mqtt5PubAckException.class, () -> other.publishWith()
                    .topic("$SYS/cluster/gateways").payload("99".getBytes(StandardCharsets.UTF_8)).qos(MqttQos.AT_LEAST_ONCE).send());
            assertThat(refused.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            Clients.publish(other, "plain/topic", "x", MqttQos.AT_LEAST_ONCE);
            List<Mqtt5Publish> seenByHash = everything.await(1, Duration.ofSeconds(5));
            assertThat(seenByHash).extracting(p -> p.getTopic().toString()).containsExactly("plain/topic");
            assertThat(everything.await(1, Duration.ofSeconds(2))).isEmpty();
        }
    }
}
