package io.kmqtt.core.routing;

import java.util.function.LongSupplier;

/**
 * The time by which a router judges other nodes' heartbeats: wall-clock time that stands still
 * while this router hears nothing back from the bus.
 *
 * <p>Heartbeats travel through the bus. When the bus stalls (a Kafka broker paused or failing
 * over), or this router is itself paused, every heartbeat stops at once; by the wall clock every
 * gateway and router would then look dead, and a router would drop the routes of gateways whose
 * clients are still connected. So each router listens for its own heartbeat coming back
 * ({@link #echo()}): while its echoes arrive, this clock runs with the wall clock; once an echo is
 * {@code tolerance} late, it stops, and it runs again from where it stopped when echoes resume.
 * Nodes that died during a stall are still found dead, one expiry of running time later.
 */
public final class BusClock implements LongSupplier {

    private final LongSupplier wall;
    private final long toleranceMillis;
    private long lastEchoAt;
    private long stoppedMillis;

    /** @param toleranceMillis how late an echo may be before the clock stops: a few heartbeat intervals */
    public BusClock(LongSupplier wall, long toleranceMillis) {
        this.wall = wall;
        this.toleranceMillis = toleranceMillis;
        this.lastEchoAt = wall.getAsLong();
    }

    /** This router's own heartbeat came back through the bus. */
    public synchronized void echo() {
        long now = wall.getAsLong();
        stoppedMillis += overdue(now);
        lastEchoAt = now;
    }

    @Override
    public synchronized long getAsLong() {
        long now = wall.getAsLong();
        return now - stoppedMillis - overdue(now);
    }

    /** Milliseconds the clock has stood still since the last echo. */
    private long overdue(long now) {
        return Math.max(0, now - lastEchoAt - toleranceMillis);
    }

    /** Total time the clock stood still (for logs and metrics). */
    public synchronized long stoppedMillis() {
        return stoppedMillis + overdue(wall.getAsLong());
    }
}
