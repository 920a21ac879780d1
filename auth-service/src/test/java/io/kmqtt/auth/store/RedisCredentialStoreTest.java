package io.kmqtt.auth.store;

import io.kmqtt.auth.store.CredentialStore.StoredUser;
import io.kmqtt.core.auth.AclRule;
import io.kmqtt.testinfra.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The emq_auth_redis layout read from a real redis-server, over RESP2 (arrays) and RESP3 (maps). */
class RedisCredentialStoreTest {

    private static RedisServer server;
    private static Vertx vertx;

    @BeforeAll
    static void startRedis() throws Exception {
        server = RedisServer.start();
        vertx = Vertx.vertx();
        server.command("HSET", "mqtt_user:dev1", "password", "stored-hash", "salt", "pepper");
        server.command("HSET", "mqtt_user:admin", "password", "admin-hash", "is_superuser", "1");
        server.command("HSET", "mqtt_acl:dev1", "topic/dev1/#", "3", "cmd/dev1", "1", "bad", "7");
    }

    @AfterAll
    static void stopRedis() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
        server.close();
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
    void theSeedLayoutGivesPasswordSuperuserFlagAndRules(ProtocolVersion protocol) {
        StoredUser user = find(protocol, RedisCredentialStore.DEFAULT_AUTH_CMD, "dev1");

        assertThat(user.passwordHash()).isEqualTo("stored-hash");
        assertThat(user.salt()).isNull();
        assertThat(user.superuser()).isFalse();
        assertThat(user.rules()).containsExactlyInAnyOrder( // "bad" has no valid access and is skipped
                new AclRule("topic/dev1/#", AclRule.BOTH), new AclRule("cmd/dev1", AclRule.SUBSCRIBE));

        StoredUser admin = find(protocol, RedisCredentialStore.DEFAULT_AUTH_CMD, "admin");
        assertThat(admin.passwordHash()).isEqualTo("admin-hash");
        assertThat(admin.superuser()).isTrue();
        assertThat(admin.rules()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
    void aSaltListedInTheAuthCommandIsReadBesideThePassword(ProtocolVersion protocol) {
        StoredUser user = find(protocol, "HMGET mqtt_user:%u password salt", "dev1");

        assertThat(user.passwordHash()).isEqualTo("stored-hash");
        assertThat(user.salt()).isEqualTo("pepper");
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
    void aPasswordReadWithHgetAndAnUnknownUser(ProtocolVersion protocol) {
        assertThat(find(protocol, "HGET mqtt_user:%u password", "dev1").passwordHash()).isEqualTo("stored-hash");
        assertThat(find(protocol, RedisCredentialStore.DEFAULT_AUTH_CMD, "nobody")).isNull();
    }

    @Test
    void aRedisThatDoesNotAnswerIsUnavailableAfterTheTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) { // accepts, never answers
            String url = "redis://127.0.0.1:" + silent.getLocalPort();
            Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(url));
            try {
                RedisCredentialStore store = new RedisCredentialStore(vertx, redis, new RedisCredentialStore.Commands(
                        RedisCredentialStore.DEFAULT_AUTH_CMD, RedisCredentialStore.DEFAULT_SUPER_CMD,
                        RedisCredentialStore.DEFAULT_ACL_CMD, Duration.ofMillis(300)), url);
                long start = System.nanoTime();

                assertThatThrownBy(() -> store.find("dev1", "c1").toCompletableFuture().get(10, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(StoreUnavailableException.class).hasMessageContaining("no answer within 300 ms");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            } finally {
                redis.close();
            }
        }
    }

    private static StoredUser find(ProtocolVersion protocol, String authCommand, String username) {
        Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(server.url())
                .setPreferredProtocolVersion(protocol));
        try {
            RedisCredentialStore store = new RedisCredentialStore(vertx, redis, new RedisCredentialStore.Commands(authCommand,
                    RedisCredentialStore.DEFAULT_SUPER_CMD, RedisCredentialStore.DEFAULT_ACL_CMD, Duration.ofSeconds(5)),
                    server.url());
            return store.find(username, "client-of-" + username).toCompletableFuture().join();
        } finally {
            redis.close();
        }
    }
}
