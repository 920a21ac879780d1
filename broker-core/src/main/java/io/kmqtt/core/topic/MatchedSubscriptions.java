package io.kmqtt.core.topic;

import java.util.Arrays;

/**
 * What one session's subscriptions matching one message add up to: the message goes to the
 * session once, at the highest QoS of those subscriptions (MQTT-3.3.4-2), with RETAIN kept if any
 * asks for Retain As Published, carrying the Subscription Identifier of each (MQTT-3.3.4-3).
 */
public final class MatchedSubscriptions {

    private static final int[] NO_IDS = new int[0];

    private int options = -1;
    private int[] ids = NO_IDS;

    /** No Local: a subscription with it does not get what its own client published (MQTT 5.0 section 3.8.3.1). */
    public static boolean deliversTo(int options, String subscriberId, String publisherId) {
        return !SubscriptionOptions.noLocal(options) || !subscriberId.equals(publisherId);
    }

    /** Adds a subscription stored as {@link SubscriptionOptions#withIdentifier}. */
    public MatchedSubscriptions add(long subscription) {
        return add(SubscriptionOptions.optionsOf(subscription), SubscriptionOptions.identifierOf(subscription));
    }

    /** Adds a subscription's options and its identifier (0 for none). */
    public MatchedSubscriptions add(int subscriptionOptions, int identifier) {
        options = options < 0 ? subscriptionOptions : SubscriptionOptions.merge(options, subscriptionOptions);
        if (identifier != 0) {
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = identifier;
        }
        return this;
    }

    public boolean isEmpty() {
        return options < 0;
    }

    /** The QoS the message is delivered at: min(published, highest subscribed) (MQTT-3.8.4-6). */
    public int qos(int publishedQos) {
        return Math.min(publishedQos, SubscriptionOptions.qos(options));
    }

    /** The RETAIN flag it is delivered with (MQTT-3.3.1-9, Retain As Published). */
    public boolean retain(boolean publishedRetain) {
        return publishedRetain && SubscriptionOptions.retainAsPublished(options);
    }

    public int[] subscriptionIds() {
        return ids;
    }
}
