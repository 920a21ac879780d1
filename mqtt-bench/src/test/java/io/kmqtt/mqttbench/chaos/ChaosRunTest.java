package io.kmqtt.mqttbench.chaos;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The schedule of a run (rows, actions, recovery, counters) and its report, against a workload that makes its own traffic. */
class ChaosRunTest {

    private static final ChaosRun.Timing FAST = new ChaosRun.Timing(Duration.ofMillis(20), Duration.ofMillis(10),
            Duration.ofMillis(30), Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(5), Duration.ofMillis(50));

    private final FaultCatalogTest.Recorder cluster = new FaultCatalogTest.Recorder("gw-1", "gw-2", "kafka-1", "kafka-2",
            "kafka-3", "redis", "router-1", "router-2");
    private final List<String> log = new ArrayList<>();

    /**
     * Every row: 10 messages on each topic, all acknowledged; in a row whose name contains "lossy",
     * chaos/01's message 5 never reaches the subscriber to every topic.
     */
    private static final class ScriptedWorkload implements MeasuredWorkload {
        final WorkloadSettings settings = WorkloadSettings.defaults(List.of(new Endpoint("lb", "127.0.0.1", 1883)), "backend", "secret")
                .withClients(2, 2, 4);
        final List<RowTally> rows = new ArrayList<>();
        boolean stopped;

        @Override
        public WorkloadSettings settings() {
            return settings;
        }

        @Override
        public RowTally beginRow(String name) {
            if (!rows.isEmpty()) {
                rows.get(rows.size() - 1).end();
            }
            RowTally row = new RowTally(rows.size(), name, settings, System::nanoTime, Publisher::epochMicros, Publisher.epochMicros());
            rows.add(row);
            for (int t = 0; t < settings.topics(); t++) {
                for (long seq = 1; seq <= 10; seq++) {
                    row.sent(t, seq);
                    row.acknowledged(t, seq, 1_000_000);
                    for (int s = 0; s < settings.subscribers(); s++) {
                        if (settings.receives(s, t) && !(name.contains("lossy") && t == 1 && seq == 5 && s == 0)) {
                            row.received(t, s, seq, 0);
                        }
                    }
                }
            }
            return row;
        }

        @Override
        public void stopPublishing() {
            stopped = true;
        }

        @Override
        public boolean awaitDrained(Duration timeout) {
            return true;
        }

        @Override
        public List<RowTally> rows() {
            return List.copyOf(rows);
        }

        @Override
        public long unacknowledged() {
            return 0;
        }

        @Override
        public long foreign() {
            return 0;
        }

        @Override
        public String watchedSubscriber() {
            return settings.subscriberId(0);
        }
    }

    private ChaosReport run(ScriptedWorkload workload, String faults) throws InterruptedException {
        return new ChaosRun(workload, cluster, id -> java.util.Optional.of("gw-2"), FAST, log::add)
                .run(FaultCatalog.parseList(faults), "bin/chaos run --fault " + faults, "test");
    }

    @Test
    void aBaselineRowThenOneRowPerFaultEachUndoneBeforeTheNext() throws Exception {
        ScriptedWorkload workload = new ScriptedWorkload();
        ChaosReport report = run(workload, "kill-router,pause-redis@5ms,kill-gateway,rolling-routers");
        assertThat(report.rows()).extracting(FaultRow::fault)
                .containsExactly("baseline", "kill-router", "pause-redis@5ms", "kill-gateway", "rolling-routers");
        assertThat(cluster.calls).containsExactly("kill router-1", "start router-1", "pause redis", "resume redis",
                "kill gw-2", "start gw-2", "stop router-1", "start router-1", "stop router-2", "start router-2");
        assertThat(workload.stopped).isTrue();
        assertThat(report.rows().get(1).events()).extracting(RowTally.Event::what)
                .containsExactly("kill -9 router-1", "start router-1", "router-1 up again");
        assertThat(report.rows()).allSatisfy(r -> assertThat(r.addsUp()).as(r.fault()).isTrue());
        assertThat(report.drained()).isTrue();
    }

    @Test
    void aFaultThatCannotBeInjectedIsRecordedAndTheRunGoesOn() throws Exception {
        cluster.failing = "kill kafka-2";
        ChaosReport report = run(new ScriptedWorkload(), "kill:kafka-2,kill-redis");
        assertThat(report.rows().get(1).events()).extracting(RowTally.Event::what)
                .anyMatch(e -> e.startsWith("injecting failed: no process kafka-2"));
        assertThat(cluster.calls).containsExactly("kill redis", "start redis");
    }

    @Test
    void theReportHasARowPerFaultWithTheTargetsColumnsInMarkdownAndJson(@TempDir Path dir) throws Exception {
        ChaosReport report = run(new ScriptedWorkload(), "kill-router,kill-kafka");
        ChaosReport lossy = new ChaosReport(report.started(), report.command(), report.build(), report.target(),
                report.settings(), report.rows(), false, 3, 1);
        lossy.write(dir);
        String md = Files.readString(dir.resolve("report.md"));
        assertThat(md).contains("| # | fault | published | acknowledged | deliveries expected | delivered | lost | lost after ack "
                        + "| duplicates | reordered | longest silence (s) | on stream | time to recover (s) | longest PUBACK wait (s) "
                        + "| broker drops |")
                // the scripted workload: 4 topics x 10 messages, each to 2 subscribers (chaos/# and one per topic)
                .contains("| 1 | kill-router | 40 | 40 | 80 | 80 | 0 | 0 | 0 | 0 |", "| 2 | kill-kafka |", "the drain timed out", "3 messages unacknowledged",
                        "## 1. kill-router", "kill -9 router-1", "kill -9 kafka-1")
                .doesNotContain("secret");
        ChaosReport read = ChaosReport.read(dir.resolve("report.json"));
        assertThat(read.rows()).hasSize(3);
        assertThat(read.rows().get(2).fault()).isEqualTo("kill-kafka");
        assertThat(read.settings().publishers()).isEqualTo(2);
        assertThat(Files.readString(dir.resolve("report.json"))).doesNotContain("secret");
    }

    @Test
    void lossIsReportedInTheRowItHappenedIn() throws Exception {
        ScriptedWorkload workload = new ScriptedWorkload();
        ChaosReport report = new ChaosRun(workload, cluster, id -> java.util.Optional.empty(), FAST, log::add)
                .run(List.of(new NamedNoop("quiet"), new NamedNoop("lossy")), "test", "test");
        assertThat(report.rows()).extracting(FaultRow::lostAfterAck).containsExactly(0L, 0L, 1L);
        assertThat(report.rows().get(2).longestSilenceStream()).isNotNull();
        assertThat(report.table()).contains("| 2 | lossy |");
    }

    @Test
    void eachRowGetsWhatTheBrokerDroppedWhileItRan() throws Exception {
        List<Map<String, Map<String, Double>>> readings = new ArrayList<>(List.of(
                Map.of("gw-1", Map.of("queue_full", 10.0)),
                Map.of("gw-1", Map.of("queue_full", 10.0)),
                Map.of("gw-1", Map.of("queue_full", 25.0))));
        ChaosRun run = new ChaosRun(new ScriptedWorkload(), cluster, id -> java.util.Optional.empty(), FAST, log::add)
                .withCounters(BrokerCounters.reading(() -> readings.remove(0)));
        ChaosReport report = run.run(FaultCatalog.parseList("kill-router"), "test", "test");
        assertThat(report.rows()).extracting(FaultRow::brokerDrops).containsExactly(Map.of(), Map.of("queue_full", 15L));
        assertThat(report.table()).contains("queue_full 15 |");
    }

    /** A fault that does nothing, under a name. */
    private record NamedNoop(String name) implements Fault {
        @Override
        public java.util.Optional<Duration> hold() {
            return java.util.Optional.of(Duration.ZERO);
        }

        @Override
        public void inject(FaultContext context) {
        }

        @Override
        public void recover(FaultContext context) {
        }
    }
}
