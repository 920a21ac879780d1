package io.kmqtt.it;

import io.kmqtt.testinfra.FreePorts;
import io.kmqtt.testinfra.KafkaServer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A gateway is ready only after its warm-ups, the second of which sends messages through Kafka and a router and back. A gateway's and a router's readiness follow Kafka: DOWN while it is gone, UP again when it is
 * back, while liveness stays UP throughout. Uses a Kafka of its own, since it kills it.
 */
class ReadinessIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void readinessIsDownWhileKafkaIsUnreachableAndUpWhenItReturns() throws Exception {
        try (KafkaServer kafka = KafkaServer.start(); Cluster cluster = new Cluster(kafka.bootstrapServers())) {
            int routerPort = FreePorts.find();
            cluster.startRouter("router-1", Map.of("QUARKUS_HTTP_PORT", Integer.toString(routerPort)));
            int gatewayPort = FreePorts.find();
            Cluster.Gateway gateway = cluster.startGateway("gw-ready", Map.of("MQTT_ALLOW_ANONYMOUS", "true",
                    "QUARKUS_HTTP_PORT", Integer.toString(gatewayPort), "MQTT_WARM_UP_CONNECTS", "300",
                    "MQTT_WARM_UP_MESSAGES", "2000"));
            // Warm-ups first (CONNECTs, then messages through Kafka and the router and back), then
            // the MQTT listener, then the HTTP port that answers the probes.
            String log = gateway.process().log();
            assertThat(log).contains("warmed up: 300 CONNECTs");
            Matcher messages = Pattern.compile("warmed up the message path: (\\d+) of 2000 messages back through the bus").matcher(log);
            assertThat(messages.find()).as(log).isTrue();
            assertThat(Integer.parseInt(messages.group(1))).as("messages back from the router").isGreaterThanOrEqualTo(2000);
            assertThat(log.indexOf("warmed up:")).isLessThan(messages.start());
            assertThat(messages.start()).isLessThan(log.indexOf("listening on 127.0.0.1"));
            assertThat(log.indexOf("listening on 127.0.0.1")).isLessThan(log.indexOf("Listening on: http"));
            // Its clients are gone, and nothing of theirs was dropped.
            Scrape metrics = Scrape.of(gatewayPort);
            assertThat(metrics.value("mqtt_connections")).isZero();
            assertThat(metrics.value("mqtt_messages_dropped_total")).isZero();

            for (int port : new int[] {gatewayPort, routerPort}) {
                HttpResponse<String> ready = get(port, "/q/health/ready");
                assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
                assertThat(ready.body()).contains("\"message-bus\"", "\"type\": \"kafka\"");
            }

            kafka.kill();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                for (int port : new int[] {gatewayPort, routerPort}) {
                    HttpResponse<String> ready = get(port, "/q/health/ready");
                    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
                    assertThat(ready.body()).contains("\"message-bus\"", "\"status\": \"DOWN\"");
                }
            });
            for (int port : new int[] {gatewayPort, routerPort}) {
                assertThat(get(port, "/q/health/live").statusCode()).as("liveness while Kafka is down").isEqualTo(200);
            }

            kafka.restart();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                for (int port : new int[] {gatewayPort, routerPort}) {
                    HttpResponse<String> ready = get(port, "/q/health/ready");
                    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
                }
            });
            for (int port : new int[] {gatewayPort, routerPort}) {
                assertThat(get(port, "/q/health/live").statusCode()).isEqualTo(200);
            }
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
