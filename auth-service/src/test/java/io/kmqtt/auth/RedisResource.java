package io.kmqtt.auth;

import io.kmqtt.testinfra.RedisServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** A real redis-server for @QuarkusTest, shared by the test class, reachable for outage tests. */
public class RedisResource implements QuarkusTestResourceLifecycleManager {

    static RedisServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = RedisServer.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("quarkus.redis.hosts", server.url());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
