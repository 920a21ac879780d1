package io.kmqtt.core.routing;

import io.kmqtt.core.message.Envelope;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How a shared subscription picks the one member (a gateway at the router, a session at the
 * gateway) of its group that gets a message.
 */
public enum SharedStrategy {
    /** In turn, per shared subscription. */
    ROUND_ROBIN,
    /** At random. */
    RANDOM,
    /** By the publisher's client id: one publisher's messages go to the same member while the group is stable. */
    HASH_CLIENTID,
    /** By the topic: one topic's messages go to the same member, in order, while the group is stable. */
    HASH_TOPIC;

    /** Counters of ROUND_ROBIN, per shared subscription; a group's counter lives as long as the process. */
    private static final Map<String, AtomicInteger> TURNS = new ConcurrentHashMap<>();

    /**
     * The index, in [0, members), of the member that gets this message.
     *
     * @param subscription identifies the shared subscription (group and filter), for ROUND_ROBIN
     */
    public int pick(int members, String subscription, Envelope message) {
        if (members <= 1) {
            return 0;
        }
        return switch (this) {
            case ROUND_ROBIN -> Math.floorMod(TURNS.computeIfAbsent(subscription, k -> new AtomicInteger()).getAndIncrement(), members);
            case RANDOM -> ThreadLocalRandom.current().nextInt(members);
            case HASH_CLIENTID -> Math.floorMod(message.publisherId().hashCode(), members);
            case HASH_TOPIC -> Math.floorMod(message.topic().hashCode(), members);
        };
    }

    public static SharedStrategy parse(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
