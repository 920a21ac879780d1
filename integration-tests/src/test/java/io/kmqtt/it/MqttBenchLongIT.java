package io.kmqtt.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** bin/mqtt-bench against the standalone broker: a tiny run whose report must add up. */
class MqttBenchLongIT {

    private static ChildProcess broker;
    private static int port;

    @BeforeAll
    static void startBroker() throws Exception {
        port = FreePorts.find();
        broker = ChildProcess.start(List.of(Cluster.ROOT.resolve("bin/broker").toString()),
                Map.of("MQTT_TCP_PORT", Integer.toString(port), "QUARKUS_HTTP_PORT", "0", "MQTT_WS_PORT", "0",
                        "JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC"),
                Cluster.ROOT.resolve("integration-tests/target/standalone-bench.log"));
        broker.awaitLogLine("listening on 127.0.0.1:" + port, Duration.ofSeconds(120));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.stop();
        }
    }

    @Test
    void pointToPointAtQos1DeliversEverythingAndTheReportSaysSo() throws Exception {
        Path out = Cluster.ROOT.resolve("integration-tests/target/bench-p2p");
        String output = bench("run", "--scenario", "p2p", "--scale", "0.02", "--port", Integer.toString(port),
                "--out", out.toString(), "--steady", "3s", "--publish-interval", "250ms", "--ramp-rate", "200",
                "--pids", "broker=" + broker.pid());
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        Map<String, JsonNode> rows = new HashMap<>();
        report.get("samplers").forEach(r -> rows.put(r.get("sampler").asText(), r));
        assertThat(rows.keySet()).as(output).containsExactlyInAnyOrder("Connect", "Devicepub", "Devicesub", "Mobilepub", "Mobilesub");
        assertThat(rows.get("Connect").get("received").asLong()).isEqualTo(40);
        for (String sampler : List.of("Devicepub", "Devicesub", "Mobilepub", "Mobilesub")) {
            JsonNode row = rows.get(sampler);
            assertThat(row.get("sent").asLong()).as(sampler + " sent").isGreaterThan(100);
            assertThat(row.get("received").asLong()).as(sampler + " received").isEqualTo(row.get("sent").asLong());
            assertThat(row.get("failed").asLong()).as(sampler + " failed").isZero();
        }
        // what the devices published is what the mobiles received, and the other way round
        assertThat(rows.get("Mobilesub").get("received").asLong()).isEqualTo(rows.get("Devicepub").get("sent").asLong());
        assertThat(rows.get("Devicesub").get("received").asLong()).isEqualTo(rows.get("Mobilepub").get("sent").asLong());
        assertThat(report.get("summary").get("maxConcurrentConnections").asInt()).isEqualTo(40);
        assertThat(report.get("failures").size()).isZero();
        assertThat(report.get("brokerProcesses").get("broker").get("rssMbMax").asDouble()).isPositive();
        assertThat(out.resolve("report.md")).content().contains("| Mobilesub |");
        assertThat(out.resolve("cpu.svg")).exists();
    }

    @Test
    void seedScenarioAtCiScaleRunsEveryStageAndSampler() throws Exception {
        Path out = Cluster.ROOT.resolve("integration-tests/target/bench-seed-6");
        bench("run", "--scenario", "seed-6", "--scale", "ci", "--port", Integer.toString(port), "--out", out.toString(),
                "--publish-interval", "1s");
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        List<String> samplers = new ArrayList<>();
        report.get("samplers").forEach(r -> samplers.add(r.get("sampler").asText()));
        assertThat(samplers).contains("Connect", "Devicepub", "Devicesub", "Mobilepub", "Mobilesub", "ListenToAllTopics");
        assertThat(report.get("summary").get("maxConcurrentConnections").asInt()).isEqualTo(401);
        assertThat(report.get("connectionsPlanned").asInt()).isEqualTo(401);
    }

    @Test
    void twoLoadProcessesRunOneSeedScenarioTogether() throws Exception {
        Path out = Cluster.ROOT.resolve("integration-tests/target/bench-seed-1-workers");
        bench("run", "--scenario", "seed-1", "--scale", "ci", "--workers", "2", "--ramp-rate", "200",
                "--port", Integer.toString(port), "--out", out.toString(), "--publish-interval", "1s");
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertThat(report.get("workers").asInt()).isEqualTo(2);
        assertThat(report.get("summary").get("maxConcurrentConnections").asInt())
                .isEqualTo(report.get("connectionsPlanned").asInt());
        assertThat(report.get("failures").size()).isZero();
        // each process counts what its own pairs sent and received: merged, nothing may be missing
        Map<String, JsonNode> rows = new HashMap<>();
        report.get("samplers").forEach(r -> rows.put(r.get("sampler").asText(), r));
        for (String sampler : List.of("Devicesub", "Mobilesub")) {
            JsonNode row = rows.get(sampler);
            assertThat(row.get("sent").asLong()).as(sampler + " expected").isPositive();
            assertThat(row.get("received").asLong()).as(sampler + " received").isEqualTo(row.get("sent").asLong());
        }
        assertThat(rows.get("Mobilesub").get("received").asLong()).isEqualTo(rows.get("Devicepub").get("sent").asLong());
        assertThat(rows.get("Devicesub").get("received").asLong()).isEqualTo(rows.get("Mobilepub").get("sent").asLong());
        // every second with connects has its CONNACK p99
        JsonNode connects = report.get("series").get("connects");
        JsonNode connackP99 = report.get("series").get("connectP99Ms");
        for (int second = 0; second < connects.size(); second++) {
            if (connects.get(second).asLong() > 0) {
                assertThat(connackP99.get(second).asDouble()).as("CONNACK p99 of second %d", second).isPositive();
            }
        }
    }

    private static String bench(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Cluster.ROOT.resolve("bin/mqtt-bench").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("JAVA_OPTS", "-Xmx256m");
        Process p = builder.start();
        byte[] output = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(text).isZero();
        return text;
    }
}
