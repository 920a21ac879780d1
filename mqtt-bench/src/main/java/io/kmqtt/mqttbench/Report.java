package io.kmqtt.mqttbench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kmqtt.mqttbench.loss.StreamLoss;
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
                     Map<String, ProcessUsage> brokerProcesses, Series series, List<StreamRow> streams,
                     StreamRow streamTotal) {

    /** Streams listed in report.md (report.json has all of them), worst first. */
    static final int STREAMS_IN_MARKDOWN = 20;

    /**
     * One sequenced stream (or their total): what LossChecker counted, with the publisher's
     * PUBLISH-to-acknowledgement times and the stream's delivery latency. Times are milliseconds.
     */
    public record StreamRow(String stream, double deliveredPerSecond, long sent, long acknowledged, long received,
                            long lost, long lostAcknowledged, long duplicates, long reordered, double longestSilenceMs,
                            double ackP50Ms, double ackP99Ms, double deliveryP50Ms, double deliveryP99Ms,
                            double deliveryMaxMs) {

        static StreamRow of(StreamLoss loss, SamplerStats.Snapshot acks, SamplerStats.Snapshot delivery) {
            Histogram a = acks == null ? new Histogram(3) : acks.decodeHistogram();
            Histogram d = delivery == null ? new Histogram(3) : delivery.decodeHistogram();
            return new StreamRow(loss.stream(), loss.deliveredPerSecond(), loss.sent(), loss.acknowledged(), loss.received(),
                    loss.lost(), loss.lostAcknowledged(), loss.duplicates(), loss.reordered(), loss.longestSilenceMs(),
                    ms(a, 50), ms(a, 99), ms(d, 50), ms(d, 99), d.getTotalCount() == 0 ? 0 : d.getMaxValue() / 1000.0);
        }

        private static double ms(Histogram h, double percentile) {
            return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
        }
    }

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

    /**
     * Per second of the run. Latencies are milliseconds, null for a second without any; with
     * several load processes, the worst process's figure.
     */
    public record Series(List<Integer> connections, List<Long> connects, List<Long> published, List<Long> received,
                         List<Double> deliveryP50Ms, List<Double> deliveryP99Ms, List<Double> deliveryMaxMs,
                         List<Double> ackP99Ms, List<Double> connectP99Ms) {
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
                sumLong(results, WorkerResult::published), sumLong(results, WorkerResult::received),
                worst(results, l -> l.deliveryP50Ms()), worst(results, l -> l.deliveryP99Ms()),
                worst(results, l -> l.deliveryMaxMs()), worst(results, l -> l.ackP99Ms()),
                worst(results, l -> l.connectP99Ms()));
        List<StreamRow> streams = new ArrayList<>();
        StreamRow streamTotal = null;
        for (WorkerResult r : results) {
            if (r.streams() != null) {
                streams.addAll(r.streams());
            }
            if (r.streamTotal() != null) {
                streamTotal = r.streamTotal(); // sequenced scenarios run in one process
            }
        }
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
                        peakDispatch, maxConnections, churned, publishes), failures, usage, series, streams, streamTotal);
    }

    private static List<Double> worst(List<WorkerResult> results,
                                      java.util.function.Function<WorkerResult.LatencySeries, List<Double>> f) {
        List<Double> out = new ArrayList<>();
        for (WorkerResult r : results) {
            List<Double> values = r.latency() == null ? List.of() : f.apply(r.latency());
            for (int i = 0; i < values.size(); i++) {
                if (out.size() <= i) {
                    out.add(null);
                }
                Double v = values.get(i);
                if (v != null && (out.get(i) == null || v > out.get(i))) {
                    out.set(i, v);
                }
            }
        }
        return out;
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
        Charts charts = new Charts(dir);
        charts.lines("connections", "Connections over time", "open connections", false,
                Charts.perSecond(Map.of("connections", series.connections())));
        Map<String, List<? extends Number>> rates = new LinkedHashMap<>();
        rates.put("published/s", series.published());
        rates.put("delivered/s", series.received());
        rates.put("connects/s", series.connects());
        charts.lines("rates", "Message and connect rates", "per second", false, Charts.perSecond(rates));
        Map<String, Map<String, Double>> percentiles = new LinkedHashMap<>();
        for (SamplerRow r : samplers) {
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("p50", r.p50Ms());
            values.put("p99", r.p99Ms());
            values.put("p99.9", r.p999Ms());
            values.put("max", r.maxMs());
            percentiles.put(r.sampler(), values);
        }
        charts.bars("latency", "Response time per sampler (log scale)", "ms",
                percentiles);
        Map<String, List<? extends Number>> overTime = new LinkedHashMap<>();
        overTime.put("delivery max", series.deliveryMaxMs());
        overTime.put("delivery p99", series.deliveryP99Ms());
        overTime.put("delivery p50", series.deliveryP50Ms());
        overTime.put("PUBLISH to ack p99", series.ackP99Ms());
        overTime.put("CONNECT to CONNACK p99", series.connectP99Ms());
        charts.lines("latency-over-time", "Latency second by second (log scale)", "ms", true, Charts.perSecond(overTime));
        if (!brokerProcesses.isEmpty()) {
            Map<String, List<double[]>> cpu = new LinkedHashMap<>();
            Map<String, List<double[]>> rss = new LinkedHashMap<>();
            brokerProcesses.forEach((name, u) -> {
                cpu.put(name, u.samples().stream().map(s -> new double[]{s.second(), s.cpuPercent()}).toList());
                rss.put(name, u.samples().stream().map(s -> new double[]{s.second(), s.rssMb()}).toList());
            });
            charts.lines("cpu", "Broker CPU (100 % = one core)", "% CPU", false, cpu);
            charts.lines("memory", "Broker resident memory", "MB", false, rss);
        }
        Files.writeString(dir.resolve("report.md"), markdown(charts.written()));
    }

    String markdown() {
        return markdown(List.of());
    }

    /** The report; {@code charts} are the charts written beside it (name.png, linked to name.svg). */
    String markdown(List<Charts.Written> charts) {
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
        if (streamTotal != null) {
            streamsMarkdown(md);
        }
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
        if (!charts.isEmpty()) {
            md.append("\n## Charts\n\nEach chart is a PNG linked to its SVG.\n\n");
            for (Charts.Written c : charts) {
                md.append("[![").append(c.title()).append("](").append(c.name()).append(".png)](").append(c.name())
                        .append(".svg)\n");
            }
            md.append(charts.stream().filter(c -> !c.png()).findAny().isPresent()
                    ? "\nSome PNG files could not be drawn here (no fonts for Java2D?); their SVG files are there.\n" : "");
        }
        return md.toString();
    }

    private void streamsMarkdown(StringBuilder md) {
        md.append("\n## Streams: lost, duplicated, reordered\n\n");
        md.append("Each message carries its publisher's id and sequence number. **lost**: sent (up to the highest "
                + "sequence number) and never received; **lost after ack**: of those, the ones the broker had acknowledged "
                + "(PUBACK/PUBCOMP); **duplicates**: a sequence number received again; **reordered**: a first arrival "
                + "below one already received; **longest silence**: the longest time without an arrival while the "
                + "publisher was sending; **rate**: received ÷ seconds from the first send to the last arrival. "
                + "received + lost = sent for every stream.\n\n");
        md.append("| stream | rate (msg/s) | sent | acknowledged | received | lost | lost after ack | duplicates | reordered "
                + "| longest silence (ms) | ack p50 / p99 (ms) | delivery p50 / p99 / max (ms) |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        streamRow(md, streamTotal);
        List<StreamRow> worst = streams.stream().sorted(java.util.Comparator.comparingLong(StreamRow::lost).reversed()
                .thenComparing(java.util.Comparator.comparingLong(StreamRow::duplicates).reversed())
                .thenComparing(java.util.Comparator.comparingLong(StreamRow::reordered).reversed())
                .thenComparing(java.util.Comparator.comparingDouble(StreamRow::longestSilenceMs).reversed())).toList();
        worst.stream().limit(STREAMS_IN_MARKDOWN).forEach(r -> streamRow(md, r));
        if (worst.size() > STREAMS_IN_MARKDOWN) {
            md.append(String.format(Locale.ROOT, "%n%,d more streams in report.json, none worse than the last row.%n",
                    worst.size() - STREAMS_IN_MARKDOWN));
        }
    }

    private static void streamRow(StringBuilder md, StreamRow r) {
        md.append(String.format(Locale.ROOT, "| %s | %,.0f | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %,.1f | %.2f / %.2f | %.2f / %.2f / %.2f |%n",
                r.stream(), r.deliveredPerSecond(), r.sent(), r.acknowledged(), r.received(), r.lost(), r.lostAcknowledged(),
                r.duplicates(), r.reordered(), r.longestSilenceMs(), r.ackP50Ms(), r.ackP99Ms(), r.deliveryP50Ms(),
                r.deliveryP99Ms(), r.deliveryMaxMs()));
    }

    private String scaleText() {
        return scale == LoadOptions.CI_SCALE ? "ci (" + scale + ")" : scale >= 0.01 ? fmt(scale) : String.format(Locale.ROOT, "%.4f", scale);
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
