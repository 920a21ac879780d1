package io.kmqtt.gateway;

/**
 * A token bucket for new connections on one listener: {@code perSecond} tokens a second, at most
 * one second's worth saved up. Called from every event loop of the listener, hence synchronized;
 * one call per CONNECT.
 */
public final class ConnectRateLimit {

    private final double perSecond;
    private double tokens;
    private long lastNanos;

    /** @param perSecond 0 for no limit */
    public ConnectRateLimit(int perSecond) {
        this.perSecond = perSecond;
        this.tokens = perSecond;
        this.lastNanos = System.nanoTime();
    }

    public synchronized boolean tryAcquire() {
        return tryAcquire(System.nanoTime());
    }

    synchronized boolean tryAcquire(long nowNanos) {
        if (perSecond <= 0) {
            return true;
        }
        tokens = Math.min(perSecond, tokens + (nowNanos - lastNanos) * perSecond / 1e9);
        lastNanos = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
