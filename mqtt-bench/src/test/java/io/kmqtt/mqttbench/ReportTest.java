package io.kmqtt.mqttbench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ReportTest {

    @Test
    void receiveSamplerSuccessIsReceivedOutOfExpected() {
        SamplerStats s = new SamplerStats();
        s.expect(200);
        for (int i = 1; i <= 150; i++) {
            s.success(i * 1_000L); // 1 ms .. 150 ms
        }
        Report.SamplerRow row = Report.row(Sampler.Mobilesub, s.snapshot());
        assertThat(row.sent()).isEqualTo(200);
        assertThat(row.received()).isEqualTo(150);
        assertThat(row.failed()).isEqualTo(50);
        assertThat(row.successRate()).isEqualTo(75.0);
        assertThat(row.avgMs()).isCloseTo(75.5, within(0.2));
        assertThat(row.maxMs()).isCloseTo(150, within(0.2));
        assertThat(row.p50Ms()).isCloseTo(75, within(0.2));
        assertThat(row.p99Ms()).isCloseTo(149, within(0.2));
    }

    @Test
    void publishSamplerCountsFailuresAndUnacknowledged() {
        SamplerStats s = new SamplerStats();
        for (int i = 0; i < 10; i++) {
            s.attempt();
        }
        for (int i = 0; i < 7; i++) {
            s.success(0);
        }
        s.failure(); // one write failed; two never acknowledged
        Report.SamplerRow row = Report.row(Sampler.Devicepub, s.snapshot());
        assertThat(row.sent()).isEqualTo(10);
        assertThat(row.received()).isEqualTo(7);
        assertThat(row.failed()).isEqualTo(3);
        assertThat(row.successRate()).isEqualTo(70.0);
        assertThat(row.avgMs()).isZero();
    }

    @Test
    void workersAreMergedSecondBySecondAndTheBackendExpectsEveryPublish() throws Exception {
        Scenario scenario = Scenario.load("seed-4", 0.0001, 1);
        WorkerResult a = worker(100, 3, List.of(0, 10, 20), List.of(0L, 5L, 7L));
        WorkerResult b = worker(50, 2, List.of(1, 5, 30, 30), List.of(1L, 1L, 9L, 2L));
        Report report = Report.merge(scenario, "127.0.0.1:1883", 0.0001, 1, List.of(a, b), Map.of(), Map.of(), 4);
        assertThat(report.series().connections()).containsExactly(1, 15, 50, 30);
        assertThat(report.series().received()).containsExactly(1L, 6L, 16L, 2L);
        assertThat(report.summary().maxConcurrentConnections()).isEqualTo(50);
        assertThat(report.summary().dispatchRatePeak()).isEqualTo(16);
        assertThat(report.summary().publishesWritten()).isEqualTo(150);
        Report.SamplerRow backend = report.samplers().stream().filter(r -> r.sampler().equals("ListenToAllTopics"))
                .findFirst().orElseThrow();
        assertThat(backend.sent()).isEqualTo(150);
        assertThat(backend.received()).isEqualTo(5);

        Path dir = Files.createTempDirectory("report");
        report.write(dir);
        assertThat(dir.resolve("report.json")).content().contains("\"ListenToAllTopics\"", "\"sent\" : 150");
        assertThat(dir.resolve("report.md")).content().contains("| ListenToAllTopics |", "maximum concurrent connections: 50");
        for (String chart : List.of("connections", "rates", "latency")) {
            assertThat(dir.resolve(chart + ".svg")).content().contains("<svg");
            assertThat(Files.size(dir.resolve(chart + ".png"))).isPositive();
            assertThat(dir.resolve("report.md")).content().contains("(" + chart + ".png)](" + chart + ".svg)");
        }
    }

    @Test
    void eachSecondsConnackP99IsTheWorstProcesssFigure() throws Exception {
        Series first = new Series();
        for (int i = 1; i <= 100; i++) {
            first.connected(i * 1_000L); // 1 .. 100 ms in second 0
        }
        first.tick(0);
        first.tick(1); // no CONNACK in second 1
        Series second = new Series();
        second.connected(500_000);       // one slow CONNACK in second 0
        second.tick(0);
        second.connected(2_000);
        second.tick(1);
        assertThat(first.connectP99Series()).hasSize(2);
        assertThat(first.connectP99Series().get(0)).isCloseTo(99.0, within(1.0)); // 2 significant digits
        assertThat(first.connectP99Series().get(1)).isNull();

        Report report = Report.merge(Scenario.load("seed-1", 0.0001, 1), "127.0.0.1:1883", 0.0001, 1,
                List.of(withConnectP99(first.connectP99Series()), withConnectP99(second.connectP99Series())),
                Map.of(), Map.of(), 2);
        List<Double> merged = report.series().connectP99Ms();
        assertThat(merged).hasSize(2);
        assertThat(merged.get(0)).isCloseTo(500.0, within(5.0));
        assertThat(merged.get(1)).isCloseTo(2.0, within(0.02));

        Path dir = Files.createTempDirectory("report");
        report.write(dir);
        assertThat(dir.resolve("report.json")).content().contains("\"connectP99Ms\" : [ " + merged.get(0) + ", " + merged.get(1) + " ]");
    }

    private static WorkerResult withConnectP99(List<Double> connectP99Ms) {
        WorkerResult.LatencySeries latency = new WorkerResult.LatencySeries(List.of(), List.of(), List.of(), List.of(),
                connectP99Ms);
        return new WorkerResult(Map.of(), Map.of(), 0, 0, 0, List.of(), List.of(), List.of(), List.of(), latency,
                List.of(), null);
    }

    private static WorkerResult worker(long publishes, int backendReceived, List<Integer> connections, List<Long> received) {
        SamplerStats backend = new SamplerStats();
        for (int i = 0; i < backendReceived; i++) {
            backend.success(1_000);
        }
        return new WorkerResult(Map.of(Sampler.ListenToAllTopics, backend.snapshot()), Map.of(), 0, publishes, 0,
                connections, List.of(), List.of(), received, WorkerResult.LatencySeries.empty(), List.of(), null);
    }
}
