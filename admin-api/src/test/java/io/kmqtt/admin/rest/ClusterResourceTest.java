package io.kmqtt.admin.rest;

import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.NodeRecord;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.kmqtt.admin.rest.ApiTesting.asAdmin;
import static io.kmqtt.admin.rest.ApiTesting.asViewer;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.emptyOrNullString;

/** Who am I, the stats and their sampled history, on the in-memory bus. */
@QuarkusTest
class ClusterResourceTest {

    @Inject
    MessageBus bus;

    @Test
    void whoamiNamesTheCallerAndItsRole() {
        asAdmin().get("/api/v1/whoami").then().statusCode(200)
                .body("username", equalTo("admin"), "role", equalTo("administrator"));
        asViewer().get("/api/v1/whoami").then().statusCode(200).body("role", equalTo("viewer"));
        given().get("/api/v1/whoami").then().statusCode(401).header("WWW-Authenticate", "Basic realm=\"kmqtt\"");
    }

    @Test
    void aScriptMarkedXmlHttpRequestGets401WithoutABrowserChallenge() {
        given().header("X-Requested-With", "XMLHttpRequest").auth().preemptive().basic("admin", "wrong")
                .get("/api/v1/whoami").then().statusCode(401).header("WWW-Authenticate", (String) null)
                .body("message", equalTo("bad credentials"));
    }

    @Test
    void statsNameTheVersionAndCountRetainedMessages() {
        asViewer().get("/api/v1/stats").then().statusCode(200)
                .body("version", not(emptyOrNullString()), "retained", equalTo(0));
    }

    @Test
    void monitorKeepsSamplesWithRatesAndDropsByReason() throws Exception {
        long start = System.currentTimeMillis() - 3_000; // recent enough to be live (admin.node-expiry)
        node(start, start + 1_000, 100, 0, 0);
        node(start, start + 2_000, 300, 10, 4); // 200 in/s, 10 drops/s of which 4 queue_full/s
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<Map<String, Object>> samples = asViewer().get("/api/v1/monitor?latest=60").then().statusCode(200)
                    .extract().jsonPath().getList("$");
            assertThat(samples).isNotEmpty();
            Map<String, Object> last = samples.get(samples.size() - 1);
            assertThat(last).containsEntry("connections", 7).containsEntry("messages_in_rate", 200.0f)
                    .containsEntry("messages_dropped_rate", 10.0f);
            assertThat(last.get("dropped_rates")).isEqualTo(Map.of("queue_full", 4.0f));
        });
        JsonPath all = asAdmin().get("/api/v1/monitor").then().statusCode(200).extract().jsonPath();
        long newest = all.getLong("[-1].time_stamp");
        asAdmin().get("/api/v1/monitor?since=" + newest).then().statusCode(200).body("findAll { it.time_stamp <= " + newest
                + " }.size()", equalTo(0));
        asAdmin().get("/api/v1/monitor?latest=0").then().statusCode(400);
        given().get("/api/v1/monitor").then().statusCode(401);
    }

    /** A gateway's status record, as it writes one every stats interval; live while its updatedAt is recent. */
    private void node(long startedAt, long updatedAt, long messagesIn, long dropped, long queueFull) throws Exception {
        NodeRecord record = new NodeRecord("gw-test", "gateway", "run-1", "", startedAt, updatedAt, false,
                Map.of("connections", 7L, "messages_in", messagesIn, "messages_dropped", dropped,
                        "messages_dropped.queue_full", queueFull));
        bus.table(ClusterTable.NODES).put(record.key(), record.encode()).toCompletableFuture().get();
    }
}
