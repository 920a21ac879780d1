package io.kmqtt.bus;

import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.NodeRecord;
import io.kmqtt.core.state.ReplicatedTable;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.logging.Logger;

/**
 * Writes this process's {@link NodeRecord} to the nodes table: what it is, where its HTTP port is,
 * and the current value of the meters named in {@code statMeters} (a counter's total or a gauge's
 * value). The admin API derives liveness and rates from successive records. The caller schedules
 * {@link #report()}.
 */
public final class NodeStatusReporter {

    private static final Logger LOG = Logger.getLogger(NodeStatusReporter.class.getName());

    private final ReplicatedTable nodes;
    private final String id;
    private final String kind;
    private final String incarnation;
    private final String httpUrl;
    private final long startedAt = System.currentTimeMillis();
    private final MeterRegistry registry;
    private final Map<String, String> statMeters;
    private boolean warned;

    /**
     * @param statMeters stat name in the record → Micrometer meter name, or {@code name{tag=value}} for one tag's meters
     */
    public NodeStatusReporter(MessageBus bus, String id, String kind, String incarnation, String httpUrl,
                              MeterRegistry registry, Map<String, String> statMeters) {
        this.nodes = bus.table(ClusterTable.NODES);
        this.id = id;
        this.kind = kind;
        this.incarnation = incarnation;
        this.httpUrl = httpUrl;
        this.registry = registry;
        this.statMeters = statMeters;
    }

    /** The URL others reach this process's HTTP port at: the configured one, else http://hostname:port. */
    public static String httpUrl(Optional<String> configured, int httpPort) {
        return configured.orElseGet(() -> "http://" + hostName() + ":" + httpPort);
    }

    /** This machine's host name (a pod name in Kubernetes), or localhost if it cannot be told. */
    public static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    public CompletionStage<Void> report() {
        return write(false);
    }

    /** The last record, on orderly shutdown: readers show the node as stopped at once. */
    public CompletionStage<Void> reportLeaving() {
        return write(true);
    }

    /** The current value of every stat, by stat name. */
    public Map<String, Long> snapshot() {
        Map<String, Long> stats = new LinkedHashMap<>();
        statMeters.forEach((stat, meter) -> stats.put(stat, Math.round(valueOf(meter))));
        return stats;
    }

    public long startedAtMillis() {
        return startedAt;
    }

    private CompletionStage<Void> write(boolean leaving) {
        Map<String, Long> stats = snapshot();
        NodeRecord record = new NodeRecord(id, kind, incarnation, httpUrl, startedAt, System.currentTimeMillis(), leaving, stats);
        return nodes.put(record.key(), record.encode()).whenComplete((ok, error) -> {
            if (error != null && !warned) {
                warned = true;
                LOG.warning(kind + " " + id + ": status not written to the nodes table (the admin API shows it as down"
                        + " until a write succeeds): " + error.getMessage());
            } else if (error == null) {
                warned = false;
            }
        });
    }

    /**
     * A counter's total or a gauge's value, summed over its tags; {@code name{tag=value}} takes only
     * the meters with that tag.
     */
    private double valueOf(String meterName) {
        double sum = 0;
        var search = registry.find(meterName);
        int brace = meterName.indexOf('{');
        if (brace > 0 && meterName.endsWith("}")) {
            String[] tag = meterName.substring(brace + 1, meterName.length() - 1).split("=", 2);
            search = registry.find(meterName.substring(0, brace)).tag(tag[0], tag[1]);
        }
        for (Meter meter : search.meters()) {
            for (Measurement m : meter.measure()) {
                sum += m.getValue();
                break; // the first measurement is the count (counters) or the value (gauges)
            }
        }
        return sum;
    }
}
