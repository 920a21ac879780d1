package io.kmqtt.admin.rest;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.PublishProperties;
import io.kmqtt.core.message.UserProperty;
import io.kmqtt.core.topic.TopicLimits;
import io.kmqtt.core.topic.TopicVerdict;
import io.kmqtt.core.topic.Topics;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Publishes a message into the cluster as if a client had, from the publisher id {@code admin-api}. */
@Path("/api/v1/publish")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "publish")
public class PublishResource {

    /** EMQX 5's publish body. {@code payload_encoding}: {@code plain} (default) or {@code base64}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record PublishRequest(String topic, String payload, String payloadEncoding, Integer qos, Boolean retain,
                                 Properties properties) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Properties(Map<String, String> userProperties, String contentType, String responseTopic,
                             String correlationData, Integer payloadFormatIndicator, Long messageExpiryInterval) {
    }

    public record Published(String id) {
    }

    @Inject
    MessageBus bus;

    @POST
    @Operation(summary = "Publish a message (QoS, retain flag, MQTT 5 properties); answers once Kafka has it")
    public Published publish(PublishRequest body) {
        if (body == null || body.topic() == null) {
            throw ApiErrors.error(400, "topic is required");
        }
        TopicVerdict verdict = Topics.validateName(body.topic(), TopicLimits.DEFAULT);
        if (!verdict.isValid()) {
            throw ApiErrors.error(400, "topic " + verdict.description());
        }
        int qos = body.qos() == null ? 0 : body.qos();
        if (qos < 0 || qos > 2) {
            throw ApiErrors.error(400, "qos must be 0, 1 or 2");
        }
        byte[] payload = payload(body);
        long now = System.currentTimeMillis();
        Properties p = body.properties();
        long expiry = p == null || p.messageExpiryInterval() == null ? 0 : now + p.messageExpiryInterval() * 1000;
        PublishProperties props = PublishProperties.NONE;
        if (p != null) {
            List<UserProperty> user = new ArrayList<>();
            if (p.userProperties() != null) {
                p.userProperties().forEach((k, v) -> user.add(new UserProperty(k, v)));
            }
            props = new PublishProperties(p.payloadFormatIndicator(), p.contentType(), p.responseTopic(),
                    p.correlationData() == null ? null : p.correlationData().getBytes(StandardCharsets.UTF_8), user);
        }
        Envelope message = new Envelope(body.topic(), payload, qos, Boolean.TRUE.equals(body.retain()), "admin-api",
                "admin-api", now, expiry, props);
        try {
            bus.publish(message).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw ApiErrors.error(503, "the message could not be published: " + e.getMessage());
        }
        return new Published(UUID.randomUUID().toString());
    }

    private static byte[] payload(PublishRequest body) {
        String payload = body.payload() == null ? "" : body.payload();
        String encoding = body.payloadEncoding() == null ? "plain" : body.payloadEncoding();
        return switch (encoding) {
            case "plain" -> payload.getBytes(StandardCharsets.UTF_8);
            case "base64" -> {
                try {
                    yield Base64.getDecoder().decode(payload);
                } catch (IllegalArgumentException e) {
                    throw ApiErrors.error(400, "payload is not valid base64: " + e.getMessage());
                }
            }
            default -> throw ApiErrors.error(400, "payload_encoding must be plain or base64");
        };
    }
}
