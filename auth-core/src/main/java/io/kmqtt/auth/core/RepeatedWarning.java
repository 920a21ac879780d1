package io.kmqtt.auth.core;

import org.jboss.logging.Logger;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One warning per interval for a failure that repeats per CONNECT (an unreachable auth-service or
 * Redis during a cold start: thousands a second), with a count of the ones held back. Each refused
 * CONNECT is still logged by the gateway, at INFO, with its client and reason.
 */
public final class RepeatedWarning {

    private final long intervalMillis;
    private final LongSupplier clock;
    private final AtomicLong lastLoggedAt = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong heldBack = new AtomicLong();

    public RepeatedWarning(long intervalMillis, LongSupplier clock) {
        this.intervalMillis = intervalMillis;
        this.clock = clock;
    }

    /** The failure happened again: logs it as a warning, unless one was logged within the interval. */
    public void warn(Logger log, String message) {
        warn(log, () -> message);
    }

    /** As {@link #warn(Logger, String)}, building the message only when it is logged: for failures per message. */
    public void warn(Logger log, Supplier<String> message) {
        long held = occurred();
        if (held == 0) {
            log.warn(message.get());
        } else if (held > 0) {
            log.warnf("%s (and %d more like it in the last %d s or more)", message.get(), held, intervalMillis / 1000);
        }
    }

    /**
     * The failure happened again: returns how many were held back since the last logged one if
     * this one is to be logged, or -1 if it is held back too.
     */
    public long occurred() {
        long now = clock.getAsLong();
        long last = lastLoggedAt.get();
        if ((last == Long.MIN_VALUE || now - last >= intervalMillis) && lastLoggedAt.compareAndSet(last, now)) {
            return heldBack.getAndSet(0);
        }
        heldBack.incrementAndGet();
        return -1;
    }
}
