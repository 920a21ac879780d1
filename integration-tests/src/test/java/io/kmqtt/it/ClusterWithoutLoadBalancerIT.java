package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * bin/cluster up --no-lb: no HAProxy, and the gateways take clients on their own ports without the
 * PROXY header, as behind DNS round robin or a load balancer on other machines.
 */
class ClusterWithoutLoadBalancerIT {

    private static final Path DIR = Cluster.ROOT.resolve("integration-tests/target/cluster-no-lb");
    private static final int PORT_BASE = 25000;
    private static final ClusterScriptRunner CLUSTER = new ClusterScriptRunner(DIR, PORT_BASE, Map.of("MQTT_WARM_UP_CONNECTS", "0"));

    private static Map<String, Long> pids;

    @AfterAll
    static void downIfStillUp() throws Exception {
        if (pids != null && pids.values().stream().anyMatch(ClusterScriptRunner::alive)) {
            CLUSTER.run(Duration.ofMinutes(1), "down");
        }
    }

    @Test
    void clientsOnTwoGatewaysReachEachOtherWithoutALoadBalancerThenDownLeavesNothingBehind() throws Exception {
        String out = CLUSTER.run(Duration.ofMinutes(5), "up", "--no-lb", "--anonymous", "--gateways", "2", "--routers", "1");
        pids = ClusterScriptRunner.processes(out);
        assertThat(pids.keySet()).contains("kafka", "router-1", "gw-1", "gw-2").noneMatch(name -> name.startsWith("lb-"));
        assertThat(out).contains("no load balancer (--no-lb)").doesNotContain("PROXY protocol").doesNotContain(" down ");

        String[] gatewayPorts = CLUSTER.run(Duration.ofSeconds(30), "gateway-ports").strip().split(",");
        assertThat(gatewayPorts).containsExactly(Integer.toString(PORT_BASE + 1001), Integer.toString(PORT_BASE + 1002));

        Mqtt5BlockingClient subscriber = anonymous("direct-sub", Integer.parseInt(gatewayPorts[1]));
        Clients.Collector inbox = new Clients.Collector(subscriber).subscribe("direct/t", MqttQos.AT_LEAST_ONCE);
        Mqtt5BlockingClient publisher = anonymous("direct-pub", Integer.parseInt(gatewayPorts[0]));
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sent.add("m" + i);
            Clients.publish(publisher, "direct/t", "m" + i, MqttQos.AT_LEAST_ONCE);
        }
        assertThat(inbox.await(20, Duration.ofSeconds(30))).extracting(Clients::text).containsExactlyElementsOf(sent);
        publisher.disconnect();
        subscriber.disconnect();

        CLUSTER.run(Duration.ofMinutes(2), "down");
        assertThat(pids.entrySet()).allSatisfy(e -> assertThat(ClusterScriptRunner.alive(e.getValue())).as(e.getKey() + " still running").isFalse());
    }

    private static Mqtt5BlockingClient anonymous(String clientId, int port) {
        Mqtt5BlockingClient client = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port).buildBlocking();
        client.connect();
        return client;
    }
}
