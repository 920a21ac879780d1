package io.kmqtt.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * bin/mqtt-bench's sequenced scenarios (stream, fanin) against the standalone broker and Mosquitto:
 * the report's loss accounting must add up. Loss itself is not asserted against kmqtt: under
 * full-speed streams it drops today (issue #14), which is what these figures are for; they are
 * printed. Against Mosquitto, whose queue is made large enough here, nothing may be lost: that
 * holds the tool to not inventing loss.
 */
class StreamBenchLongIT {

    private static final int PAIRS = 2;
    private static final int COUNT = 5_000;

    private static ChildProcess broker;
    private static int port;

    @BeforeAll
    static void startBroker() throws Exception {
        port = FreePorts.find();
        broker = StandaloneBroker.start("standalone-stream", port, Map.of("JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC"));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.stop();
        }
    }

    @ParameterizedTest(name = "QoS {0}")
    @ValueSource(ints = {0, 1, 2})
    void streamAgainstKmqttAddsUp(int qos) throws Exception {
        JsonNode report = stream("kmqtt-qos" + qos, port, qos);
        assertAddsUp(report, qos);
    }

    @Test
    void streamAgainstMosquittoAddsUpAndLosesNothing() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/mosquitto")) || Files.isExecutable(Path.of("/usr/bin/mosquitto")),
                "mosquitto not installed");
        int mosquittoPort = FreePorts.find();
        Path dir = Files.createDirectories(Cluster.ROOT.resolve("integration-tests/target/mosquitto-stream"));
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, "listener " + mosquittoPort + " 127.0.0.1\nallow_anonymous true\npersistence false\n"
                + "max_queued_messages 100000\nlog_dest stderr\n");
        String binary = Files.isExecutable(Path.of("/usr/sbin/mosquitto")) ? "/usr/sbin/mosquitto" : "/usr/bin/mosquitto";
        try (ChildProcess mosquitto = ChildProcess.start(List.of(binary, "-c", conf.toString()), Map.of(), dir.resolve("mosquitto.log"))) {
            awaitPort(mosquittoPort);
            JsonNode report = stream("mosquitto-qos1", mosquittoPort, 1);
            assertAddsUp(report, 1);
            for (JsonNode pair : report.get("streams")) {
                assertThat(pair.get("sent").asLong()).as(pair.get("stream").asText()).isEqualTo(COUNT);
                assertThat(pair.get("lost").asLong()).as(pair.get("stream").asText()).isZero();
                assertThat(pair.get("duplicates").asLong()).isZero();
                assertThat(pair.get("reordered").asLong()).isZero();
            }
        }
    }

    @Test
    void faninAtQos1CountsLossPerPublisherAndSubscriber() throws Exception {
        Path out = fresh(Cluster.ROOT.resolve("integration-tests/target/bench-fanin"));
        String output = bench("run", "--scenario", "fanin", "--scale", "0.01", "--port", Integer.toString(port),
                "--out", out.toString(), "--steady", "3s", "--publish-interval", "100ms", "--ramp-rate", "200");
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        System.out.println("fanin, kmqtt: " + report.get("streamTotal"));
        assertThat(report.get("streams").size()).as(output).isEqualTo(10); // 10 publishers x 1 wildcard subscriber
        assertAddsUp(report, 1);
        assertThat(report.get("streamTotal").get("sent").asLong()).isGreaterThan(200);
        assertThat(out.resolve("report.md")).content().contains("## Streams: lost, duplicated, reordered",
                "| topic/device_user1/t_4 ");
    }

    private static JsonNode stream(String name, int target, int qos) throws Exception {
        Path out = fresh(Cluster.ROOT.resolve("integration-tests/target/bench-stream-" + name));
        String output = bench("run", "--scenario", "stream", "--scale", Double.toString(PAIRS / 10.0), "--qos",
                Integer.toString(qos), "--count", Integer.toString(COUNT), "--port", Integer.toString(target),
                "--out", out.toString(), "--steady", "60s", "--drain", "10s");
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        System.out.println("stream " + name + ": " + output.lines().filter(l -> l.startsWith("streams: ")).findFirst().orElse(output));
        for (JsonNode pair : report.get("streams")) {
            System.out.println("  " + pair);
        }
        assertThat(report.get("streams").size()).as(output).isEqualTo(PAIRS);
        assertThat(out.resolve("report.md")).content().contains("## Streams: lost, duplicated, reordered",
                "(latency-over-time.png)](latency-over-time.svg)");
        assertThat(out.resolve("latency.png")).exists();
        return report;
    }

    /** received + lost = sent per stream, the total is the sum, and the samplers agree with the streams. */
    private static void assertAddsUp(JsonNode report, int qos) {
        Map<String, Long> sums = new HashMap<>();
        List<String> fields = List.of("sent", "acknowledged", "received", "lost", "lostAcknowledged", "duplicates", "reordered");
        for (JsonNode pair : report.get("streams")) {
            String name = pair.get("stream").asText();
            long sent = pair.get("sent").asLong();
            assertThat(sent).as(name + " sent").isPositive().isLessThanOrEqualTo(report.get("scenario").asText().equals("stream") ? COUNT : Long.MAX_VALUE);
            assertThat(pair.get("received").asLong() + pair.get("lost").asLong()).as(name + ": received + lost = sent").isEqualTo(sent);
            assertThat(pair.get("acknowledged").asLong()).as(name + " acknowledged").isLessThanOrEqualTo(sent);
            if (qos == 0) {
                assertThat(pair.get("acknowledged").asLong()).as(name + ": nothing to acknowledge at QoS 0").isZero();
            }
            assertThat(pair.get("lostAcknowledged").asLong()).as(name).isLessThanOrEqualTo(pair.get("lost").asLong())
                    .isLessThanOrEqualTo(pair.get("acknowledged").asLong());
            assertThat(pair.get("reordered").asLong()).as(name).isLessThanOrEqualTo(pair.get("received").asLong());
            for (String f : fields) {
                sums.merge(f, pair.get(f).asLong(), Long::sum);
            }
        }
        JsonNode total = report.get("streamTotal");
        for (String f : fields) {
            assertThat(total.get(f).asLong()).as("total " + f).isEqualTo(sums.get(f));
        }
        Map<String, JsonNode> samplers = new HashMap<>();
        report.get("samplers").forEach(r -> samplers.put(r.get("sampler").asText(), r));
        // one stream per publisher in these runs (one subscriber each)
        assertThat(samplers.get("Pub").get("sent").asLong()).as("publishes written").isEqualTo(total.get("sent").asLong());
        if (qos > 0) {
            assertThat(samplers.get("Pub").get("received").asLong()).as("acknowledged publishes")
                    .isEqualTo(total.get("acknowledged").asLong());
        }
        assertThat(samplers.get("Sub").get("received").asLong()).as("every arrival, duplicates included")
                .isEqualTo(total.get("received").asLong() + total.get("duplicates").asLong());
    }

    /** An empty output directory: a chart left by an earlier run must not pass for this run's. */
    private static Path fresh(Path dir) throws java.io.IOException {
        if (Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
        return dir;
    }

    private static void awaitPort(int p) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try (Socket ignored = new Socket("127.0.0.1", p)) {
                return;
            } catch (java.io.IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("port " + p + " never opened");
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
