package io.kmqtt.core.bus;

/** What a router receives about gateway liveness. */
@FunctionalInterface
public interface HeartbeatListener {

    void onHeartbeat(GatewayHeartbeat heartbeat);
}
