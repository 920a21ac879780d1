package io.kmqtt.admin.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.kmqtt.admin.config.AdminConfig;
import io.kmqtt.admin.service.ClusterView;
import io.kmqtt.admin.state.Page;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.PublishProperties;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.TimeUnit;

/**
 * Retained messages, from the retained table the routers write: list by topic prefix, read one
 * with its payload, delete one. The topic is a query parameter: a topic may hold empty levels and
 * leading slashes, which a path would not keep.
 */
@Path("/api/v1/retained")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "retained messages")
public class RetainedResource {

    /** A retained message; {@code payload} (base64) only when one message is asked for. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RetainedJson(String topic, int qos, int payloadSize, String payload, String fromClientid,
                               String publishAt, String expiresAt, Map<String, Object> properties) {

        static RetainedJson of(Envelope m, boolean withPayload) {
            return new RetainedJson(m.topic(), m.qos(), m.payload().length,
                    withPayload ? Base64.getEncoder().encodeToString(m.payload()) : null,
                    m.publisherId().isEmpty() ? null : m.publisherId(), Instant.ofEpochMilli(m.createdAtMillis()).toString(),
                    m.expiryAtMillis() == 0 ? null : Instant.ofEpochMilli(m.expiryAtMillis()).toString(),
                    withPayload ? properties(m.properties()) : null);
        }

        private static Map<String, Object> properties(PublishProperties p) {
            if (p.isEmpty()) {
                return null;
            }
            Map<String, Object> json = new LinkedHashMap<>();
            if (p.payloadFormatIndicator() != null) {
                json.put("payload_format_indicator", p.payloadFormatIndicator());
            }
            if (p.contentType() != null) {
                json.put("content_type", p.contentType());
            }
            if (p.responseTopic() != null) {
                json.put("response_topic", p.responseTopic());
            }
            if (p.correlationData() != null) {
                json.put("correlation_data", new String(p.correlationData(), StandardCharsets.UTF_8));
            }
            if (!p.userProperties().isEmpty()) {
                Map<String, String> user = new LinkedHashMap<>();
                p.userProperties().forEach(u -> user.put(u.name(), u.value()));
                json.put("user_properties", user);
            }
            return json;
        }
    }

    @Inject
    ClusterView view;
    @Inject
    AdminConfig config;

    @GET
    @Operation(summary = "Retained messages in topic order, without payloads; filter by topic prefix (topic_prefix)")
    public Page<RetainedJson> list(@QueryParam("page") @DefaultValue("1") int page,
                                   @QueryParam("limit") @DefaultValue("100") int limit,
                                   @QueryParam("topic_prefix") String prefix) {
        ApiErrors.checkPaging(page, limit, config.maxPageSize());
        NavigableMap<String, Envelope> all = view.retainedByTopic();
        NavigableMap<String, Envelope> scope = prefix == null || prefix.isEmpty() ? all
                : all.subMap(prefix, true, prefix + Character.MAX_VALUE, false);
        Page.Builder<RetainedJson> builder = new Page.Builder<>(page, limit);
        long now = System.currentTimeMillis();
        scope.values().forEach(m -> {
            if (!m.isExpired(now)) {
                builder.offer(RetainedJson.of(m, false));
            }
        });
        return builder.build();
    }

    @GET
    @Path("/message")
    @Operation(summary = "One retained message with its payload (base64) and MQTT 5 properties")
    public RetainedJson get(@QueryParam("topic") String topic) {
        return RetainedJson.of(find(topic), true);
    }

    @DELETE
    @Path("/message")
    @Operation(summary = "Delete the retained message of a topic, as publishing an empty retained message would,"
            + " without delivering anything to subscribers")
    public Response delete(@QueryParam("topic") String topic) {
        Envelope m = find(topic);
        try {
            view.retainedTable().remove(m.topic()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw ApiErrors.error(503, "the retained message could not be deleted: " + e.getMessage());
        }
        view.retained().onRemove(m.topic()); // gone here at once, before the table echoes it
        return Response.noContent().build();
    }

    private Envelope find(String topic) {
        if (topic == null || topic.isEmpty()) {
            throw ApiErrors.error(400, "query parameter 'topic' is required");
        }
        Envelope m = view.retained().entries().get(topic);
        if (m == null || m.isExpired(System.currentTimeMillis())) {
            throw ApiErrors.notFound("retained message on '" + topic + "'");
        }
        return m;
    }
}
