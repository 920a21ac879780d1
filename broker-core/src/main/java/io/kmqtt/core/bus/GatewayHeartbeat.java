package io.kmqtt.core.bus;

/**
 * A gateway's proof of life, sent periodically. {@code leaving} is sent once on orderly shutdown so
 * that routers drop its routes at once instead of waiting for the heartbeat to expire.
 */
public record GatewayHeartbeat(GatewayRef gateway, long sentAtMillis, boolean leaving) {
}
