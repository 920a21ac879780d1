package io.kmqtt.gateway;

import org.jboss.logging.Logger;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many connections a gateway takes. A gateway that runs out of open files stops working: on
 * this machine at its 20,000-file limit, loading a class from a jar or opening a socket to the
 * auth-service then blocked an event loop for good (docs/benchmarks.md). So it never accepts that
 * many:
 * <ul>
 *   <li>{@link #sessions()}: the connected clients, checked at CONNECT ("quota exceeded"):
 *       {@code mqtt.max-connections}, or where that is 0, the process's open-files limit less a
 *       reserve for the gateway's own files and sockets (a twentieth of the limit, at least 256);</li>
 *   <li>{@link #sockets()}: the TCP connections, counted from their accept, whatever their state;
 *       one beyond it is closed at once, before it reads a byte. Half the reserve above the
 *       sessions, and never more than the open-files limit less half the reserve.</li>
 * </ul>
 */
public final class ConnectionLimit {

    /** For a listener of the gateway's own (the warm-up): no limit. */
    public static final ConnectionLimit NONE = new ConnectionLimit(Integer.MAX_VALUE, Integer.MAX_VALUE);

    private static final Logger LOG = Logger.getLogger(ConnectionLimit.class);
    /** The least kept for the gateway's own files and sockets (jars, Kafka, the auth-service, logs). */
    private static final int MIN_RESERVE = 256;
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    private final int sessions;
    private final int sockets;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    private ConnectionLimit(int sessions, int sockets) {
        this.sessions = sessions;
        this.sockets = sockets;
    }

    /**
     * @param configured {@code mqtt.max-connections}, 0 for the open-files limit's
     * @param openFiles  the process's open-files limit, or 0 if unknown
     */
    public static ConnectionLimit of(int configured, long openFiles) {
        if (openFiles <= 0) {
            int sessions = configured > 0 ? configured : Integer.MAX_VALUE;
            return new ConnectionLimit(sessions, configured > 0 ? configured + MIN_RESERVE : Integer.MAX_VALUE);
        }
        long reserve = Math.max(MIN_RESERVE, openFiles / 20);
        long sessions = configured > 0 ? configured : Math.max(1, openFiles - reserve);
        long sockets = Math.min(Math.max(1, openFiles - reserve / 2), sessions + reserve / 2);
        return new ConnectionLimit((int) Math.min(Integer.MAX_VALUE, sessions), (int) Math.min(Integer.MAX_VALUE, sockets));
    }

    /** This process's open-files limit (RLIMIT_NOFILE), or 0 where the JVM does not tell it. */
    public static long openFilesLimit() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : 0;
    }

    /** Most connected clients. */
    public int sessions() {
        return sessions;
    }

    /** Most TCP connections, in any state. */
    public int sockets() {
        return sockets;
    }

    /** A TCP connection was accepted: false if it must be closed at once; else call {@link #closed()} when it closes. */
    public boolean tryOpen() {
        if (open.incrementAndGet() <= sockets) {
            return true;
        }
        open.decrementAndGet();
        long count = refused.incrementAndGet();
        long now = System.nanoTime();
        long last = lastLogNanos.get();
        if (now - last >= LOG_EVERY_NANOS && lastLogNanos.compareAndSet(last, now)) {
            LOG.warnf("%d TCP connections open, this gateway's limit: new ones are closed at once (%d so far)."
                    + " Raise the open-files limit (ulimit -n) or add gateways; mqtt.max-connections sets the"
                    + " clients per gateway", sockets, count);
        }
        return false;
    }

    public void closed() {
        open.decrementAndGet();
    }

    /** TCP connections open now. */
    public int open() {
        return open.get();
    }
}
