package io.kmqtt.bench;

import io.kmqtt.core.index.SubscriptionIndex;

/** Builds indexes shaped like the seed workload: topic/device_user<i>/t_<k>. */
final class SeedTopics {

    private SeedTopics() {
    }

    static String exact(int i) {
        return "topic/device_user" + (i / 20) + "/t_" + (i % 20 + 1);
    }

    /** Wildcard filters of three shapes: per-device '+', per-device '#', and a few leading '+'. */
    static String wildcard(int i) {
        return switch (i % 3) {
            case 0 -> "topic/device_user" + i + "/+";
            case 1 -> "topic/device_user" + i + "/#";
            default -> "+/device_user" + i + "/#";
        };
    }

    static SubscriptionIndex<String, Integer> build(int exactFilters, int wildcardFilters) {
        SubscriptionIndex<String, Integer> index = new SubscriptionIndex<>();
        for (int i = 0; i < exactFilters; i++) {
            index.add(exact(i), "mobile" + (i / 20), 1);
        }
        for (int i = 0; i < wildcardFilters; i++) {
            index.add(wildcard(i), "backend" + i, 0);
        }
        return index;
    }
}
