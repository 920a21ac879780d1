package io.kmqtt.gateway;

import io.kmqtt.bus.NodeStatusReporter;
import io.kmqtt.bus.kafka.KafkaTopics;
import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.UUID;

/** Produces this process's {@link GatewayRef}: the configured or derived id, and a fresh incarnation. */
@ApplicationScoped
public class GatewayIdentity {

    @Produces
    @Singleton
    GatewayRef gatewayRef(GatewayConfig config) {
        String id = config.gatewayId().orElseGet(() -> "gw-" + hostName() + "-" + config.tcp().port());
        if (!KafkaTopics.GATEWAY_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("mqtt.gateway-id '" + id + "' must match " + KafkaTopics.GATEWAY_ID.pattern()
                    + " (it names the gateway's Kafka delivery topic)");
        }
        return new GatewayRef(id, UUID.randomUUID().toString());
    }

    private static String hostName() {
        return NodeStatusReporter.hostName().replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
