package io.kmqtt.core.bus;

/**
 * "Gateway G has (or no longer has) local subscribers on filter F." Routes are kept at gateway
 * granularity: a million subscribers of one filter on one gateway are one route.
 */
public record RouteChange(GatewayRef gateway, String filter, boolean added) {

    public static RouteChange add(GatewayRef gateway, String filter) {
        return new RouteChange(gateway, filter, true);
    }

    public static RouteChange remove(GatewayRef gateway, String filter) {
        return new RouteChange(gateway, filter, false);
    }
}
