package io.kmqtt.bus;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Map;

/**
 * Which message bus the services talk through, and how to reach Kafka. Every property can be set
 * through the environment: {@code bus.kafka.bootstrap-servers} is {@code BUS_KAFKA_BOOTSTRAP_SERVERS}.
 */
@ConfigMapping(prefix = "bus")
public interface BusConfig {

    enum Type { KAFKA, MEMORY }

    /** {@code kafka} for a cluster; {@code memory} for the standalone broker (one JVM, no Kafka). */
    @WithDefault("kafka")
    Type type();

    Kafka kafka();

    interface Kafka {
        /** Kafka bootstrap servers. */
        @WithDefault("localhost:9092")
        String bootstrapServers();

        /** Prefix of every topic: {@code mqtt} gives {@code mqtt.messages}, {@code mqtt.routes}, ... */
        @WithDefault("mqtt")
        String topicPrefix();

        /** Shards: partitions of the messages and routes topics. Every service must agree. */
        @WithDefault("12")
        int partitions();

        /** Replication factor of the topics created at start-up; 3 in production. */
        @WithDefault("1")
        short replicationFactor();

        /** How long the messages topic keeps records. */
        @WithDefault("1h")
        Duration messageRetention();

        /** How long a gateway's delivery topic keeps records. */
        @WithDefault("10m")
        Duration deliveryRetention();

        /** Consumer group of the routers. */
        @WithDefault("mqtt-routers")
        String routerGroupId();

        /** How long a service waits for Kafka at start-up before giving up. */
        @WithDefault("60s")
        Duration startupTimeout();

        /** Extra Kafka client properties, e.g. {@code bus.kafka.client."security.protocol"=SSL}. */
        Map<String, String> client();
    }
}
