package io.kmqtt.bus;

import io.kmqtt.bus.kafka.KafkaBusSettings;
import io.kmqtt.bus.kafka.KafkaClientListener;
import io.kmqtt.bus.kafka.KafkaMessageBus;
import io.kmqtt.bus.metrics.KafkaClientMeters;
import io.kmqtt.core.bus.InMemoryMessageBus;
import io.kmqtt.core.bus.MessageBus;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Provides the one MessageBus of the process: Kafka, or memory when gateway and router share a JVM. */
@ApplicationScoped
public class MessageBusProducer {

    /**
     * @param registry the application's meter registry, if it has one: every Kafka client of the
     *                 bus then exports its metrics (consumer lag among them) there
     */
    @Produces
    @Singleton
    MessageBus messageBus(BusConfig config, Instance<MeterRegistry> registry) {
        if (config.type() == BusConfig.Type.MEMORY) {
            return new InMemoryMessageBus();
        }
        BusConfig.Kafka kafka = config.kafka();
        KafkaBusSettings settings = new KafkaBusSettings(kafka.bootstrapServers(), kafka.topicPrefix(),
                kafka.partitions(), kafka.replicationFactor(), kafka.messageRetention(), kafka.deliveryRetention(),
                kafka.routerGroupId(), kafka.client());
        KafkaClientListener clients = registry.isResolvable() ? new KafkaClientMeters(registry.get()) : KafkaClientListener.NONE;
        return KafkaMessageBus.start(settings, kafka.startupTimeout(), clients);
    }

    void close(@Disposes MessageBus bus) {
        bus.close();
    }
}
