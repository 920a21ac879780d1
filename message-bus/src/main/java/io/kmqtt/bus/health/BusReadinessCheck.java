package io.kmqtt.bus.health;

import io.kmqtt.bus.kafka.KafkaConnectivity;
import io.kmqtt.bus.kafka.KafkaMessageBus;
import io.kmqtt.core.bus.MessageBus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.time.Duration;

/**
 * Readiness of every service that talks through the bus (gateway, router): DOWN while Kafka does not
 * answer, so that a load balancer stops sending clients to a gateway that cannot publish. Not a
 * liveness check: restarting the process would not bring Kafka back, and the bus reconnects by
 * itself. The in-memory bus is always ready.
 */
@Readiness
@ApplicationScoped
public class BusReadinessCheck implements HealthCheck {

    static final String NAME = "message-bus";
    /** How long one request to Kafka may take; probes themselves never wait for it. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);
    /** Probes within this time share one request to Kafka. */
    static final Duration MAX_AGE = Duration.ofSeconds(3);

    private final KafkaConnectivity kafka;

    @Inject
    public BusReadinessCheck(MessageBus bus) {
        this.kafka = bus instanceof KafkaMessageBus k ? KafkaConnectivity.of(k, TIMEOUT, MAX_AGE) : null;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME);
        if (kafka == null) {
            return response.up().withData("type", "memory").build();
        }
        KafkaConnectivity.Status status = kafka.check();
        return response.status(status.reachable())
                .withData("type", "kafka")
                .withData("bootstrap-servers", kafka.bootstrapServers())
                .withData("kafka", status.detail())
                .build();
    }
}
