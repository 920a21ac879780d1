package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.RedisServer;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

/**
 * The admin API against a running cluster: real Kafka, Redis behind an auth-service, a router, two
 * gateways and the admin API as separate processes, driven over HTTP (RestAssured) and by real MQTT
 * clients.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminApiIT {

    private static final String ADMIN_PASSWORD = "admin-pass-1";

    private RedisServer redis;
    private Cluster cluster;
    private Cluster.Gateway gw1;
    private Cluster.Gateway gw2;
    private String admin;

    @BeforeAll
    void startCluster() throws Exception {
        redis = RedisServer.start();
        cluster = new Cluster(SharedKafka.bootstrapServers()).withEnv("SESSION_REDIS_URL", redis.url());
        String auth = cluster.startAuthService(redis.url());
        cluster.startRouter("router-1");
        gw1 = cluster.startGateway("gw-1");
        gw2 = cluster.startGateway("gw-2");
        admin = cluster.startAdminApi(ADMIN_PASSWORD, Map.of("ADMIN_AUTH_SERVICE_URL", auth));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> asAdmin().get("/api/v1/nodes").then().statusCode(200)
                .body("findAll { it.status == 'running' }.node", hasItems("gw-1", "gw-2", "router-1")));
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private RequestSpecification asAdmin() {
        return as("admin", ADMIN_PASSWORD);
    }

    private RequestSpecification as(String user, String password) {
        return given().baseUri(admin).auth().preemptive().basic(user, password).contentType(ContentType.JSON);
    }

    @Test
    void callsWithoutValidCredentialsGet401AndViewersMayOnlyRead() {
        given().baseUri(admin).get("/api/v1/clients").then().statusCode(401).header("WWW-Authenticate", "Basic realm=\"kmqtt\"");
        as("admin", "wrong-password").get("/api/v1/clients").then().statusCode(401);
        as("nobody", "whatever").get("/api/v1/stats").then().statusCode(401);

        asAdmin().body(Map.of("username", "viewer1", "password", "viewer-pass-1", "role", "viewer"))
                .post("/api/v1/admins").then().statusCode(200).body("role", equalTo("viewer"));
        as("viewer1", "viewer-pass-1").get("/api/v1/clients").then().statusCode(200);
        as("viewer1", "viewer-pass-1").delete("/api/v1/clients/anyone").then().statusCode(403);
        as("viewer1", "viewer-pass-1").body(Map.of("as", "clientid", "who", "x")).post("/api/v1/banned").then().statusCode(403);
        as("viewer1", "viewer-pass-1").get("/api/v1/admins").then().statusCode(403);

        JsonPath key = asAdmin().body(Map.of("name", "ci-script", "role", "administrator")).post("/api/v1/api_key")
                .then().statusCode(200).extract().jsonPath();
        String apiKey = key.getString("api_key");
        String secret = key.getString("api_secret");
        as(apiKey, secret).get("/api/v1/nodes").then().statusCode(200);
        as(apiKey, "not-the-secret").get("/api/v1/nodes").then().statusCode(401);
        asAdmin().delete("/api/v1/api_key/" + apiKey).then().statusCode(204);
        as(apiKey, secret).get("/api/v1/nodes").then().statusCode(401);
        asAdmin().delete("/api/v1/admins/admin").then().statusCode(409); // the last administrator stays
    }

    @Test
    void aKickDisconnectsTheClientOnAnotherGatewayWithinOneSecond() throws Exception {
        CompletableFuture<Mqtt5DisconnectReasonCode> reason = new CompletableFuture<>();
        Mqtt5BlockingClient client = Mqtt5Client.builder().identifier("kick-me").serverHost("127.0.0.1").serverPort(gw2.port())
                .addDisconnectedListener(ctx -> reason.complete(ctx.getCause() instanceof Mqtt5DisconnectException d
                        ? d.getMqttMessage().getReasonCode() : null))
                .buildBlocking();
        client.connect();
        awaitListed("kick-me", "gw-2");

        long start = System.nanoTime();
        asAdmin().delete("/api/v1/clients/kick-me").then().statusCode(204);
        assertThat(reason.get(1, TimeUnit.SECONDS)).isEqualTo(Mqtt5DisconnectReasonCode.ADMINISTRATIVE_ACTION);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                asAdmin().get("/api/v1/clients/kick-me").then().statusCode(404));
        asAdmin().delete("/api/v1/clients/kick-me").then().statusCode(404);
    }

    @Test
    void aSecondConnectOnAnotherGatewayTakesTheClientIdOverWithinOneSecond() throws Exception {
        CompletableFuture<Mqtt5DisconnectReasonCode> reason = new CompletableFuture<>();
        Mqtt5BlockingClient first = Mqtt5Client.builder().identifier("twin").serverHost("127.0.0.1").serverPort(gw1.port())
                .addDisconnectedListener(ctx -> reason.complete(ctx.getCause() instanceof Mqtt5DisconnectException d
                        ? d.getMqttMessage().getReasonCode() : null))
                .buildBlocking();
        first.connect();
        awaitListed("twin", "gw-1");

        Mqtt5BlockingClient second = Clients.connect(gw2.port(), "twin");
        assertThat(reason.get(1, TimeUnit.SECONDS)).isEqualTo(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER);
        awaitListed("twin", "gw-2");
        asAdmin().get("/api/v1/clients?clientid_prefix=twin").then().body("meta.count", equalTo(1));
        second.disconnect();
    }

    /** A disconnected persistent session is listed as disconnected until it resumes, anywhere. */
    @Test
    void aParkedPersistentSessionIsListedAsDisconnected() throws Exception {
        Mqtt5BlockingClient sleeper = Mqtt5Client.builder().identifier("sleeper").serverHost("127.0.0.1")
                .serverPort(gw1.port()).buildBlocking();
        sleeper.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        sleeper.subscribeWith().topicFilter("sleep/#").qos(MqttQos.AT_LEAST_ONCE).send();
        sleeper.disconnect();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                asAdmin().get("/api/v1/clients?clientid_prefix=sleeper&conn_state=disconnected").then()
                        .body("meta.count", equalTo(1)).body("data[0].node", equalTo("gw-1"))
                        .body("data[0].connected", equalTo(false)));
        asAdmin().get("/api/v1/clients/sleeper/subscriptions").then().statusCode(200).body("topic", hasItems("sleep/#"));
        asAdmin().get("/api/v1/clients/sleeper").then().statusCode(200).body("connected", equalTo(false));

        Mqtt5BlockingClient back = Mqtt5Client.builder().identifier("sleeper").serverHost("127.0.0.1")
                .serverPort(gw2.port()).buildBlocking();
        assertThat(back.connectWith().cleanStart(false).sessionExpiryInterval(300).send().isSessionPresent()).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            asAdmin().get("/api/v1/clients?clientid_prefix=sleeper").then().body("meta.count", equalTo(1))
                    .body("data[0].node", equalTo("gw-2")).body("data[0].connected", equalTo(true));
        });
        back.disconnect();

        // An operator ends the disconnected session: it leaves the listing, and a return starts afresh.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                asAdmin().get("/api/v1/clients?clientid_prefix=sleeper&conn_state=disconnected").then()
                        .body("meta.count", equalTo(1)));
        asAdmin().delete("/api/v1/clients/sleeper").then().statusCode(204);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                asAdmin().get("/api/v1/clients?clientid_prefix=sleeper").then().body("meta.count", equalTo(0)));
        Mqtt5BlockingClient again = Mqtt5Client.builder().identifier("sleeper").serverHost("127.0.0.1")
                .serverPort(gw1.port()).buildBlocking();
        Thread.sleep(1000); // the sessions table's tombstone reaches gw-1 within milliseconds
        assertThat(again.connectWith().cleanStart(false).sessionExpiryInterval(300).send().isSessionPresent())
                .as("the session was ended").isFalse();
        again.disconnectWith().sessionExpiryInterval(0).send();
    }

    @Test
    void aBanIsEnforcedByEveryGatewayUntilLifted() {
        asAdmin().body(Map.of("as", "clientid", "who", "banned-1", "reason", "stolen device"))
                .post("/api/v1/banned").then().statusCode(200).body("by", equalTo("admin"));
        asAdmin().body(Map.of("as", "username", "who", "mallory", "until", "2099-01-01T00:00:00Z"))
                .post("/api/v1/banned").then().statusCode(200);
        asAdmin().body(Map.of("as", "ip", "who", "x")).post("/api/v1/banned").then().statusCode(400);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (Cluster.Gateway gw : List.of(gw1, gw2)) {
                assertThat(refusal5(gw.port(), "banned-1", null)).isEqualTo(Mqtt5ConnAckReasonCode.BANNED);
                assertThat(refusal5(gw.port(), "innocent-id", "mallory")).isEqualTo(Mqtt5ConnAckReasonCode.BANNED);
            }
        });
        Mqtt3ConnAckException v3 = catchThrowableOfType(Mqtt3ConnAckException.class, () -> Mqtt3Client.builder()
                .identifier("banned-1").serverHost("127.0.0.1").serverPort(gw1.port()).buildBlocking().connect());
        assertThat(v3.getMqttMessage().getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);
        asAdmin().get("/api/v1/banned").then().statusCode(200).body("data.who", hasItems("banned-1", "mallory"));

        asAdmin().delete("/api/v1/banned/clientid/banned-1").then().statusCode(204);
        asAdmin().delete("/api/v1/banned/clientid/banned-1").then().statusCode(404);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Mqtt5BlockingClient c = Clients.connect(gw2.port(), "banned-1");
            c.disconnect();
        });
        asAdmin().delete("/api/v1/banned/username/mallory").then().statusCode(204);
    }

    @Test
    void clientsArePagedInClientIdOrderAcrossGateways() {
        int total = 300;
        List<Mqtt5AsyncClient> clients = new ArrayList<>();
        List<CompletableFuture<?>> connects = new ArrayList<>();
        TreeSet<String> expected = new TreeSet<>();
        for (int i = 0; i < total; i++) {
            String id = String.format("page-%03d", i);
            expected.add(id);
            Mqtt5AsyncClient c = Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1")
                    .serverPort((i % 2 == 0 ? gw1 : gw2).port()).buildAsync();
            clients.add(c);
            connects.add(c.connect());
        }
        CompletableFuture.allOf(connects.toArray(CompletableFuture[]::new)).join();
        try {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> asAdmin().get("/api/v1/clients?clientid_prefix=page-&limit=1")
                    .then().body("meta.count", equalTo(total)));

            List<String> seen = new ArrayList<>();
            for (int page = 1; page <= 3; page++) {
                JsonPath body = asAdmin().get("/api/v1/clients?clientid_prefix=page-&limit=128&page=" + page)
                        .then().statusCode(200).extract().jsonPath();
                assertThat(body.getList("data")).hasSize(page < 3 ? 128 : total - 256);
                assertThat(body.getBoolean("meta.hasnext")).isEqualTo(page < 3);
                seen.addAll(body.getList("data.clientid", String.class));
            }
            assertThat(seen).containsExactlyElementsOf(expected);
            asAdmin().get("/api/v1/clients?clientid_prefix=page-&page=4&limit=128").then().body("data.size()", equalTo(0));
            asAdmin().get("/api/v1/clients?clientid_prefix=page-&node=gw-1&limit=1").then().body("meta.count", equalTo(total / 2));
            asAdmin().get("/api/v1/clients?clientid_prefix=page-&conn_state=disconnected").then().body("meta.count", equalTo(0));
            asAdmin().get("/api/v1/clients?limit=0").then().statusCode(400);
            asAdmin().get("/api/v1/clients?conn_state=sleeping").then().statusCode(400);
        } finally {
            clients.forEach(c -> c.disconnect());
        }
    }

    @Test
    void clientDetailsSubscriptionsRoutesAndPublish() throws Exception {
        Clients.Collector device = new Clients.Collector(gw1.port(), "details-1").subscribe("dev/+/temp", MqttQos.AT_LEAST_ONCE);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> asAdmin().get("/api/v1/clients/details-1").then().statusCode(200)
                .body("node", equalTo("gw-1"), "proto_ver", equalTo(5), "connected", equalTo(true),
                        "subscriptions_cnt", equalTo(1), "inflight_cnt", equalTo(0), "mqueue_len", equalTo(0),
                        "ip_address", equalTo("127.0.0.1")));
        asAdmin().queryParam("topic", "dev/+/temp").get("/api/v1/routes").then().body("data[0].nodes", equalTo(List.of("gw-1")));
        asAdmin().queryParam("topic", "dev/+/temp").get("/api/v1/topics").then().body("data[0].node", equalTo("gw-1"));
        asAdmin().get("/api/v1/clients/nobody-here").then().statusCode(404);

        asAdmin().body(Map.of("topic", "cmd/details-1", "qos", 1)).post("/api/v1/clients/details-1/subscribe").then().statusCode(200);
        asAdmin().body(Map.of("topic", "cmd/#/bad", "qos", 1)).post("/api/v1/clients/details-1/subscribe").then().statusCode(400);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> asAdmin().get("/api/v1/subscriptions?clientid=details-1")
                .then().body("data.topic", hasItems("dev/+/temp", "cmd/details-1")));

        asAdmin().body(Map.of("topic", "cmd/details-1", "payload", "b24=", "payload_encoding", "base64", "qos", 1,
                        "properties", Map.of("user_properties", Map.of("origin", "ops"))))
                .post("/api/v1/publish").then().statusCode(200);
        List<Mqtt5Publish> got = device.await(1, Duration.ofSeconds(10));
        assertThat(got).extracting(Clients::text).containsExactly("on");
        assertThat(got.get(0).getUserProperties().asList()).anySatisfy(p -> {
            assertThat(p.getName().toString()).isEqualTo("origin");
            assertThat(p.getValue().toString()).isEqualTo("ops");
        });
        asAdmin().body(Map.of("topic", "dev/+/temp")).post("/api/v1/publish").then().statusCode(400);

        asAdmin().body(Map.of("topic", "cmd/details-1")).post("/api/v1/clients/details-1/unsubscribe").then().statusCode(204);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> asAdmin().get("/api/v1/clients/details-1/subscriptions")
                .then().body("topic", equalTo(List.of("dev/+/temp"))));
        asAdmin().body(Map.of("topic", "cmd/details-1", "payload", "off")).post("/api/v1/publish").then().statusCode(200);
        asAdmin().body(Map.of("topic", "dev/kitchen/temp", "payload", "21")).post("/api/v1/publish").then().statusCode(200);
        assertThat(device.await(1, Duration.ofSeconds(10))).extracting(Clients::text).containsExactly("21");
        device.client.disconnect();
    }

    @Test
    void nodesAndStatsCoverEveryGatewayAndRouter() {
        Mqtt5BlockingClient a = Clients.connect(gw1.port(), "stats-a");
        Mqtt5BlockingClient b = Clients.connect(gw2.port(), "stats-b");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonPath nodes = asAdmin().get("/api/v1/nodes").then().statusCode(200).extract().jsonPath();
            assertThat(nodes.getList("findAll { it.kind == 'gateway' && it.status == 'running' }.node")).contains("gw-1", "gw-2");
            assertThat(nodes.getList("findAll { it.kind == 'router' && it.status == 'running' }.node")).contains("router-1");
            assertThat(nodes.getInt("find { it.node == 'gw-1' }.connections")).isGreaterThanOrEqualTo(1);
        });
        long before = asAdmin().get("/api/v1/stats").then().extract().jsonPath().getLong("messages_in");
        for (int i = 0; i < 20; i++) {
            Clients.publish(a, "stats/topic", "m" + i, MqttQos.AT_LEAST_ONCE);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonPath stats = asAdmin().get("/api/v1/stats").then().statusCode(200).extract().jsonPath();
            assertThat(stats.getInt("gateways_running")).isEqualTo(2);
            assertThat(stats.getInt("routers_running")).isEqualTo(1);
            assertThat(stats.getLong("messages_in") - before).isGreaterThanOrEqualTo(20);
            assertThat(stats.getInt("connections")).isGreaterThanOrEqualTo(2);
        });
        a.disconnect();
        b.disconnect();
    }

    @Test
    void mqttUsersAreManagedThroughTheAuthService() throws Exception {
        asAdmin().body(Map.of("username", "alice", "password", "s3cret-pw")).post("/api/v1/users").then().statusCode(201);
        assertThat(redis.command("HGET", "mqtt_user:alice", "password")).isNotBlank().isNotEqualTo("s3cret-pw");
        asAdmin().body(Map.of("filter", "devices/alice/#", "access", 3)).post("/api/v1/users/alice/acl").then().statusCode(201);
        asAdmin().get("/api/v1/users/alice").then().statusCode(200)
                .body("username", equalTo("alice"), "acl[0].filter", equalTo("devices/alice/#"));
        asAdmin().delete("/api/v1/users/alice").then().statusCode(204);
        asAdmin().get("/api/v1/users/alice").then().statusCode(404);
        given().baseUri(admin).get("/api/v1/users/alice").then().statusCode(401);
    }

    @Test
    void clientsOfAKilledGatewayLeaveTheListing() throws Exception {
        Cluster.Gateway gw3 = cluster.startGateway("gw-3");
        Mqtt5BlockingClient c = Clients.connect(gw3.port(), "on-doomed-gateway");
        awaitListed("on-doomed-gateway", "gw-3");
        ChildProcess process = gw3.process();
        process.kill();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            asAdmin().get("/api/v1/clients/on-doomed-gateway").then().statusCode(404);
            asAdmin().get("/api/v1/nodes").then().body("find { it.node == 'gw-3' }.status", equalTo("stopped"));
        });
        assertThat(c.getState().isConnected()).isFalse();
    }

    private void awaitListed(String clientId, String gateway) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> asAdmin().get("/api/v1/clients/" + clientId)
                .then().statusCode(200).body("node", equalTo(gateway), "connected", equalTo(true)));
    }

    private static Mqtt5ConnAckReasonCode refusal5(int port, String clientId, String username) {
        var builder = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port).buildBlocking();
        Mqtt5ConnAckException e = catchThrowableOfType(Mqtt5ConnAckException.class, () -> {
            if (username == null) {
                builder.connect();
            } else {
                builder.connectWith().simpleAuth().username(username).password("pw".getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth().send();
            }
            builder.disconnect();
        });
        return e == null ? Mqtt5ConnAckReasonCode.SUCCESS : e.getMqttMessage().getReasonCode();
    }
}
