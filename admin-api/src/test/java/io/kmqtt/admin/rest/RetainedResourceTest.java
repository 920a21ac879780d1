package io.kmqtt.admin.rest;

import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.EnvelopeCodec;
import io.kmqtt.core.message.PublishProperties;
import io.kmqtt.core.message.UserProperty;
import io.kmqtt.core.state.ClusterTable;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static io.kmqtt.admin.rest.ApiTesting.asAdmin;
import static io.kmqtt.admin.rest.ApiTesting.asViewer;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

/** Retained messages through the admin API, from the retained table the routers write. */
@QuarkusTest
class RetainedResourceTest {

    @Inject
    MessageBus bus;

    @Test
    void listedByTopicPrefixReadWithPayloadAndDeleted() throws Exception {
        retain(Envelope.of("farm/a/temp", "21".getBytes(StandardCharsets.UTF_8), 1, true, "sensor-a"));
        retain(Envelope.of("farm/b/temp", new byte[] {0, (byte) 0xff}, 0, true, "sensor-b"));
        retain(new Envelope("farm/c/temp", "x".getBytes(StandardCharsets.UTF_8), 0, true, "p", "gw", 1_000, 2_000,
                PublishProperties.NONE)); // expired long ago: not shown
        retain(new Envelope("//odd//topic", "y".getBytes(StandardCharsets.UTF_8), 2, true, "p", "gw",
                System.currentTimeMillis(), 0, new PublishProperties(1, "text/plain", null, null,
                List.of(new UserProperty("origin", "ops")))));
        retain(Envelope.of("garden/temp", "9".getBytes(StandardCharsets.UTF_8), 0, true, "sensor-g"));

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> asViewer().get("/api/v1/retained?topic_prefix=farm/")
                .then().statusCode(200).body("meta.count", equalTo(2))
                .body("data.topic", equalTo(List.of("farm/a/temp", "farm/b/temp")))
                .body("data[0].payload", nullValue()).body("data[1].payload_size", equalTo(2))
                .body("data[0].from_clientid", equalTo("sensor-a")));
        asViewer().get("/api/v1/retained?limit=1&page=2").then().body("data[0].topic", equalTo("farm/a/temp"))
                .body("meta.hasnext", equalTo(true));
        asViewer().queryParam("topic", "farm/b/temp").get("/api/v1/retained/message").then().statusCode(200)
                .body("payload", equalTo(Base64.getEncoder().encodeToString(new byte[] {0, (byte) 0xff})));
        asViewer().queryParam("topic", "//odd//topic").get("/api/v1/retained/message").then().statusCode(200)
                .body("qos", equalTo(2), "properties.content_type", equalTo("text/plain"),
                        "properties.user_properties.origin", equalTo("ops"));
        asViewer().queryParam("topic", "farm/c/temp").get("/api/v1/retained/message").then().statusCode(404);
        asViewer().get("/api/v1/retained/message").then().statusCode(400);

        asViewer().queryParam("topic", "garden/temp").delete("/api/v1/retained/message").then().statusCode(403);
        asAdmin().queryParam("topic", "garden/temp").delete("/api/v1/retained/message").then().statusCode(204);
        asAdmin().queryParam("topic", "garden/temp").get("/api/v1/retained/message").then().statusCode(404);
        asAdmin().queryParam("topic", "garden/temp").delete("/api/v1/retained/message").then().statusCode(404);
        given().get("/api/v1/retained").then().statusCode(401);
    }

    private void retain(Envelope message) throws Exception {
        bus.table(ClusterTable.RETAINED).put(message.topic(), EnvelopeCodec.encode(message)).toCompletableFuture().get();
    }
}
