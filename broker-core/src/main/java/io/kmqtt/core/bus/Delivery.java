package io.kmqtt.core.bus;

import io.kmqtt.core.message.Envelope;

/**
 * One record of a gateway's delivery channel: a message the routers sent it, for the plain
 * subscriptions that match it there, or for one member of a shared subscription (group and filter
 * set).
 *
 * @param channelOffset its position in the channel, by which a session that fell behind takes it
 *                      back later; -1 on the memory bus, whose channel cannot be read again
 */
public record Delivery(Envelope message, long channelOffset, String group, String filter) {

    public static Delivery plain(Envelope message, long channelOffset) {
        return new Delivery(message, channelOffset, null, null);
    }

    public boolean isShared() {
        return group != null;
    }
}
