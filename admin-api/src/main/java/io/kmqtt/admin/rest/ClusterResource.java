package io.kmqtt.admin.rest;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.kmqtt.admin.service.ClusterView;
import io.kmqtt.admin.state.NodeDirectory;
import io.kmqtt.core.state.NodeRecord;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Every gateway and router with its liveness and rates, and cluster-wide counts. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "cluster")
public class ClusterResource {

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record NodeJson(String node, String kind, String status, String startedAt, String updatedAt, long uptimeSeconds,
                           String httpUrl, long connections, double messagesInRate, double messagesOutRate,
                           Map<String, Long> stats) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record StatsJson(long connections, long sessions, long subscriptions, long topics, long gatewaysRunning,
                            long routersRunning, long messagesIn, long messagesOut, long messagesDropped,
                            double messagesInRate, double messagesOutRate, long routes) {
    }

    @Inject
    ClusterView view;

    @GET
    @Path("/nodes")
    @Operation(summary = "Gateways and routers: running or stopped, connections, message rates and all their counters")
    public List<NodeJson> nodes() {
        long now = System.currentTimeMillis();
        return view.nodes().all().stream()
                .sorted(Comparator.comparing((NodeDirectory.Status s) -> s.latest().kind()).thenComparing(s -> s.latest().id()))
                .map(s -> {
                    NodeRecord n = s.latest();
                    boolean gateway = n.kind().equals("gateway");
                    return new NodeJson(n.id(), n.kind(), view.nodes().isLive(n, now) ? "running" : "stopped",
                            Instant.ofEpochMilli(n.startedAtMillis()).toString(), Instant.ofEpochMilli(n.updatedAtMillis()).toString(),
                            (n.updatedAtMillis() - n.startedAtMillis()) / 1000, n.httpUrl(), n.stat("connections"),
                            round(s.rate("messages_in")), round(s.rate(gateway ? "messages_out" : "deliveries_out")), n.stats());
                }).toList();
    }

    @GET
    @Path("/stats")
    @Operation(summary = "Cluster-wide counts: connections and counters summed over running gateways, sessions and"
            + " subscriptions from the clients table")
    public StatsJson stats() {
        long now = System.currentTimeMillis();
        long connections = 0, gateways = 0, routers = 0, in = 0, out = 0, dropped = 0, routes = 0;
        double inRate = 0, outRate = 0;
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
            } else {
                routers++;
                routes += n.stat("routes");
            }
        }
        return new StatsJson(connections, view.clients().size(), view.clients().subscriptionCount(),
                view.clients().routes().size(), gateways, routers, in, out, dropped, round(inRate), round(outRate), routes);
    }

    private static double round(double rate) {
        return Math.round(rate * 10) / 10.0;
    }
}
