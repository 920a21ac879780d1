package io.kmqtt.admin.rest;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.kmqtt.admin.service.ClusterStats;
import io.kmqtt.admin.service.ClusterView;
import io.kmqtt.admin.service.StatsHistory;
import io.kmqtt.admin.state.NodeDirectory;
import io.kmqtt.core.state.NodeRecord;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.config.inject.ConfigProperty;
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
    public record StatsJson(long connections, long sessions, long subscriptions, long topics, long retained,
                            long gatewaysRunning, long routersRunning, long messagesIn, long messagesOut,
                            long messagesDropped, double messagesInRate, double messagesOutRate, long routes,
                            String version) {
    }

    /** One sample of the cluster's figures, as EMQX 5's {@code /monitor} names them where it has them. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record SampleJson(long timeStamp, long connections, long sessions, long subscriptions, long topics,
                             long retained, double messagesInRate, double messagesOutRate, double messagesDroppedRate,
                             Map<String, Double> droppedRates) {
        static SampleJson of(ClusterStats.Figures f) {
            return new SampleJson(f.atMillis(), f.connections(), f.sessions(), f.subscriptions(), f.topics(), f.retained(),
                    f.messagesInRate(), f.messagesOutRate(), f.messagesDroppedRate(), f.droppedRates());
        }
    }

    @Inject
    ClusterView view;
    @Inject
    ClusterStats stats;
    @Inject
    StatsHistory history;
    @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
    String version;

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
            + " subscriptions from the clients table, retained messages, and the admin API's version")
    public StatsJson stats() {
        ClusterStats.Figures f = stats.now();
        return new StatsJson(f.connections(), f.sessions(), f.subscriptions(), f.topics(), f.retained(), f.gatewaysRunning(),
                f.routersRunning(), f.messagesIn(), f.messagesOut(), f.messagesDropped(), f.messagesInRate(),
                f.messagesOutRate(), f.routes(), version);
    }

    @GET
    @Path("/monitor")
    @Operation(summary = "The cluster's figures sampled every admin.monitor.interval (5 s) over the last"
            + " admin.monitor.retention (15 min), oldest first: connections, sessions, subscriptions, topics, retained"
            + " messages, messages in/out/dropped per second, and drops per second by reason where gateways report"
            + " reasons. 'latest' (seconds) or 'since' (epoch milliseconds, exclusive) narrows it")
    public List<SampleJson> monitor(@QueryParam("latest") Long latestSeconds, @QueryParam("since") Long sinceMillis) {
        long since = 0;
        if (latestSeconds != null) {
            if (latestSeconds <= 0) {
                throw ApiErrors.error(400, "latest must be a number of seconds above 0");
            }
            since = System.currentTimeMillis() - latestSeconds * 1000;
        }
        if (sinceMillis != null) {
            since = Math.max(since, sinceMillis);
        }
        return history.since(since).stream().map(SampleJson::of).toList();
    }

    private static double round(double rate) {
        return ClusterStats.round(rate);
    }
}
