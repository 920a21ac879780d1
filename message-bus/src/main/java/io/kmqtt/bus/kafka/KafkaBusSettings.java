package io.kmqtt.bus.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the Kafka bus needs to know, independent of how it was configured.
 *
 * @param bootstrapServers   Kafka bootstrap servers, host:port[,host:port...]
 * @param topicPrefix        prefix of every topic the broker uses, e.g. "mqtt" gives "mqtt.messages"
 * @param partitions         shards: partitions of the messages and routes topics (they must match)
 * @param replicationFactor  replication factor of topics created at start-up
 * @param messageRetention   how long the messages topic keeps records
 * @param deliveryRetention  how long a gateway's delivery topic keeps records
 * @param routerGroupId      consumer group shared by all routers
 * @param clientOverrides    extra Kafka client properties (security, tuning), applied last
 */
public record KafkaBusSettings(
        String bootstrapServers,
        String topicPrefix,
        int partitions,
        short replicationFactor,
        Duration messageRetention,
        Duration deliveryRetention,
        String routerGroupId,
        Map<String, String> clientOverrides) {

    public KafkaBusSettings {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topicPrefix, "topicPrefix");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be positive: " + partitions);
        }
        clientOverrides = clientOverrides == null ? Map.of() : Map.copyOf(clientOverrides);
    }

    /** Defaults for tests and tools: prefix "mqtt", one replica. */
    public static KafkaBusSettings defaults(String bootstrapServers, int partitions) {
        return new KafkaBusSettings(bootstrapServers, "mqtt", partitions, (short) 1, Duration.ofHours(1),
                Duration.ofMinutes(10), "mqtt-routers", Map.of());
    }
}
