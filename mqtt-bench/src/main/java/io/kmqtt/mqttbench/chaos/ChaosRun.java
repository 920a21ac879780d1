package io.kmqtt.mqttbench.chaos;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs faults one after the other against a cluster under a steady {@link Workload}, each as its
 * own row: a baseline row without a fault first, then per fault: the wait for the earlier rows'
 * messages to have all arrived (at most the settle time, so that the fault does not hit a backlog
 * another fault left, and each row's loss is its own fault's), the warm-up, the injection, the
 * hold, the recovery (the cluster whole again) and a quiet period; then the publishers stop, the
 * run waits for what is still on its way, and the report is made. Every step has a bounded
 * length, so a run ends by itself; a fault that fails to inject or recover is recorded in its row
 * and the run goes on.
 *
 * <pre>{@code
 * ChaosRun run = new ChaosRun(workload, processes, locator, ChaosRun.Timing.defaults(), System.out::println);
 * ChaosReport report = run.run(FaultCatalog.parseList("kill-router"), "my test", "dev build");
 * report.write(Path.of("target/chaos"));
 * }</pre>
 */
public final class ChaosRun {

    /**
     * @param baseline  the row without a fault (zero: none)
     * @param warmup    steady traffic in each row before its fault
     * @param hold      how long a fault lasts before recovery, unless it says otherwise
     * @param quiet     after recovery, before the next row
     * @param drain     at the end, the longest wait for unacknowledged and undelivered messages
     * @param stepPause between two restarts of a rolling restart
     * @param settle    before each fault, the longest wait for the earlier rows' messages to arrive
     */
    public record Timing(Duration baseline, Duration warmup, Duration hold, Duration quiet, Duration drain, Duration stepPause,
                         Duration settle) {

        public static Timing defaults() {
            return new Timing(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(10),
                    Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(60));
        }
    }

    private final MeasuredWorkload workload;
    private final ProcessControl processes;
    private final GatewayLocator locator;
    private final Timing timing;
    private final Consumer<String> log;
    private BrokerCounters counters = BrokerCounters.none();
    private Map<String, Map<String, Double>> lastReading = Map.of();

    public ChaosRun(MeasuredWorkload workload, ProcessControl processes, GatewayLocator locator, Timing timing, Consumer<String> log) {
        this.workload = workload;
        this.processes = processes;
        this.locator = locator;
        this.timing = timing;
        long start = System.nanoTime();
        this.log = line -> log.accept(String.format(Locale.ROOT, "[%6.1f s] %s", (System.nanoTime() - start) / 1e9, line));
    }

    /** Reads the broker's drop counters at each row's start and end (see {@link BrokerCounters}). */
    public ChaosRun withCounters(BrokerCounters counters) {
        this.counters = counters;
        return this;
    }

    /** Starts a row, after giving the previous one what the broker dropped during it. */
    private RowTally beginRow(String name) {
        Map<String, Map<String, Double>> reading = counters.read();
        List<RowTally> rows = workload.rows();
        if (!rows.isEmpty()) {
            rows.get(rows.size() - 1).brokerDrops(BrokerCounters.between(lastReading, reading));
        }
        lastReading = BrokerCounters.merge(lastReading, reading);
        return workload.beginRow(name);
    }

    /** Runs the faults, one row each, and reports; {@code command} and {@code build} only label the report. */
    public ChaosReport run(List<Fault> faults, String command, String build) throws InterruptedException {
        String started = ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ROOT));
        if (!timing.baseline().isZero()) {
            RowTally row = beginRow("baseline");
            log.accept(String.format(Locale.ROOT, "row %d: baseline, no fault, %s", row.index(), ChaosReport.text(timing.baseline())));
            Thread.sleep(timing.baseline().toMillis());
        }
        for (Fault fault : faults) {
            runRow(fault);
        }
        workload.stopPublishing();
        log.accept("publishers stopped; waiting up to " + ChaosReport.text(timing.drain()) + " for what is on its way");
        boolean drained = workload.awaitDrained(timing.drain());
        List<RowTally> tallies = workload.rows();
        if (!tallies.isEmpty()) {
            tallies.get(tallies.size() - 1).brokerDrops(BrokerCounters.between(lastReading, counters.read()));
        }
        List<FaultRow> rows = new ArrayList<>();
        for (RowTally tally : workload.rows()) {
            rows.add(FaultRow.of(tally));
        }
        return new ChaosReport(started, command, build, workload.settings().endpoints().toString(),
                ChaosReport.Settings.of(workload.settings(), timing), rows, drained, workload.unacknowledged(), workload.foreign());
    }

    private static void recover(Fault fault, FaultContext context) {
        synchronized (fault) {
            try {
                fault.recover(context);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                context.event("recovering interrupted (the next rows start from a damaged cluster)");
            } catch (Exception e) {
                context.event("recovering failed: " + e.getMessage() + " (the next rows start from a damaged cluster)");
            }
        }
    }

    /** Waits (at most the settle time) until every message of the rows before this one has arrived. */
    private void settle(RowTally row) throws InterruptedException {
        long deadline = System.nanoTime() + timing.settle().toNanos();
        List<RowTally> earlier = workload.rows().subList(0, row.index());
        while (!earlier.stream().allMatch(RowTally::complete)) {
            if (System.nanoTime() > deadline) {
                row.event("the earlier rows' messages had not all arrived after " + ChaosReport.text(timing.settle())
                        + ": injecting anyway");
                return;
            }
            Thread.sleep(100);
        }
    }

    private void runRow(Fault fault) throws InterruptedException {
        RowTally row = beginRow(fault.name());
        log.accept(String.format(Locale.ROOT, "row %d: %s", row.index(), fault.name()));
        FaultContext context = new FaultContext(processes, locator, workload.watchedSubscriber(), row, timing.stepPause(), log);
        settle(row);
        Thread.sleep(timing.warmup().toMillis());
        // Stopped by Ctrl-C during the fault, the run still resumes what it paused and starts what it killed.
        Thread undo = new Thread(() -> recover(fault, context), "chaos-undo-" + fault.name());
        Runtime.getRuntime().addShutdownHook(undo);
        try {
            fault.inject(context);
            Thread.sleep(fault.hold().orElse(timing.hold()).toMillis());
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            context.event("injecting failed: " + e.getMessage());
        } finally {
            recover(fault, context);
            try {
                Runtime.getRuntime().removeShutdownHook(undo);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
        Thread.sleep(timing.quiet().toMillis());
        Double recovered = row.timeToRecoverSeconds();
        log.accept(String.format(Locale.ROOT, "  so far: %,d lost, longest silence %.2f s, %s", row.loss().total().lost(),
                row.loss().total().longestSilenceMs() / 1000,
                recovered != null ? String.format(Locale.ROOT, "recovered in %.2f s", recovered)
                        : row.notRecovered().isEmpty() ? "nothing disrupted" : row.notRecovered().size() + " streams not recovered yet"));
    }
}
