package io.kmqtt.mqttbench.loss;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** What a {@link LossChecker} counted: every stream, sorted by name, and the total. */
public record LossReport(List<StreamLoss> streams, StreamLoss total) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static LossReport of(List<StreamLoss> streams, StreamLoss total) {
        return new LossReport(List.copyOf(streams), total);
    }

    /** Streams with the most lost first, then the most duplicated, reordered, then the longest silence. */
    public List<StreamLoss> worstFirst() {
        return streams.stream().sorted(Comparator.comparingLong(StreamLoss::lost).reversed()
                .thenComparing(Comparator.comparingLong(StreamLoss::duplicates).reversed())
                .thenComparing(Comparator.comparingLong(StreamLoss::reordered).reversed())
                .thenComparing(Comparator.comparingDouble(StreamLoss::longestSilenceMs).reversed())).toList();
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A table: the total, then at most {@code maxStreams} streams, worst first. */
    public String toMarkdown(int maxStreams) {
        StringBuilder md = new StringBuilder();
        md.append("| stream | sent | acknowledged | received | lost | lost after ack | duplicates | reordered | longest silence (ms) | delivered/s |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        row(md, total);
        List<StreamLoss> worst = worstFirst();
        worst.stream().limit(maxStreams).forEach(s -> row(md, s));
        if (worst.size() > maxStreams) {
            md.append(String.format(Locale.ROOT, "%n%,d more streams, none worse than the last row.%n", worst.size() - maxStreams));
        }
        return md.toString();
    }

    private static void row(StringBuilder md, StreamLoss s) {
        md.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %,.1f | %,.0f |%n",
                s.stream(), s.sent(), s.acknowledged(), s.received(), s.lost(), s.lostAcknowledged(), s.duplicates(),
                s.reordered(), s.longestSilenceMs(), s.deliveredPerSecond()));
    }
}
