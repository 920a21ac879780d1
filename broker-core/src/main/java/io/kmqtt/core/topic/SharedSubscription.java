package io.kmqtt.core.topic;

/**
 * A shared subscription's filter, {@code $share/<group>/<filter>} (MQTT 5.0 section 4.8.2) or
 * EMQX's {@code $queue/<filter>} (the group {@code $queue}): messages matching the filter go to
 * one member of the group each.
 */
public record SharedSubscription(String group, String filter) {

    public static final String SHARE = "$share/";
    public static final String QUEUE = "$queue/";
    public static final String QUEUE_GROUP = "$queue";

    public static boolean isShared(String filter) {
        return filter.startsWith(SHARE) || filter.startsWith(QUEUE);
    }

    /**
     * Parses a shared filter; null if it is not one or is malformed (no group, an empty or
     * wildcard group name, or no filter after it: MQTT-4.8.2-1, -2).
     */
    public static SharedSubscription parse(String filter) {
        if (filter.startsWith(QUEUE)) {
            String inner = filter.substring(QUEUE.length());
            return inner.isEmpty() ? null : new SharedSubscription(QUEUE_GROUP, inner);
        }
        if (!filter.startsWith(SHARE)) {
            return null;
        }
        int slash = filter.indexOf('/', SHARE.length());
        if (slash < 0) {
            return null;
        }
        String group = filter.substring(SHARE.length(), slash);
        String inner = filter.substring(slash + 1);
        if (group.isEmpty() || group.contains("+") || group.contains("#") || inner.isEmpty()) {
            return null;
        }
        return new SharedSubscription(group, inner);
    }

    /** The filter as clients write it. */
    public String fullFilter() {
        return group.equals(QUEUE_GROUP) ? QUEUE + filter : SHARE + group + "/" + filter;
    }

    /** The filter that decides where the subscription's route lives and what it matches: the inner one for a shared filter. */
    public static String routingFilter(String filter) {
        SharedSubscription s = parse(filter);
        return s == null ? filter : s.filter();
    }
}
