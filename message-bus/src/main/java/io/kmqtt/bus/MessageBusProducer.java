package io.kmqtt.bus;

import io.kmqtt.bus.kafka.KafkaBusSettings;
import io.kmqtt.bus.kafka.KafkaMessageBus;
import io.kmqtt.core.bus.InMemoryMessageBus;
import io.kmqtt.core.bus.MessageBus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Provides the one MessageBus of the process: Kafka, or memory when gateway and router share a JVM. */
@ApplicationScoped
public class MessageBusProducer {

    @Produces
    @Singleton
    MessageBus messageBus(BusConfig config) {
        if (config.type() == BusConfig.Type.MEMORY) {
            return new InMemoryMessageBus();
        }
        BusConfig.Kafka kafka = config.kafka();
        KafkaBusSettings settings = new KafkaBusSettings(kafka.bootstrapServers(), kafka.topicPrefix(),
                kafka.partitions(), kafka.replicationFactor(), kafka.messageRetention(), kafka.deliveryRetention(),
                kafka.routerGroupId(), kafka.client());
        return KafkaMessageBus.start(settings, kafka.startupTimeout());
    }

    void close(@Disposes MessageBus bus) {
        bus.close();
    }
}
