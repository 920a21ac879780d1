package io.kmqtt.admin.service;

import io.kmqtt.admin.state.NodeDirectory;
import io.kmqtt.core.state.NodeRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;
import java.util.TreeMap;

/**
 * The cluster's figures at this moment: counters and gauges summed over the running gateways and
 * routers, counts from the clients and retained tables, and per-second rates from each node's last
 * two status records.
 */
@ApplicationScoped
public class ClusterStats {

    /**
     * Prefix of a gateway stat counting drops for one reason ({@code messages_dropped.queue_full}).
     * Gateways that report only the total ({@code messages_dropped}) show no per-reason figures.
     */
    public static final String DROPPED_PREFIX = "messages_dropped.";

    /**
     * @param droppedRates drops per second by reason, over the gateways that report reasons
     */
    public record Figures(long atMillis, long connections, long sessions, long subscriptions, long topics, long retained,
                          long gatewaysRunning, long routersRunning, long messagesIn, long messagesOut,
                          long messagesDropped, double messagesInRate, double messagesOutRate, double messagesDroppedRate,
                          long routes, Map<String, Double> droppedRates) {
    }

    @Inject
    ClusterView view;

    public Figures now() {
        long now = System.currentTimeMillis();
        long connections = 0, gateways = 0, routers = 0, in = 0, out = 0, dropped = 0, routes = 0;
        double inRate = 0, outRate = 0, droppedRate = 0;
        Map<String, Double> byReason = new TreeMap<>();
        for (NodeDirectory.Status s : view.nodes().all()) {
            NodeRecord n = s.latest();
            if (!view.nodes().isLive(n, now)) {
                continue;
            }
            if (n.kind().equals("gateway")) {
                gateways++;
                connections += n.stat("connections");
                in += n.stat("messages_in");
                out += n.stat("messages_out");
                dropped += n.stat("messages_dropped");
                inRate += s.rate("messages_in");
                outRate += s.rate("messages_out");
                droppedRate += s.rate("messages_dropped");
                for (String stat : n.stats().keySet()) {
                    if (stat.startsWith(DROPPED_PREFIX)) {
                        byReason.merge(stat.substring(DROPPED_PREFIX.length()), s.rate(stat), Double::sum);
                    }
                }
            } else {
                routers++;
                routes += n.stat("routes");
            }
        }
        byReason.replaceAll((reason, rate) -> round(rate));
        return new Figures(now, connections, view.clients().size(), view.clients().subscriptionCount(),
                view.clients().routes().size(), view.retained().entries().size(), gateways, routers, in, out, dropped,
                round(inRate), round(outRate), round(droppedRate), routes, byReason);
    }

    /** Rates to one decimal: the dashboard and scripts need no more, and JSON stays short. */
    public static double round(double rate) {
        return Math.round(rate * 10) / 10.0;
    }
}
