package io.kmqtt.mqttbench;

import java.util.List;
import java.util.Map;

/**
 * What one load process measured: per-sampler counts and histograms, failures by kind, and
 * per-second series (index = seconds since the run's common start).
 *
 * @param publishesWritten publishes written to the broker by this process, all topics (the
 *                         backend's expected count is the sum over processes)
 * @param latency          per-second delivery, acknowledgement and CONNACK latency (ms, null for seconds without any)
 * @param streams          sequenced scenarios: each stream's counts and latencies (empty otherwise)
 * @param streamTotal      their total, or null
 */
public record WorkerResult(Map<Sampler, SamplerStats.Snapshot> samplers, Map<String, Long> failures,
                           int maxConnections, long publishesWritten, long churned,
                           List<Integer> connections, List<Long> connects, List<Long> published, List<Long> received,
                           LatencySeries latency, List<Report.StreamRow> streams, Report.StreamRow streamTotal) {

    /** Milliseconds per second of the run; null where that second had no sample. */
    public record LatencySeries(List<Double> deliveryP50Ms, List<Double> deliveryP99Ms, List<Double> deliveryMaxMs,
                                List<Double> ackP99Ms, List<Double> connectP99Ms) {

        static LatencySeries empty() {
            return new LatencySeries(List.of(), List.of(), List.of(), List.of(), List.of());
        }
    }
}
