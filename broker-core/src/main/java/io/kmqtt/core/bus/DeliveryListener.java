package io.kmqtt.core.bus;

import java.util.List;
import java.util.concurrent.CompletionStage;

/** What a gateway receives from its delivery channel. */
public interface DeliveryListener {

    /**
     * The channel's next deliveries, in order. Called from a bus thread (Kafka), or from the
     * publisher's thread (the memory bus); never blocks.
     *
     * @return when the gateway has taken them. At once when they could be queued or wait in the
     *         channel; on the memory bus, where there is no channel to wait in, only once the
     *         sessions they are for have room, and the publisher's acknowledgement waits for that.
     */
    CompletionStage<Void> onDeliveries(List<Delivery> deliveries);

    /**
     * The channel position before which every delivery is settled for the sessions that outlive
     * this gateway (acknowledged by the client, or saved): the bus records it, and a gateway that
     * resumes one of those sessions after this one died reads the channel again from there.
     * {@link Long#MAX_VALUE}: nothing unsettled.
     */
    default long settledBefore() {
        return Long.MAX_VALUE;
    }
}
