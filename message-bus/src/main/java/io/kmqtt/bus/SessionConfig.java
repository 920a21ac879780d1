package io.kmqtt.bus;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/**
 * Where persistent sessions keep the messages owed to them while their client is away, shared by
 * gateways and routers. Every property can be set through the environment:
 * {@code session.redis-url} is {@code SESSION_REDIS_URL}.
 */
@ConfigMapping(prefix = "session")
public interface SessionConfig {

    enum Store { MEMORY, REDIS }

    /**
     * {@code redis} for a cluster, {@code memory} for the standalone broker. Unset: memory on the
     * memory bus, Redis on Kafka (the offline queues must be shared by every gateway and router).
     */
    Optional<Store> store();

    /** The Redis that holds the offline queues (the seed's auth Redis will do). */
    @WithDefault("redis://localhost:6379")
    String redisUrl();

    /** Prefix of the Redis keys: {@code mqtt:} gives {@code mqtt:inbox:<client id>}. */
    @WithDefault("mqtt:")
    String redisKeyPrefix();

    /**
     * The most messages kept for one disconnected client; beyond it the oldest is dropped and
     * counted ({@code mqtt.messages.dropped{reason=queue_full}} on gateways,
     * {@code router.sessions.dropped} on routers).
     */
    @WithDefault("1000")
    int maxQueuedMessages();
}
