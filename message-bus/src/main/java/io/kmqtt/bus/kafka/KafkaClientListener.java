package io.kmqtt.bus.kafka;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * Told about every Kafka client the bus creates and closes, so that an application can observe
 * them (metrics) without the bus knowing how. Called on the thread that creates or closes the
 * client; implementations must be quick and must not throw.
 */
public interface KafkaClientListener {

    /** Observes nothing. */
    KafkaClientListener NONE = new KafkaClientListener() {
    };

    /**
     * @param role what the client is for: {@code gateway-producer}, {@code router-producer},
     *             {@code deliveries}, {@code shards} or {@code heartbeats}
     */
    default void producerCreated(String role, Producer<?, ?> producer) {
    }

    /** @param role see {@link #producerCreated} */
    default void consumerCreated(String role, Consumer<?, ?> consumer) {
    }

    /** The client (a producer or consumer given to this listener) is being closed. */
    default void clientClosed(Object client) {
    }

    /** The bus is closed: forget every client. */
    default void busClosed() {
    }
}
