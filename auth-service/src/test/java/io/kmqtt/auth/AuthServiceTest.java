package io.kmqtt.auth;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

/** The auth-service against a real redis-server: user management, CONNECT decisions, Redis outages. */
@QuarkusTest
@QuarkusTestResource(RedisResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuthServiceTest {

    private static Map<String, Object> connect(String username, String password) {
        return Map.of("clientId", "c-" + username, "username", username,
                "password", Base64.getEncoder().encodeToString(password.getBytes(StandardCharsets.UTF_8)), "peer", "127.0.0.1");
    }

    @Test
    @Order(1)
    void createdUserAuthenticatesWithItsPasswordStoredHashed() throws Exception {
        given().contentType(ContentType.JSON).body(Map.of("username", "alice", "password", "s3cret"))
                .when().post("/api/v1/users").then().statusCode(201);
        given().contentType(ContentType.JSON).body(Map.of("username", "alice", "password", "x"))
                .when().post("/api/v1/users").then().statusCode(409);

        String stored = RedisResource.server.command("HGET", "mqtt_user:alice", "password");
        // A RESP bulk string: "$64", then the sha256 hex digest, not the password.
        assertThat(stored).doesNotContain("s3cret");
        assertThat(stored.lines().skip(1).findFirst().orElse("")).matches("[0-9a-f]{64}");

        given().contentType(ContentType.JSON).body(connect("alice", "s3cret"))
                .when().post("/api/v1/authenticate").then().statusCode(200)
                .body("outcome", equalTo("ALLOW")).body("superuser", equalTo(false));
        given().contentType(ContentType.JSON).body(connect("alice", "wrong"))
                .when().post("/api/v1/authenticate").then().statusCode(200).body("outcome", equalTo("BAD_CREDENTIALS"));
        given().contentType(ContentType.JSON).body(connect("nobody", "x"))
                .when().post("/api/v1/authenticate").then().statusCode(200).body("outcome", equalTo("BAD_CREDENTIALS"));
    }

    @Test
    @Order(2)
    void seedLayoutWrittenByRedisCliIsReadAsIs() throws Exception {
        // As the seed's scripts write it: plain password, one HSET per ACL rule.
        RedisResource.server.command("HSET", "mqtt_user:user7", "password",
                "8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92"); // sha256("123456")
        RedisResource.server.command("HSET", "mqtt_acl:user7", "topic/device_user7/t_1", "3");
        RedisResource.server.command("HSET", "mqtt_acl:user7", "topic/device_user7/t_2", "3");
        RedisResource.server.command("HSET", "mqtt_user:root", "password",
                "8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92", "is_superuser", "1");

        given().contentType(ContentType.JSON).body(connect("user7", "123456"))
                .when().post("/api/v1/authenticate").then().statusCode(200)
                .body("outcome", equalTo("ALLOW"))
                .body("rules", hasSize(2))
                .body("rules.filter", containsInAnyOrder("topic/device_user7/t_1", "topic/device_user7/t_2"))
                .body("allowOnNoMatch", equalTo(false));
        given().contentType(ContentType.JSON).body(connect("root", "123456"))
                .when().post("/api/v1/authenticate").then().body("superuser", equalTo(true));
    }

    @Test
    @Order(3)
    void aclRulesAreManagedThroughTheApi() {
        given().contentType(ContentType.JSON).body(Map.of("filter", "users/%u/#", "access", 3))
                .when().post("/api/v1/users/alice/acl").then().statusCode(201);
        given().contentType(ContentType.JSON).body(Map.of("filter", "a/#/b", "access", 3))
                .when().post("/api/v1/users/alice/acl").then().statusCode(400);
        given().contentType(ContentType.JSON).body(Map.of("filter", "ok", "access", 4))
                .when().post("/api/v1/users/alice/acl").then().statusCode(400);
        given().when().get("/api/v1/users/alice").then().statusCode(200)
                .body("acl.filter", containsInAnyOrder("users/%u/#"));
        given().queryParam("filter", "users/%u/#").when().delete("/api/v1/users/alice/acl").then().statusCode(204);
        given().when().get("/api/v1/users/alice/acl").then().statusCode(200).body("$", hasSize(0));
        given().contentType(ContentType.JSON).body(Map.of("superuser", true))
                .when().put("/api/v1/users/alice").then().statusCode(200).body("superuser", equalTo(true));
        given().when().get("/api/v1/users/ghost").then().statusCode(404);
        given().when().delete("/api/v1/users/alice").then().statusCode(204);
        given().when().delete("/api/v1/users/alice").then().statusCode(404);
    }

    @Test
    @Order(4)
    void usersAreListedByNamePrefixAcrossScanPages() throws Exception {
        for (int i = 0; i < 25; i++) {
            RedisResource.server.command("HSET", "mqtt_user:fleet-" + i, "password", "x");
        }
        RedisResource.server.command("HSET", "mqtt_user:fleet*odd", "password", "x", "is_superuser", "1");
        RedisResource.server.command("HSET", "mqtt_acl:fleet-0", "a/b", "1"); // ACL keys are not users

        Set<String> seen = new TreeSet<>();
        String cursor = "0";
        for (int calls = 0; calls < 100; calls++) {
            var page = given().queryParam("like", "fleet-").queryParam("limit", 10).queryParam("cursor", cursor)
                    .when().get("/api/v1/users").then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("data.username", String.class));
            cursor = page.getString("meta.cursor");
            if (!page.getBoolean("meta.hasnext")) {
                break;
            }
        }
        assertThat(seen).hasSize(25).allMatch(name -> name.startsWith("fleet-"));
        // A glob character in the prefix is matched as itself.
        given().queryParam("like", "fleet*").when().get("/api/v1/users").then().statusCode(200)
                .body("data.username", equalTo(List.of("fleet*odd"))).body("data[0].superuser", equalTo(true));
        given().queryParam("limit", 0).when().get("/api/v1/users").then().statusCode(400);
        given().queryParam("cursor", "abc").when().get("/api/v1/users").then().statusCode(400);
    }

    @Test
    @Order(5)
    void aRedisOutageIsUnavailableNeverBadCredentialsAndRecoversByItself() throws Exception {
        RedisResource.server.kill();
        given().contentType(ContentType.JSON).body(connect("user7", "123456"))
                .when().post("/api/v1/authenticate").then().statusCode(200).body("outcome", equalTo("UNAVAILABLE"));
        // Quarkus' own Redis check is active (quarkus.redis.health.enabled defaults to true): no check of ours duplicates it.
        given().when().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'Redis connection health check' }.status", equalTo("DOWN"));
        given().when().get("/q/health/live").then().statusCode(200);
        given().contentType(ContentType.JSON).body(Map.of("username", "bob", "password", "x"))
                .when().post("/api/v1/users").then().statusCode(503);

        RedisResource.server.restart(); // empty again: no persistence
        RedisResource.server.command("HSET", "mqtt_user:user7", "password",
                "8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92");
        await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() ->
                given().contentType(ContentType.JSON).body(connect("user7", "123456"))
                        .when().post("/api/v1/authenticate").then().body("outcome", equalTo("ALLOW")));
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'Redis connection health check' }.status", equalTo("UP"));
    }
}
