package io.kmqtt.mqttbench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The run's results merged over worker processes, and the report written from them: the seed's
 * table per sampler, percentiles, rates, failures, broker CPU and memory, and SVG charts.
 */
public record Report(String scenario, String description, String target, double scale, double timeScale, int workers,
                     int connectionsPlanned, List<SamplerRow> samplers, Summary summary, Map<String, Long> failures,
                     Map<String, ProcessUsage> brokerProcesses, Series series) {

    /**
     * One sampler. For publish and connect samplers, sent = attempts and received = acknowledged
     * (QoS 1), written (QoS 0) or connected; for receive samplers, sent = messages the broker should
     * have delivered to them and received = delivered. Times are milliseconds.
     */
    public record SamplerRow(String sampler, long sent, long received, long failed, double successRate,
                             double avgMs, double maxMs, double p50Ms, double p99Ms, double p999Ms) {
    }

    public record Summary(double durationSeconds, double connectRatePeak, double connectRateAverage,
                          long dispatchRatePeak, int maxConcurrentConnections, long churnedConnections,
                          long publishesWritten) {
    }

    public record ProcessUsage(long pid, double cpuPercentAvg, double cpuPercentMax, double rssMbMax,
                               List<ProcSampler.Sample> samples) {
    }

    public record Series(List<Integer> connections, List<Long> connects, List<Long> published, List<Long> received) {
    }

    static Report merge(Scenario scenario, String target, double scale, double timeScale, List<WorkerResult> results,
                        Map<String, Long> pids, Map<String, List<ProcSampler.Sample>> proc, double durationSeconds) {
        Map<Sampler, SamplerStats> merged = new EnumMap<>(Sampler.class);
        Map<String, Long> failures = new TreeMap<>();
        long publishes = 0;
        long churned = 0;
        for (WorkerResult r : results) {
            r.samplers().forEach((s, snap) -> merged.computeIfAbsent(s, k -> new SamplerStats()).merge(snap));
            r.failures().forEach((k, v) -> failures.merge(k, v, Long::sum));
            publishes += r.publishesWritten();
            churned += r.churned();
        }
        if (scenario.family().equals("seed") && scenario.backend()) {
            merged.get(Sampler.ListenToAllTopics).expect(publishes); // it subscribes to every topic
        }
        List<SamplerRow> rows = new ArrayList<>();
        for (Map.Entry<Sampler, SamplerStats> e : merged.entrySet()) {
            SamplerStats.Snapshot s = e.getValue().snapshot();
            if (s.attempts() == 0 && s.successes() == 0 && s.failures() == 0) {
                continue;
            }
            rows.add(row(e.getKey(), s));
        }
        Series series = new Series(sum(results, WorkerResult::connections), sumLong(results, WorkerResult::connects),
                sumLong(results, WorkerResult::published), sumLong(results, WorkerResult::received));
        int maxConnections = series.connections().stream().mapToInt(Integer::intValue).max().orElse(0);
        long peakConnects = series.connects().stream().mapToLong(Long::longValue).max().orElse(0);
        long connectSeconds = series.connects().stream().filter(c -> c > 0).count();
        long totalConnects = series.connects().stream().mapToLong(Long::longValue).sum();
        long peakDispatch = series.received().stream().mapToLong(Long::longValue).max().orElse(0);
        Map<String, ProcessUsage> usage = new LinkedHashMap<>();
        proc.forEach((name, samples) -> usage.put(name, new ProcessUsage(pids.get(name),
                samples.stream().skip(1).mapToDouble(ProcSampler.Sample::cpuPercent).average().orElse(0),
                samples.stream().mapToDouble(ProcSampler.Sample::cpuPercent).max().orElse(0),
                samples.stream().mapToDouble(ProcSampler.Sample::rssMb).max().orElse(0), samples)));
        return new Report(scenario.name(), scenario.description(), target, scale, timeScale, results.size(),
                scenario.connections(), rows,
                new Summary(durationSeconds, peakConnects, connectSeconds == 0 ? 0 : (double) totalConnects / connectSeconds,
                        peakDispatch, maxConnections, churned, publishes), failures, usage, series);
    }

    static SamplerRow row(Sampler sampler, SamplerStats.Snapshot s) {
        Histogram h = s.decodeHistogram();
        long sent;
        long received = s.successes();
        long failed;
        if (sampler.kind == Sampler.Kind.RECEIVE) {
            sent = s.attempts();
            failed = Math.max(0, sent - received) + s.failures();
        } else {
            sent = s.attempts();
            failed = s.failures() + Math.max(0, sent - received - s.failures());
        }
        double rate = sent == 0 ? (received > 0 ? 100 : 0) : Math.min(100.0, 100.0 * received / sent);
        boolean any = h.getTotalCount() > 0;
        return new SamplerRow(sampler.name(), sent, received, failed, rate,
                any ? h.getMean() / 1000 : 0, any ? h.getMaxValue() / 1000.0 : 0,
                any ? h.getValueAtPercentile(50) / 1000.0 : 0, any ? h.getValueAtPercentile(99) / 1000.0 : 0,
                any ? h.getValueAtPercentile(99.9) / 1000.0 : 0);
    }

    private static List<Integer> sum(List<WorkerResult> results, java.util.function.Function<WorkerResult, List<Integer>> f) {
        List<Integer> out = new ArrayList<>();
        for (WorkerResult r : results) {
            List<Integer> values = f.apply(r);
            for (int i = 0; i < values.size(); i++) {
                if (out.size() <= i) {
                    out.add(0);
                }
                out.set(i, out.get(i) + values.get(i));
            }
        }
        return out;
    }

    private static List<Long> sumLong(List<WorkerResult> results, java.util.function.Function<WorkerResult, List<Long>> f) {
        List<Long> out = new ArrayList<>();
        for (WorkerResult r : results) {
            List<Long> values = f.apply(r);
            for (int i = 0; i < values.size(); i++) {
                if (out.size() <= i) {
                    out.add(0L);
                }
                out.set(i, out.get(i) + values.get(i));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- writing

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("report.json").toFile(), this);
        Files.writeString(dir.resolve("report.md"), markdown());
        Files.writeString(dir.resolve("connections.svg"), SvgChart.lines("Connections over time", "open connections",
                SvgChart.fromCounts(Map.of("connections", series.connections()))));
        Map<String, List<? extends Number>> rates = new LinkedHashMap<>();
        rates.put("published/s", series.published());
        rates.put("delivered/s", series.received());
        rates.put("connects/s", series.connects());
        Files.writeString(dir.resolve("rates.svg"), SvgChart.lines("Message and connect rates", "per second",
                SvgChart.fromCounts(rates)));
        List<String> names = new ArrayList<>();
        double[] p50 = new double[samplers.size()];
        double[] p99 = new double[samplers.size()];
        double[] p999 = new double[samplers.size()];
        for (int i = 0; i < samplers.size(); i++) {
            SamplerRow r = samplers.get(i);
            names.add(r.sampler());
            p50[i] = r.p50Ms();
            p99[i] = r.p99Ms();
            p999[i] = r.p999Ms();
        }
        Map<String, double[]> latency = new LinkedHashMap<>();
        latency.put("p50", p50);
        latency.put("p99", p99);
        latency.put("p99.9", p999);
        Files.writeString(dir.resolve("latency.svg"), SvgChart.bars("Response time percentiles per sampler", "ms", names, latency));
        if (!brokerProcesses.isEmpty()) {
            Map<String, List<double[]>> cpu = new LinkedHashMap<>();
            Map<String, List<double[]>> rss = new LinkedHashMap<>();
            brokerProcesses.forEach((name, u) -> {
                cpu.put(name, u.samples().stream().map(s -> new double[]{s.second(), s.cpuPercent()}).toList());
                rss.put(name, u.samples().stream().map(s -> new double[]{s.second(), s.rssMb()}).toList());
            });
            Files.writeString(dir.resolve("cpu.svg"), SvgChart.lines("Broker CPU (100 % = one core)", "% CPU", cpu));
            Files.writeString(dir.resolve("memory.svg"), SvgChart.lines("Broker resident memory", "MB", rss));
        }
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(scenario).append(": ").append(description).append("\n\n");
        md.append(String.format(Locale.ROOT, "Target %s, scale %s, time scale %s, %d load process(es), %,d connections planned, %.0f s.%n%n",
                target, scaleText(), fmt(timeScale), workers, connectionsPlanned, summary.durationSeconds()));
        md.append("| Sampler | Avg resp time (s) | Max resp time (s) | Succ rate | sent | received | failed | p50 (ms) | p99 (ms) | p99.9 (ms) |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (SamplerRow r : samplers) {
            md.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %s%% | %,d | %,d | %,d | %.2f | %.2f | %.2f |%n",
                    r.sampler(), r.avgMs() / 1000, r.maxMs() / 1000, fmt(round2(r.successRate())), r.sent(), r.received(),
                    r.failed(), r.p50Ms(), r.p99Ms(), r.p999Ms()));
        }
        md.append("\nPublish samplers: response time is PUBLISH to PUBACK at QoS 1 and 0 at QoS 0, as the seed's XMeter "
                + "reported. Receive samplers: end-to-end latency from the send timestamp in the payload (same machine's "
                + "clock); success = received out of what the broker should have delivered to subscribed clients.\n\n");
        md.append(String.format(Locale.ROOT, "- maximum concurrent connections: %,d%n", summary.maxConcurrentConnections()));
        md.append(String.format(Locale.ROOT, "- connect rate: peak %,.0f/s, average %,.0f/s over the seconds with connects%n",
                summary.connectRatePeak(), summary.connectRateAverage()));
        md.append(String.format(Locale.ROOT, "- peak dispatch rate (messages delivered per second): %,d/s%n", summary.dispatchRatePeak()));
        md.append(String.format(Locale.ROOT, "- publishes written: %,d; connections churned and replaced: %,d%n",
                summary.publishesWritten(), summary.churnedConnections()));
        md.append("\n## Failures\n\n");
        if (failures.isEmpty()) {
            md.append("None.\n");
        } else {
            md.append("| kind | count |\n|---|---|\n");
            failures.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(String.format(Locale.ROOT, "%,d", v)).append(" |\n"));
        }
        if (!brokerProcesses.isEmpty()) {
            md.append("\n## Broker processes\n\n| process | pid | CPU avg | CPU max | RSS max (MB) |\n|---|---|---|---|---|\n");
            brokerProcesses.forEach((name, u) -> md.append(String.format(Locale.ROOT, "| %s | %d | %.0f%% | %.0f%% | %.0f |%n",
                    name, u.pid(), u.cpuPercentAvg(), u.cpuPercentMax(), u.rssMbMax())));
        }
        md.append("\n## Charts\n\n![connections](connections.svg)\n![rates](rates.svg)\n![latency](latency.svg)\n");
        if (!brokerProcesses.isEmpty()) {
            md.append("![cpu](cpu.svg)\n![memory](memory.svg)\n");
        }
        return md.toString();
    }

    private String scaleText() {
        return scale == MqttBench.CI_SCALE ? "ci (" + scale + ")" : scale >= 0.01 ? fmt(scale) : String.format(Locale.ROOT, "%.4f", scale);
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
