package io.kmqtt.bus.kafka;

import io.kmqtt.core.bus.GatewayHeartbeat;
import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.RouteChange;
import io.kmqtt.core.bus.RouterHeartbeat;

import java.nio.charset.StandardCharsets;

/**
 * Record layouts of the compacted topics. Fields are joined with U+0000, which MQTT forbids in
 * topic filters (MQTT-1.5.4-2) and gateway ids cannot contain.
 *
 * <ul>
 *   <li>routes: key {@code gatewayId \0 incarnation \0 filter}; value {@code 1} while the route
 *       exists, a tombstone (null) once withdrawn. The incarnation is in the key so that removing a
 *       dead run's routes can never delete the routes of the run that replaced it.</li>
 *   <li>gateways: key {@code gatewayId}; value {@code incarnation \0 sentAtMillis \0 (alive|leaving)}.</li>
 *   <li>routers: key {@code routerId}; value {@code incarnation \0 sentAtMillis \0 (alive|leaving) \0 shards},
 *       the shards it routes as a comma-separated list.</li>
 * </ul>
 */
final class RouteRecords {

    private static final char SEP = '\u0000';
    private static final byte[] PRESENT = {1};

    private RouteRecords() {
    }

    static byte[] routeKey(GatewayRef gateway, String filter) {
        return (gateway.id() + SEP + gateway.incarnation() + SEP + filter).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] routeValue(RouteChange change) {
        return change.added() ? PRESENT : null;
    }

    static RouteChange decodeRoute(byte[] key, byte[] value) {
        String k = new String(key, StandardCharsets.UTF_8);
        int first = k.indexOf(SEP);
        int second = k.indexOf(SEP, first + 1);
        if (first < 0 || second < 0) {
            throw new IllegalArgumentException("malformed route key: " + k.replace(SEP, '|'));
        }
        GatewayRef gateway = new GatewayRef(k.substring(0, first), k.substring(first + 1, second));
        return new RouteChange(gateway, k.substring(second + 1), value != null);
    }

    static byte[] heartbeatKey(GatewayHeartbeat hb) {
        return hb.gateway().id().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] heartbeatValue(GatewayHeartbeat hb) {
        return (hb.gateway().incarnation() + SEP + hb.sentAtMillis() + SEP + (hb.leaving() ? "leaving" : "alive"))
                .getBytes(StandardCharsets.UTF_8);
    }

    static GatewayHeartbeat decodeHeartbeat(byte[] key, byte[] value) {
        String id = new String(key, StandardCharsets.UTF_8);
        String[] parts = new String(value, StandardCharsets.UTF_8).split(String.valueOf(SEP), -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("malformed heartbeat of gateway " + id);
        }
        return new GatewayHeartbeat(new GatewayRef(id, parts[0]), Long.parseLong(parts[1]), "leaving".equals(parts[2]));
    }

    static byte[] routerHeartbeatKey(RouterHeartbeat hb) {
        return hb.routerId().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] routerHeartbeatValue(RouterHeartbeat hb) {
        StringBuilder shards = new StringBuilder();
        hb.routing().stream().sorted().forEach(s -> (shards.isEmpty() ? shards : shards.append(',')).append(s));
        return (hb.incarnation() + SEP + hb.sentAtMillis() + SEP + (hb.leaving() ? "leaving" : "alive") + SEP + shards)
                .getBytes(StandardCharsets.UTF_8);
    }

    static RouterHeartbeat decodeRouterHeartbeat(byte[] key, byte[] value) {
        String id = new String(key, StandardCharsets.UTF_8);
        String[] parts = new String(value, StandardCharsets.UTF_8).split(String.valueOf(SEP), -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("malformed heartbeat of router " + id);
        }
        java.util.Set<Integer> shards = new java.util.HashSet<>();
        for (String s : parts[3].split(",")) {
            if (!s.isEmpty()) {
                shards.add(Integer.parseInt(s));
            }
        }
        return new RouterHeartbeat(id, parts[0], Long.parseLong(parts[1]), "leaving".equals(parts[2]), shards);
    }
}
