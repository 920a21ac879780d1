package io.kmqtt.admin.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.kmqtt.admin.config.AdminConfig;
import io.kmqtt.admin.security.ApiAuthFilter;
import io.kmqtt.admin.service.ClusterView;
import io.kmqtt.admin.service.GatewayCalls;
import io.kmqtt.admin.state.ClientDirectory;
import io.kmqtt.admin.state.Page;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.state.ClusterCommand;
import io.kmqtt.core.topic.TopicLimits;
import io.kmqtt.core.topic.TopicVerdict;
import io.kmqtt.core.topic.Topics;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Clients cluster-wide: list, details, kick, and their subscriptions. */
@Path("/api/v1/clients")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "clients")
public class ClientResource {

    public record SubscribeRequest(String topic, Integer qos) {
    }

    public record UnsubscribeRequest(String topic) {
    }

    @Inject
    ClusterView view;
    @Inject
    MessageBus bus;
    @Inject
    GatewayCalls gateways;
    @Inject
    AdminConfig config;

    @GET
    @Operation(summary = "Clients, in client-id order, filtered by username, client-id prefix, gateway (node) and"
            + " connection state (conn_state=connected|disconnected)")
    public Page<ClientJson> list(@QueryParam("page") @DefaultValue("1") int page,
                                 @QueryParam("limit") @DefaultValue("100") int limit,
                                 @QueryParam("username") String username,
                                 @QueryParam("clientid_prefix") String clientIdPrefix,
                                 @QueryParam("node") String node,
                                 @QueryParam("conn_state") String connState) {
        ApiErrors.checkPaging(page, limit, config.maxPageSize());
        Boolean connected = null;
        if (connState != null) {
            connected = switch (connState) {
                case "connected" -> true;
                case "disconnected" -> false;
                default -> throw ApiErrors.error(400, "conn_state must be connected or disconnected");
            };
        }
        Page<ClientDirectory.Client> found = view.clients().list(
                new ClientDirectory.Query(username, clientIdPrefix, node, connected), page, limit);
        return new Page<>(found.data().stream().map(c -> ClientJson.of(c, ClientJson.Live.UNKNOWN)).toList(), found.meta());
    }

    @GET
    @Path("/{clientid}")
    @Operation(summary = "One client, with its in-flight count, queue length, how far it is behind and what was dropped"
            + " for it, as its gateway reports them now")
    public ClientJson get(@PathParam("clientid") String clientId) {
        ClientDirectory.Client client = find(clientId);
        ClientJson.Live live = ClientJson.Live.UNKNOWN;
        if (client.connected()) {
            String url = view.nodes().find("gateway", client.record().gatewayId())
                    .map(s -> s.latest().httpUrl()).orElse(null);
            Optional<JsonNode> details = gateways.clientDetails(url, clientId);
            if (details.isPresent()) {
                JsonNode d = details.get();
                java.util.Map<String, Long> dropped = new java.util.TreeMap<>();
                d.path("dropped").fields().forEachRemaining(e -> dropped.put(e.getKey(), e.getValue().asLong()));
                live = new ClientJson.Live(d.path("inflight_cnt").asInt(), d.path("mqueue_len").asInt(),
                        d.path("behind_cnt").asInt(), dropped);
            }
        }
        return ClientJson.of(client, live);
    }

    @DELETE
    @Path("/{clientid}")
    @Operation(summary = "Kick the client, wherever it is connected (MQTT 5: DISCONNECT 0x98); a persistent session"
            + " stays. For a disconnected persistent session: end it, with its subscriptions and queued messages")
    public Response kick(@PathParam("clientid") String clientId, @Context ContainerRequestContext request) {
        ClusterCommand.Type type = find(clientId).connected() ? ClusterCommand.Type.KICK : ClusterCommand.Type.DISCARD_SESSION;
        command(type, clientId, null, 0, request);
        return Response.noContent().build();
    }

    @GET
    @Path("/{clientid}/subscriptions")
    public List<SubscriptionJson> subscriptions(@PathParam("clientid") String clientId) {
        ClientDirectory.Client client = find(clientId);
        return client.record().subscriptions().stream().map(s -> SubscriptionJson.of(client.record(), s)).toList();
    }

    @POST
    @Path("/{clientid}/subscribe")
    @Operation(summary = "Subscribe a connected client to a topic filter, on its behalf (its ACL is not consulted)")
    public SubscriptionJson subscribe(@PathParam("clientid") String clientId, SubscribeRequest body,
                                      @Context ContainerRequestContext request) {
        if (body == null || body.topic() == null) {
            throw ApiErrors.error(400, "topic is required");
        }
        int qos = body.qos() == null ? 0 : body.qos();
        if (qos < 0 || qos > 2) {
            throw ApiErrors.error(400, "qos must be 0, 1 or 2");
        }
        checkFilter(body.topic());
        ClientDirectory.Client client = connected(clientId);
        command(ClusterCommand.Type.SUBSCRIBE, clientId, body.topic(), qos, request);
        return new SubscriptionJson(clientId, body.topic(), qos, client.record().gatewayId(), 0, 0, 0);
    }

    @POST
    @Path("/{clientid}/unsubscribe")
    public Response unsubscribe(@PathParam("clientid") String clientId, UnsubscribeRequest body,
                                @Context ContainerRequestContext request) {
        if (body == null || body.topic() == null) {
            throw ApiErrors.error(400, "topic is required");
        }
        checkFilter(body.topic());
        connected(clientId);
        command(ClusterCommand.Type.UNSUBSCRIBE, clientId, body.topic(), 0, request);
        return Response.noContent().build();
    }

    private ClientDirectory.Client find(String clientId) {
        return view.clients().find(clientId).orElseThrow(() -> ApiErrors.notFound("client '" + clientId + "'"));
    }

    private ClientDirectory.Client connected(String clientId) {
        ClientDirectory.Client client = find(clientId);
        if (!client.connected()) {
            throw ApiErrors.error(409, "client '" + clientId + "' is not connected");
        }
        return client;
    }

    private static void checkFilter(String filter) {
        TopicVerdict verdict = Topics.validateFilter(filter, TopicLimits.DEFAULT);
        if (!verdict.isValid()) {
            throw ApiErrors.error(400, "topic filter " + verdict.description());
        }
    }

    /** Broadcasts a command to the gateways and returns once Kafka has it. */
    private void command(ClusterCommand.Type type, String clientId, String filter, int qos, ContainerRequestContext request) {
        String origin = "admin:" + request.getProperty(ApiAuthFilter.CALLER);
        try {
            bus.broadcast(new ClusterCommand(type, clientId, origin, filter, qos).encode())
                    .toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw ApiErrors.error(503, "the command could not be sent to the gateways: " + e.getMessage());
        }
    }

}
