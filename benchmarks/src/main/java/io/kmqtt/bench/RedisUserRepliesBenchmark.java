package io.kmqtt.bench;

import io.kmqtt.auth.store.CredentialStore.StoredUser;
import io.kmqtt.auth.store.RedisUserReplies;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.types.BulkType;
import io.vertx.redis.client.impl.types.MultiType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Reading a seed user out of Redis's replies, as every CONNECT authenticated from Redis does (the
 * auth-service, or a gateway given {@code mqtt.auth.redis.url}): HMGET's password, HGET's
 * superuser flag and HGETALL's 20 ACL rules, as RESP2 sends them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class RedisUserRepliesBenchmark {

    private Response password;
    private Response superuser;
    private Response acl;

    @Setup
    public void setUp() {
        MultiType hmget = MultiType.create(1, false);
        hmget.add(bulk("5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"));
        password = hmget;
        superuser = null; // HGET of a missing field
        MultiType hgetall = MultiType.create(40, false);
        for (int t = 1; t <= 20; t++) {
            hgetall.add(bulk("topic/device_user4711/t_" + t));
            hgetall.add(bulk("3"));
        }
        acl = hgetall;
    }

    @Benchmark
    public StoredUser seedUser() {
        return RedisUserReplies.toUser("user4711", password, superuser, acl);
    }

    private static Response bulk(String value) {
        return BulkType.create(Buffer.buffer(value), false);
    }
}
