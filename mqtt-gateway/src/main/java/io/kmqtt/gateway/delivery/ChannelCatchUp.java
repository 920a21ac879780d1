package io.kmqtt.gateway.delivery;

import io.kmqtt.core.bus.Delivery;
import io.kmqtt.core.bus.DeliveryReader;
import io.kmqtt.gateway.session.ClientSession;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Gives the sessions that fell behind the gateway's delivery channel the messages they missed, read
 * again from the channel, as they make room for them.
 *
 * <p>One thread and one reader for the whole gateway. Each pass reads from the oldest position that
 * a session with room is waiting for, and hands every record to the sessions whose next missed
 * position it is; records no session waits for are skipped. A session takes back its missed
 * messages in order and then, once it has them all, receives live ones directly again. A session
 * that still has no room is left for a later pass, so one stuck client holds up nobody else.
 */
public final class ChannelCatchUp implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ChannelCatchUp.class);
    private static final int CHUNK = 1000;
    private static final Duration READ_WAIT = Duration.ofMillis(200);
    /** While sessions wait for room: how often to look again (an acknowledgement makes room and does not wake the thread). */
    private static final long WAITING_PARK_NANOS = 20_000_000L;
    /** While no session is behind: {@link #add} wakes the thread; this bound is only a safety net. */
    private static final long IDLE_PARK_NANOS = 1_000_000_000L;

    private final Supplier<DeliveryReader> readers;
    private final Set<ClientSession> behind = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean running = true;
    private DeliveryReader reader;

    /** @param readers opens a reader of this gateway's channel (called on the catch-up thread, again after a failure) */
    public ChannelCatchUp(Supplier<DeliveryReader> readers, String gatewayId) {
        this.readers = readers;
        this.thread = new Thread(this::run, "catch-up-" + gatewayId);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** The session fell behind: serve it until it has every message it missed. Any thread. */
    public void add(ClientSession session) {
        if (behind.add(session)) {
            LockSupport.unpark(thread);
        }
    }

    /** Sessions waiting for messages they missed. */
    public int sessionsBehind() {
        return behind.size();
    }

    private void run() {
        while (running) {
            try {
                if (!pass()) {
                    // Nobody behind: sleep until add() wakes the thread.
                    LockSupport.parkNanos(this, behind.isEmpty() ? IDLE_PARK_NANOS : WAITING_PARK_NANOS);
                }
            } catch (RuntimeException e) {
                LOG.warnf(e, "taking back missed messages failed; retrying in 1 s");
                closeReader();
                LockSupport.parkNanos(this, 1_000_000_000L);
            }
        }
        closeReader();
    }

    /** One read from the oldest position a session with room waits for; false if there was nothing to do. */
    private boolean pass() {
        forgetSessionsCaughtUp();
        // Each session with room, by the position of the next message it waits for.
        TreeMap<Long, List<ClientSession>> waiting = new TreeMap<>();
        for (ClientSession s : behind) {
            long next = s.outbound().nextMissed();
            if (next >= 0) {
                waiting.computeIfAbsent(next, k -> new ArrayList<>(1)).add(s);
            }
        }
        if (waiting.isEmpty()) {
            return false;
        }
        if (reader == null) {
            reader = readers.get();
        }
        long first = reader.firstOffset();
        if (waiting.firstKey() < first) {
            // Past the channel's retention: what the sessions missed before it is gone.
            int lost = 0;
            for (List<ClientSession> sessions : waiting.headMap(first).values()) {
                for (ClientSession s : sessions) {
                    lost += s.outbound().forgetMissedBefore(first);
                }
            }
            LOG.warnf("%d message(s) that clients had fallen behind on were past the delivery channel's retention"
                    + " (bus.kafka.delivery-retention) and are lost", lost);
            return true;
        }
        List<Delivery> records = reader.read(waiting.firstKey(), CHUNK, READ_WAIT);
        for (Delivery d : records) {
            List<ClientSession> due = waiting.remove(d.channelOffset());
            if (due == null) {
                continue; // nobody with room waits for this one
            }
            for (ClientSession s : due) {
                s.outbound().catchUp(d.channelOffset(), s.outboundFor(d));
                long next = s.outbound().nextMissed();
                if (next > d.channelOffset()) {
                    waiting.computeIfAbsent(next, k -> new ArrayList<>(1)).add(s);
                }
            }
            if (waiting.isEmpty()) {
                break;
            }
        }
        return !records.isEmpty();
    }

    /**
     * Drops the sessions that have everything. A session can fall behind again between the check and
     * the removal; its {@link #add} then found it still here and did nothing, so it is checked again
     * once removed, or it would wait for its next message to be remembered.
     */
    private void forgetSessionsCaughtUp() {
        for (Iterator<ClientSession> it = behind.iterator(); it.hasNext(); ) {
            ClientSession s = it.next();
            if (s.outbound().behindCount() == 0) {
                it.remove();
                if (s.outbound().behindCount() > 0) {
                    behind.add(s);
                }
            }
        }
    }

    private void closeReader() {
        if (reader != null) {
            try {
                reader.close();
            } catch (RuntimeException e) {
                LOG.debugf("closing the catch-up reader: %s", e);
            }
            reader = null;
        }
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
