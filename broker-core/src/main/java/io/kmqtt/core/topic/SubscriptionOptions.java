package io.kmqtt.core.topic;

/**
 * A subscription's options as the MQTT 5 SUBSCRIBE options byte (MQTT 5.0 section 3.8.3.1): QoS in
 * bits 0-1, No Local bit 2, Retain As Published bit 3, Retain Handling bits 4-5. An MQTT 3.1.1
 * subscription is just its QoS. Kept as an int so that indexes store it without allocation.
 */
public final class SubscriptionOptions {

    /** Retain Handling 0: send retained messages at subscribe. */
    public static final int SEND_RETAINED = 0;
    /** Retain Handling 1: send them only if the subscription did not exist. */
    public static final int SEND_RETAINED_IF_NEW = 1;
    /** Retain Handling 2: do not send them. */
    public static final int DO_NOT_SEND_RETAINED = 2;

    private SubscriptionOptions() {
    }

    public static int of(int qos, boolean noLocal, boolean retainAsPublished, int retainHandling) {
        return (qos & 3) | (noLocal ? 4 : 0) | (retainAsPublished ? 8 : 0) | ((retainHandling & 3) << 4);
    }

    public static int qos(int options) {
        return options & 3;
    }

    public static boolean noLocal(int options) {
        return (options & 4) != 0;
    }

    public static boolean retainAsPublished(int options) {
        return (options & 8) != 0;
    }

    public static int retainHandling(int options) {
        return (options >> 4) & 3;
    }

    /**
     * Two subscriptions of one session that match the same message: it is delivered once, at the
     * higher QoS, keeping its RETAIN flag if either asks for that.
     */
    public static int merge(int a, int b) {
        return Math.max(a & 3, b & 3) | ((a | b) & 8);
    }

    /**
     * A subscription as an index stores it: its options in the low 32 bits and its MQTT 5
     * Subscription Identifier (1 to 268,435,455; 0 for none) in the high 32 bits.
     */
    public static long withIdentifier(int options, int identifier) {
        return ((long) identifier << 32) | (options & 0xFFFFFFFFL);
    }

    /** The options of a subscription made by {@link #withIdentifier}. */
    public static int optionsOf(long subscription) {
        return (int) subscription;
    }

    /** The Subscription Identifier of a subscription made by {@link #withIdentifier}; 0 for none. */
    public static int identifierOf(long subscription) {
        return (int) (subscription >>> 32);
    }
}
