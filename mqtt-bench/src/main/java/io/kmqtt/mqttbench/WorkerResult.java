package io.kmqtt.mqttbench;

import java.util.List;
import java.util.Map;

/**
 * What one load process measured: per-sampler counts and histograms, failures by kind, and
 * per-second series (index = seconds since the run's common start).
 *
 * @param publishesWritten publishes written to the broker by this process, all topics (the
 *                         backend's expected count is the sum over processes)
 */
public record WorkerResult(Map<Sampler, SamplerStats.Snapshot> samplers, Map<String, Long> failures,
                           int maxConnections, long publishesWritten, long churned,
                           List<Integer> connections, List<Long> connects, List<Long> published, List<Long> received) {
}
