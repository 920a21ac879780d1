package io.kmqtt.core.bus;

import io.kmqtt.core.message.Envelope;

import java.util.List;

/** What a gateway receives from its delivery channel: messages that match its routes, in batches. */
@FunctionalInterface
public interface DeliveryListener {

    /** Called from a bus thread, never an event loop; must not block. */
    void onDeliveries(List<Envelope> messages);

    /**
     * A message for exactly one local member of the shared subscription (group, filter), chosen by
     * the router among the gateways of the group. Same thread and order as {@link #onDeliveries}.
     */
    default void onSharedDelivery(String group, String filter, Envelope message) {
    }
}
