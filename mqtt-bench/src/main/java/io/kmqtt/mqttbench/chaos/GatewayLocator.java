package io.kmqtt.mqttbench.chaos;

import java.util.Optional;

/** Which gateway holds a client's connection: what a fault on "the subscriber's gateway" aims at. */
@FunctionalInterface
public interface GatewayLocator {

    /** The gateway's process name (gw-1, ...), or empty if it cannot be told now. */
    Optional<String> gatewayOf(String clientId) throws Exception;

    /** This one, or the other when this one cannot tell. */
    default GatewayLocator orElse(GatewayLocator other) {
        return clientId -> {
            Optional<String> found = gatewayOf(clientId);
            return found.isPresent() ? found : other.gatewayOf(clientId);
        };
    }
}
