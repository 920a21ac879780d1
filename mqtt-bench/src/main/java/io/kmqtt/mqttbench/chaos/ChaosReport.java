package io.kmqtt.mqttbench.chaos;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A chaos run's report: the workload, the timing, and a {@link FaultRow} per fault. Written as
 * report.md (the table, then each row's actions and worst streams) and report.json (everything,
 * every stream of every row).
 *
 * @param drained        everything created was acknowledged and arrived (or the drain timed out)
 * @param unacknowledged messages still unacknowledged when the report was made
 * @param foreign        deliveries of messages of another run (a session an earlier run left)
 */
public record ChaosReport(String started, String command, String build, String target, Settings settings,
                          List<FaultRow> rows, boolean drained, long unacknowledged, long foreign) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The workload and the timing, as the report shows them (durations in seconds). */
    public record Settings(String user, int publishers, int subscribers, int topics, double rate, String topicPrefix,
                           int payloadBytes, int inflight, double stallTimeoutSeconds, double baselineSeconds,
                           double warmupSeconds, double holdSeconds, double quietSeconds, double drainSeconds,
                           double stepPauseSeconds, double settleSeconds) {

        static Settings of(WorkloadSettings w, ChaosRun.Timing t) {
            return new Settings(w.username(), w.publishers(), w.subscribers(), w.topics(), w.rate(), w.topicPrefix(),
                    w.payloadBytes(), w.inflight(), seconds(w.stallTimeout()), seconds(t.baseline()), seconds(t.warmup()),
                    seconds(t.hold()), seconds(t.quiet()), seconds(t.drain()), seconds(t.stepPause()), seconds(t.settle()));
        }

        private static double seconds(java.time.Duration d) {
            return d.toMillis() / 1000.0;
        }
    }

    /**
     * The table the command line prints and report.md opens with: what was published, acknowledged
     * and delivered in each row, what was lost, duplicated and reordered, the longest silence on a
     * stream, and the time to recover.
     */
    public String table() {
        StringBuilder md = new StringBuilder();
        md.append("| # | fault | published | acknowledged | deliveries expected | delivered | lost | lost after ack "
                + "| duplicates | reordered | longest silence (s) | on stream | time to recover (s) | longest PUBACK wait (s) "
                + "| broker drops |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (FaultRow r : rows) {
            md.append(String.format(Locale.ROOT, "| %d | %s | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %.2f | %s | %s | %.2f | %s |%n",
                    r.row(), r.fault(), r.created(), r.acknowledged(), r.expected(), r.delivered(), r.lost(), r.lostAfterAck(),
                    r.duplicates(), r.reordered(), r.longestSilenceSeconds(),
                    r.longestSilenceStream() == null ? "" : "`" + r.longestSilenceStream() + "`",
                    recovery(r), r.longestPubackWaitSeconds(), BrokerCounters.describe(r.brokerDrops())));
        }
        return md.toString();
    }

    private static String recovery(FaultRow r) {
        if (r.timeToRecoverSeconds() != null) {
            return String.format(Locale.ROOT, "%.2f", r.timeToRecoverSeconds());
        }
        return r.notRecovered().isEmpty() ? "—" : "not recovered (" + r.notRecovered().size() + " streams)";
    }

    public String toMarkdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Chaos run ").append(started).append("\n\n");
        md.append("`").append(command).append("`\n\n");
        Settings w = settings;
        md.append(String.format(Locale.ROOT, "Against %s (build %s). Workload: %d publishers at %,.0f msg/s in total on %d topics "
                        + "(`%s/NN`), QoS 1, %d-byte payloads, in-flight window %d; %d subscribers with persistent sessions "
                        + "(clean session 0; one on `%s/#`, the others per topic), all reconnecting after a loss or a %s s stall. "
                        + "Timing: baseline %s s, then per fault: the earlier rows' messages all arrived (at most %s s), %s s "
                        + "before the fault, hold %s s, %s s after recovery; drain %s s.%n%n",
                target, build, w.publishers(), w.rate(), w.topics(), w.topicPrefix(), w.payloadBytes(), w.inflight(),
                w.subscribers(), w.topicPrefix(), num(w.stallTimeoutSeconds()), num(w.baselineSeconds()), num(w.settleSeconds()), num(w.warmupSeconds()),
                num(w.holdSeconds()), num(w.quietSeconds()), num(w.drainSeconds())));
        md.append(table());
        md.append(String.format(Locale.ROOT, "%nEnd of run: %s; %,d messages unacknowledged; %,d deliveries of another run's messages.%n",
                drained ? "everything created was acknowledged and delivered or counted lost" : "the drain timed out",
                unacknowledged, foreign));
        md.append("""

                Columns: a message counts in the row it was created in, whenever it arrives. *published*: messages \
                the publishers created; *acknowledged*: of those, the ones the broker acknowledged (PUBACK); \
                *deliveries expected*: each message once per subscriber of its topic; *delivered*: distinct deliveries \
                made. *lost*: never reached a subscriber that should have received it; *lost after ack*: of those, the ones the broker had acknowledged \
                (publishers write every message again until it is acknowledged, so after the drain the two agree unless \
                the drain timed out). *longest silence*: the longest time a stream (topic -> subscriber) went without a \
                new message while its publisher was publishing. *time to recover*: from the fault's (last) disruption \
                until every stream had delivered a message created after it. *longest PUBACK wait*: the longest a PUBLISH waited for its PUBACK. *broker drops*: what the \
                gateways and routers counted as dropped meanwhile (`mqtt_messages_dropped_total` by reason, \
                `router_sessions_dropped_total`, ...): loss beyond these is loss the broker does not know of.
                """);
        for (FaultRow r : rows) {
            md.append("\n## ").append(r.row()).append(". ").append(r.fault()).append("\n\n");
            for (RowTally.Event e : r.events()) {
                md.append(String.format(Locale.ROOT, "- %.1f s: %s%n", e.atSeconds(), e.what()));
            }
            md.append(String.format(Locale.ROOT, "- fault at %.1f s; %,d reconnects (connections lost and made again), the longest "
                            + "%.2f s from the loss to CONNACK%s; %,d resumes that found no session; %,d PUBLISHes written again "
                            + "after a reconnect; %,d stalls, %,d refused or unanswered CONNECTs%s%n",
                    r.atSeconds(), r.reconnects(), r.longestReconnectSeconds(),
                    r.longestReconnectClient() == null ? "" : " (" + r.longestReconnectClient() + ")", r.sessionsLost(),
                    r.resent(), r.stalls(), r.refusedConnects(),
                    r.unexpected() == 0 ? "" : String.format(Locale.ROOT, "; %,d unexpected deliveries", r.unexpected())));
            if (!r.notRecovered().isEmpty()) {
                md.append("- not recovered: ").append(String.join(", ", r.notRecovered())).append("\n");
            }
            List<io.kmqtt.mqttbench.loss.StreamLoss> worst = new io.kmqtt.mqttbench.loss.LossReport(r.streams(), null)
                    .worstFirst().stream().limit(5).toList();
            if (!worst.isEmpty()) {
                md.append("\n| stream | created | acknowledged | received | lost | lost after ack | duplicates | reordered | longest silence (s) |\n");
                md.append("|---|---|---|---|---|---|---|---|---|\n");
                for (var s : worst) {
                    md.append(String.format(Locale.ROOT, "| `%s` | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %.2f |%n", s.stream(),
                            s.sent(), s.acknowledged(), s.received(), s.lost(), s.lostAcknowledged(), s.duplicates(),
                            s.reordered(), s.longestSilenceMs() / 1000));
                }
            }
        }
        return md.toString();
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes DIR/report.md and DIR/report.json. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.md"), toMarkdown());
        Files.writeString(dir.resolve("report.json"), toJson());
    }

    public static ChaosReport read(Path json) throws IOException {
        return JSON.readValue(json.toFile(), ChaosReport.class);
    }

    private static String num(double seconds) {
        return seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds);
    }

    static String text(java.time.Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
    }
}
