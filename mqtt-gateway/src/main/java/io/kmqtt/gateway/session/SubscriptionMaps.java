package io.kmqtt.gateway.session;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A session's maps by filter (subscription options, Subscription Identifiers), sized for the many
 * sessions that hold one or two subscriptions for hours (issue #17). Up to {@link #SMALL} entries
 * the map is immutable and replaced on each change: one entry is a 24-byte object, where an empty
 * {@link ConcurrentHashMap} alone is 64 and each entry adds a 32-byte node. Above that, a
 * ConcurrentHashMap changed in place, so that a session subscribing to thousands of filters does
 * not copy them all on each SUBSCRIBE.
 *
 * <p>The session keeps the map in a volatile field, replaced under its lock; readers on any thread
 * read whichever map the field holds, never one being changed, except the large map, which is
 * safe to read while it changes.
 */
final class SubscriptionMaps {

    /** The most entries kept in an immutable copy. */
    static final int SMALL = 8;

    private SubscriptionMaps() {
    }

    /** The map with the key set to the value: the same map if it is a large one, else a new one. */
    static Map<String, Integer> with(Map<String, Integer> map, String key, Integer value) {
        if (map == null || map.isEmpty()) {
            return Map.of(key, value);
        }
        if (map instanceof ConcurrentHashMap<String, Integer> large) {
            large.put(key, value);
            return large;
        }
        if (map.size() >= SMALL && !map.containsKey(key)) {
            ConcurrentHashMap<String, Integer> large = new ConcurrentHashMap<>(map);
            large.put(key, value);
            return large;
        }
        Map<String, Integer> copy = new HashMap<>(map);
        copy.put(key, value);
        return Map.copyOf(copy);
    }

    /** The map without the key: the same map if it is a large one or lacks the key, else a new one or null. */
    static Map<String, Integer> without(Map<String, Integer> map, String key) {
        if (map == null || !map.containsKey(key)) {
            return map;
        }
        if (map instanceof ConcurrentHashMap<String, Integer> large) {
            large.remove(key);
            return large;
        }
        if (map.size() == 1) {
            return null;
        }
        Map<String, Integer> copy = new HashMap<>(map);
        copy.remove(key);
        return Map.copyOf(copy);
    }
}
