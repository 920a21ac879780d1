package io.kmqtt.bus.kafka;

import io.kmqtt.core.bus.MessageBus;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.errors.WakeupException;

import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A Kafka consumer driven by its own thread. Kafka consumers are single-threaded, so each loop owns
 * one; closing wakes the consumer up and waits for the thread to finish.
 */
abstract class PollLoop implements MessageBus.Registration, Runnable {

    private static final Logger LOG = Logger.getLogger(PollLoop.class.getName());
    protected static final Duration POLL_TIMEOUT = Duration.ofMillis(200);

    protected final Consumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final long gatherMillis;
    private volatile boolean running = true;

    PollLoop(Consumer<byte[], byte[]> consumer, String threadName) {
        this(consumer, threadName, Duration.ZERO);
    }

    /**
     * @param gather how long the loop waits after a poll that returned records, so that its next fetch
     *               carries what was written meanwhile ({@link #gather()}); zero polls again at once
     */
    PollLoop(Consumer<byte[], byte[]> consumer, String threadName, Duration gather) {
        this.consumer = consumer;
        this.thread = new Thread(this, threadName);
        this.thread.setDaemon(true);
        this.gatherMillis = gather.toMillis();
    }

    void start() {
        thread.start();
    }

    /** One iteration: poll and handle what came. */
    protected abstract void pollOnce();

    /** Called on the loop thread after the last poll, before the consumer is closed. */
    protected void onStop() {
    }

    @Override
    public final void run() {
        try {
            while (running) {
                try {
                    pollOnce();
                } catch (WakeupException e) {
                    // close() woke us: the loop condition decides
                } catch (RuntimeException e) {
                    if (!running) {
                        break;
                    }
                    // Kafka unreachable or a bug in a handler: keep the loop alive, but say so loudly.
                    LOG.log(Level.WARNING, thread.getName() + ": poll failed, retrying in 1 s", e);
                    sleepQuietly(1000);
                }
            }
        } finally {
            try {
                onStop();
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Called by a loop after it handled a poll's records. A consumer's fetch returns as soon as one
     * record is there, so a topic written a few hundred times a second (one TAKEOVER or presence
     * record per CONNECT) costs each reader a fetch per record, and Kafka a fetch per record per
     * reader. Waiting here bounds that to about one fetch per wait. A record waits up to about twice
     * this long: the consumer sends its next fetch as a poll returns, and that fetch answers with the
     * first record that comes, which the loop takes at its next poll.
     */
    protected void gather() {
        if (gatherMillis > 0 && running) {
            sleepQuietly(gatherMillis);
        }
    }

    protected boolean isRunning() {
        return running;
    }

    protected static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
