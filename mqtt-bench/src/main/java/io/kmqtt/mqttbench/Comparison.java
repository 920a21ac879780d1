package io.kmqtt.mqttbench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Side by side: the report.json of one scenario run against several brokers, as one Markdown
 * table per measure, with each broker's figure as a ratio to the last one (the reference, e.g.
 * Mosquitto).
 */
final class Comparison {

    private Comparison() {
    }

    /** args: OUT_FILE NAME=DIR [NAME=DIR ...]; the last one is the reference for ratios. */
    static void write(Path outFile, Map<String, Path> runs) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, JsonNode> reports = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : runs.entrySet()) {
            reports.put(e.getKey(), json.readTree(e.getValue().resolve("report.json").toFile()));
        }
        String reference = new ArrayList<>(reports.keySet()).get(reports.size() - 1);
        JsonNode any = reports.values().iterator().next();
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "### %s: %s (scale %s, time scale %s)%n%n", any.get("scenario").asText(),
                any.get("description").asText(), any.get("scale").asText(), any.get("timeScale").asText()));
        md.append("| measure | ").append(String.join(" | ", reports.keySet())).append(" |\n|---|")
                .append("---|".repeat(reports.size())).append('\n');
        row(md, "max concurrent connections", reports, reference, r -> r.get("summary").get("maxConcurrentConnections").asDouble(), "%,.0f", false);
        row(md, "connect rate, average (/s)", reports, reference, r -> r.get("summary").get("connectRateAverage").asDouble(), "%,.0f", false);
        row(md, "peak dispatch rate (/s)", reports, reference, r -> r.get("summary").get("dispatchRatePeak").asDouble(), "%,.0f", false);
        List<String> samplers = new ArrayList<>();
        any.get("samplers").forEach(s -> samplers.add(s.get("sampler").asText()));
        for (String sampler : samplers) {
            row(md, sampler + " success (%)", reports, reference, r -> sampler(r, sampler, "successRate"), "%.2f", false);
            row(md, sampler + " avg (ms)", reports, reference, r -> sampler(r, sampler, "avgMs"), "%.2f", true);
            row(md, sampler + " p99 (ms)", reports, reference, r -> sampler(r, sampler, "p99Ms"), "%.2f", true);
        }
        if (reports.values().stream().anyMatch(r -> r.hasNonNull("streamTotal"))) {
            // sequenced scenarios (stream, fanin): rates and what was lost on the way
            row(md, "delivered rate (msg/s)", reports, reference, r -> stream(r, "deliveredPerSecond"), "%,.0f", true);
            row(md, "messages sent", reports, reference, r -> stream(r, "sent"), "%,.0f", false);
            row(md, "acknowledged (PUBACK/PUBCOMP)", reports, reference, r -> stream(r, "acknowledged"), "%,.0f", false);
            row(md, "received", reports, reference, r -> stream(r, "received"), "%,.0f", false);
            row(md, "lost", reports, reference, r -> stream(r, "lost"), "%,.0f", false);
            row(md, "lost after acknowledgement", reports, reference, r -> stream(r, "lostAcknowledged"), "%,.0f", false);
            row(md, "duplicates", reports, reference, r -> stream(r, "duplicates"), "%,.0f", false);
            row(md, "reordered", reports, reference, r -> stream(r, "reordered"), "%,.0f", false);
            row(md, "longest silence of a stream (ms)", reports, reference, r -> stream(r, "longestSilenceMs"), "%,.1f", true);
            row(md, "PUBLISH to ack p99 (ms)", reports, reference, r -> stream(r, "ackP99Ms"), "%.2f", true);
            row(md, "delivery p99 (ms)", reports, reference, r -> stream(r, "deliveryP99Ms"), "%.2f", true);
        }
        row(md, "broker CPU, average (% of a core, all processes)", reports, reference,
                r -> sum(r, "cpuPercentAvg"), "%.0f", true);
        row(md, "broker RSS, max (MB, all processes)", reports, reference, r -> sum(r, "rssMbMax"), "%,.0f", true);
        row(md, "broker RSS growth per connection (KB)", reports, reference, Comparison::rssPerConnectionKb, "%.1f", true);
        md.append("\nRatios are to ").append(reference).append(" (×1.00). Lower is better for times, CPU and memory;"
                + " higher for the delivered rate.\n");
        Files.writeString(outFile, md.toString());
    }

    private static double sampler(JsonNode report, String name, String field) {
        for (JsonNode s : report.get("samplers")) {
            if (s.get("sampler").asText().equals(name)) {
                return s.get(field).asDouble();
            }
        }
        return Double.NaN;
    }

    private static double stream(JsonNode report, String field) {
        JsonNode total = report.get("streamTotal");
        return total == null || total.isNull() ? Double.NaN : total.get(field).asDouble();
    }

    private static double sum(JsonNode report, String field) {
        double total = 0;
        for (JsonNode p : report.get("brokerProcesses")) {
            total += p.get(field).asDouble();
        }
        return total;
    }

    /** (resident memory at its peak minus before the run) / peak connections, over all broker processes. */
    static double rssPerConnectionKb(JsonNode report) {
        double growthMb = 0;
        for (JsonNode p : report.get("brokerProcesses")) {
            JsonNode samples = p.get("samples");
            if (samples.size() > 0) {
                growthMb += p.get("rssMbMax").asDouble() - samples.get(0).get("rssMb").asDouble();
            }
        }
        double connections = report.get("summary").get("maxConcurrentConnections").asDouble();
        return connections == 0 ? Double.NaN : growthMb * 1024 / connections;
    }

    private static void row(StringBuilder md, String label, Map<String, JsonNode> reports, String reference,
                            java.util.function.ToDoubleFunction<JsonNode> value, String format, boolean ratio) {
        double ref = value.applyAsDouble(reports.get(reference));
        md.append("| ").append(label).append(" |");
        for (JsonNode r : reports.values()) {
            double v = value.applyAsDouble(r);
            md.append(' ').append(Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, format, v));
            if (ratio && !Double.isNaN(v) && ref > 0 && !Double.isNaN(ref)) {
                md.append(String.format(Locale.ROOT, " (×%.2f)", v / ref));
            }
            md.append(" |");
        }
        md.append('\n');
    }
}
