package io.kmqtt.core.bus;

import java.time.Duration;
import java.util.List;

/**
 * Reads a gateway's delivery channel again from a position, for the sessions that fell behind it.
 * One thread at a time; its calls block.
 */
public interface DeliveryReader extends AutoCloseable {

    /**
     * Up to {@code max} deliveries from {@code from} on (from the first the channel still has, if
     * it no longer has {@code from}), waiting at most {@code wait} for the first.
     */
    List<Delivery> read(long from, int max, Duration wait);

    /** The first position the channel still has (older ones are past its retention). */
    long firstOffset();

    @Override
    void close();
}
