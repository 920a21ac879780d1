package io.kmqtt.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import io.kmqtt.testinfra.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * bin/cluster as a user runs it: up with two gateways and two routers behind HAProxy, a short
 * bin/chaos run against it, pub/sub through the load balancer (TCP and WebSocket) with
 * authenticated real clients, then down, leaving no process behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterScriptIT {

    private static final Path DIR = Cluster.ROOT.resolve("integration-tests/target/cluster-script");

    private static final int PORT_BASE = 24000;

    private static int lbPort;
    private static int lbWsPort;
    private static Map<String, Long> pids;
    private static ClusterScriptRunner cluster;

    @BeforeAll
    static void up() throws Exception {
        lbPort = FreePorts.find();
        lbWsPort = FreePorts.find();
        cluster = new ClusterScriptRunner(DIR, PORT_BASE,
                Map.of("MQTT_LB_PORT", Integer.toString(lbPort), "MQTT_LB_WS_PORT", Integer.toString(lbWsPort)));
        String out = cluster.run(Duration.ofMinutes(5), "up", "--gateways", "2", "--routers", "2", "--users", "20");
        pids = ClusterScriptRunner.processes(out);
        assertThat(pids.keySet()).contains("kafka", "redis", "auth-service", "admin-api", "router-1", "router-2",
                "gw-1", "gw-2", "lb-1");
        assertThat(out).contains("127.0.0.1:" + lbPort, "ws://127.0.0.1:" + lbWsPort + "/mqtt").doesNotContain(" down ");
    }

    @AfterAll
    static void downIfStillUp() throws Exception {
        if (pids != null && pids.values().stream().anyMatch(ClusterScriptRunner::alive)) {
            cluster.run(Duration.ofMinutes(1), "down");
        }
    }

    /**
     * The fault-injection suite as a user runs it, shortened: bin/chaos kills a router (kill -9)
     * under its sequenced QoS 1 workload, starts it again, and fails if the broker lost a message
     * it had acknowledged.
     */
    @Test
    @Order(1)
    void binChaosKillsARouterAndTheClusterLosesNothingItAcknowledged() throws Exception {
        Path out = DIR.resolve("chaos-out");
        List<String> command = List.of(Cluster.ROOT.resolve("bin/chaos").toString(), "run", "--fault", "kill-router",
                "--fail-on-loss", "--user", "backend", "--password", "123456", "--rate", "100", "--topics", "6",
                "--publishers", "2", "--subscribers", "2", "--baseline", "0s", "--warmup", "3s", "--hold", "5s",
                "--quiet", "3s", "--settle", "30s", "--drain", "30s", "--out", out.toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        cluster.environment(builder);
        builder.environment().put("JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(4, TimeUnit.MINUTES)).as("bin/chaos finished").isTrue();
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("bin/chaos run (3: acknowledged messages lost):\n" + text).isZero();

        JsonNode row = new ObjectMapper().readTree(out.resolve("report.json").toFile()).path("rows").get(0);
        assertThat(row.path("fault").asText()).isEqualTo("kill-router");
        assertThat(row.path("events").toString()).contains("kill -9 router-1", "router-1 up again");
        assertThat(row.path("acknowledged").asLong()).as("acknowledged").isPositive();
        assertThat(row.path("lostAfterAck").asLong()).as("lost after ack").isZero();
        assertThat(row.path("delivered").asLong()).as("every expected delivery").isEqualTo(row.path("expected").asLong());
    }

    @Test
    @Order(2)
    void pubSubThroughTheLoadBalancerThenDownLeavesNothingBehind() throws Exception {
        webSocketClientsReachTheClusterThroughTheLoadBalancer();
        Mqtt5BlockingClient mobile = login("mobile7", null);
        Clients.Collector inbox = new Clients.Collector(mobile).subscribe("topic/device_user7/t_1", MqttQos.AT_LEAST_ONCE);
        Mqtt5BlockingClient device = login("device7", "127.0.0.5");
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sent.add("m" + i);
            Clients.publish(device, "topic/device_user7/t_1", "m" + i, MqttQos.AT_LEAST_ONCE);
        }
        assertThat(inbox.await(20, Duration.ofSeconds(20))).extracting(Clients::text).containsExactlyElementsOf(sent);

        // The admin API sees the whole cluster: both gateways and routers, and the mobile on its gateway.
        String admin = "http://127.0.0.1:" + (PORT_BASE + 91);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            given().baseUri(admin).auth().preemptive().basic("admin", "kmqtt-admin").get("/api/v1/nodes").then()
                    .statusCode(200).body("findAll { it.status == 'running' }.node", hasItems("gw-1", "gw-2", "router-1", "router-2"));
            given().baseUri(admin).auth().preemptive().basic("admin", "kmqtt-admin").get("/api/v1/clients/mobile7").then()
                    .statusCode(200).body("username", equalTo("user7"), "ip_address", equalTo("127.0.0.1"));
        });
        device.disconnect();
        mobile.disconnect();

        // The gateways read the PROXY protocol header: they log the client's own address, not HAProxy's.
        Mqtt5ConnAckException refused = catchThrowableOfType(Mqtt5ConnAckException.class, () ->
                Mqtt5Client.builder().identifier("intruder").serverHost("127.0.0.1").serverPort(lbPort)
                        .transportConfig().localAddress(new InetSocketAddress("127.0.0.9", 0)).applyTransportConfig()
                        .buildBlocking().connectWith().simpleAuth().username("user7")
                        .password("wrong".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send());
        assertThat(refused).isNotNull();
        assertThat(gatewayLogs()).contains("CONNECT from 127.0.0.9:");

        String status = cluster.run(Duration.ofSeconds(30), "status");
        assertThat(ClusterScriptRunner.processes(status)).containsOnlyKeys(pids.keySet());
        assertThat(status).doesNotContain(" down ");

        cluster.run(Duration.ofMinutes(2), "down");
        assertThat(pids.entrySet()).allSatisfy(e -> assertThat(ClusterScriptRunner.alive(e.getValue())).as(e.getKey() + " still running").isFalse());
    }

    /** A browser or MQTT.js client: MQTT over WebSocket at ws://LB/mqtt, to and from a TCP client. */
    private void webSocketClientsReachTheClusterThroughTheLoadBalancer() throws Exception {
        Mqtt5BlockingClient browser = Mqtt5Client.builder().identifier("ws-app7").serverHost("127.0.0.1").serverPort(lbWsPort)
                .webSocketConfig().serverPath("mqtt").applyWebSocketConfig().buildBlocking();
        browser.connectWith().simpleAuth().username("user7").password("123456".getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
        Clients.Collector app = new Clients.Collector(browser).subscribe("topic/device_user7/t_5", MqttQos.AT_LEAST_ONCE);
        Mqtt5BlockingClient device = login("tcp-device7", null);
        Clients.publish(device, "topic/device_user7/t_5", "from tcp", MqttQos.AT_LEAST_ONCE);
        assertThat(app.await(1, Duration.ofSeconds(20))).extracting(Clients::text).containsExactly("from tcp");

        Clients.Collector tcpSide = new Clients.Collector(device).subscribe("topic/device_user7/t_6", MqttQos.AT_LEAST_ONCE);
        Clients.publish(browser, "topic/device_user7/t_6", "from ws", MqttQos.AT_LEAST_ONCE);
        assertThat(tcpSide.await(1, Duration.ofSeconds(20))).extracting(Clients::text).containsExactly("from ws");
        browser.disconnect();
        device.disconnect();
    }

    private static Mqtt5BlockingClient login(String clientId, String sourceAddress) {
        var builder = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(lbPort);
        if (sourceAddress != null) {
            builder = builder.transportConfig().localAddress(new InetSocketAddress(sourceAddress, 0)).applyTransportConfig();
        }
        Mqtt5BlockingClient client = builder.buildBlocking();
        client.connectWith().simpleAuth().username("user7").password("123456".getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
        return client;
    }

    private static String gatewayLogs() throws Exception {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> logs = Files.list(DIR.resolve("logs"))) {
            for (Path log : logs.filter(p -> p.getFileName().toString().startsWith("gw-")).toList()) {
                all.append(Files.readString(log));
            }
        }
        return all.toString();
    }
}
