package io.kmqtt.admin.rest;

import io.kmqtt.admin.config.AdminConfig;
import io.kmqtt.admin.service.ClusterView;
import io.kmqtt.admin.state.Page;
import io.kmqtt.core.state.ClientRecord;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Subscriptions, routes and topics cluster-wide. A route is "gateway G has subscribers on filter
 * F", the granularity the routers work at.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "routing")
public class RoutingResource {

    public record RouteJson(String topic, List<String> nodes) {
    }

    public record TopicJson(String topic, String node) {
    }

    @Inject
    ClusterView view;
    @Inject
    AdminConfig config;

    @GET
    @Path("/subscriptions")
    @Operation(summary = "Subscriptions of connected clients, by client id; filter by exact topic filter, client id or gateway")
    public Page<SubscriptionJson> subscriptions(@QueryParam("page") @DefaultValue("1") int page,
                                                @QueryParam("limit") @DefaultValue("100") int limit,
                                                @QueryParam("topic") String topic,
                                                @QueryParam("clientid") String clientId,
                                                @QueryParam("node") String node) {
        ApiErrors.checkPaging(page, limit, config.maxPageSize());
        Page.Builder<SubscriptionJson> builder = new Page.Builder<>(page, limit);
        view.clients().forEachClient(client -> {
            ClientRecord r = client.record();
            if (!client.connected() || (clientId != null && !clientId.equals(r.clientId()))
                    || (node != null && !node.equals(r.gatewayId()))) {
                return;
            }
            for (ClientRecord.Subscription s : r.subscriptions()) {
                if (topic == null || topic.equals(s.filter())) {
                    builder.offer(SubscriptionJson.of(r, s));
                }
            }
        });
        return builder.build();
    }

    @GET
    @Path("/routes")
    @Operation(summary = "Topic filters with subscribers, each with the gateways that hold them")
    public Page<RouteJson> routes(@QueryParam("page") @DefaultValue("1") int page,
                                  @QueryParam("limit") @DefaultValue("100") int limit,
                                  @QueryParam("topic") String topic) {
        ApiErrors.checkPaging(page, limit, config.maxPageSize());
        Page.Builder<RouteJson> builder = new Page.Builder<>(page, limit);
        for (Map.Entry<String, Map<String, Integer>> e : view.clients().routes().entrySet()) {
            if (topic == null || topic.equals(e.getKey())) {
                builder.offer(new RouteJson(e.getKey(), List.copyOf(new TreeSet<>(e.getValue().keySet()))));
            }
        }
        return builder.build();
    }

    @GET
    @Path("/topics")
    @Operation(summary = "One entry per topic filter and gateway, as EMQX 5 lists topics")
    public Page<TopicJson> topics(@QueryParam("page") @DefaultValue("1") int page,
                                  @QueryParam("limit") @DefaultValue("100") int limit,
                                  @QueryParam("topic") String topic) {
        ApiErrors.checkPaging(page, limit, config.maxPageSize());
        Page.Builder<TopicJson> builder = new Page.Builder<>(page, limit);
        for (Map.Entry<String, Map<String, Integer>> e : view.clients().routes().entrySet()) {
            if (topic == null || topic.equals(e.getKey())) {
                new TreeSet<>(e.getValue().keySet()).forEach(gw -> builder.offer(new TopicJson(e.getKey(), gw)));
            }
        }
        return builder.build();
    }
}
