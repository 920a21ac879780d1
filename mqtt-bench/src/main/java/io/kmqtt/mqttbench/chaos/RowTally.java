package io.kmqtt.mqttbench.chaos;

import io.kmqtt.mqttbench.loss.LossChecker;
import io.kmqtt.mqttbench.loss.LossReport;
import io.kmqtt.mqttbench.loss.StreamLoss;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What happened to the messages created during one row of a chaos run (one fault, or the
 * baseline), wherever and whenever they arrive: a {@link LossChecker} with one stream per topic and
 * subscriber that should receive it, the time each stream took to deliver again after the fault,
 * and the reconnects the fault caused. Thread-safe: publishers and subscribers on several event
 * loops update it while the run reads it.
 */
public final class RowTally {

    /** One thing done to the cluster during the row, at seconds since the run started. */
    public record Event(double atSeconds, String what) {
    }

    private final int index;
    private final String name;
    private final WorkloadSettings settings;
    private final LossChecker checker;
    private final LossChecker.Stream[][] streams;   // [topic][subscriber], null where not subscribed
    private final LongSupplier micros;
    private final long runStartMicros;
    private final long startedMicros;
    private volatile long endedMicros = -1;
    /**
     * The last disruption of the fault (epoch micros): when its action took effect; a message
     * created after it that arrives shows its stream has recovered. Long.MAX_VALUE while there was none.
     */
    private volatile long disruptedMicros = Long.MAX_VALUE;
    /** When that action began: time to recover counts from here. */
    private long disruptionBeganMicros;
    private final long[][] recoveredMicros;         // guarded by this: first arrival created after the disruption
    private final List<Event> events = new ArrayList<>();
    private long reconnects;
    private long longestReconnectNanos;
    private String longestReconnectClient;
    private long sessionsLost;
    private long stalls;
    private long refusedConnects;
    private long longestAckNanos;
    private long resent;
    private long unexpected;
    private Map<String, Long> brokerDrops = Map.of();

    RowTally(int index, String name, WorkloadSettings settings, LongSupplier nanoClock, LongSupplier micros, long runStartMicros) {
        this.index = index;
        this.name = name;
        this.settings = settings;
        this.checker = new LossChecker(nanoClock);
        this.micros = micros;
        this.runStartMicros = runStartMicros;
        this.startedMicros = micros.getAsLong();
        this.streams = new LossChecker.Stream[settings.topics()][settings.subscribers()];
        this.recoveredMicros = new long[settings.topics()][settings.subscribers()];
        for (int t = 0; t < settings.topics(); t++) {
            for (int s = 0; s < settings.subscribers(); s++) {
                if (settings.receives(s, t)) {
                    streams[t][s] = checker.stream(settings.topic(t) + " -> " + settings.subscriberId(s));
                }
            }
        }
    }

    public int index() {
        return index;
    }

    public String name() {
        return name;
    }

    /** Seconds after the run started that this row began. */
    public double startedAtSeconds() {
        return (startedMicros - runStartMicros) / 1e6;
    }

    // ---------------------------------------------------------------- the workload's side

    void sent(int topic, long seq) {
        for (LossChecker.Stream s : streams[topic]) {
            if (s != null) {
                s.sent(seq);
            }
        }
    }

    void acknowledged(int topic, long seq, long waitedNanos) {
        for (LossChecker.Stream s : streams[topic]) {
            if (s != null) {
                s.acknowledged(seq);
            }
        }
        synchronized (this) {
            longestAckNanos = Math.max(longestAckNanos, waitedNanos);
        }
    }

    /** Subscriber s received the message; false if it should not have (no such stream). */
    boolean received(int topic, int subscriber, long seq, long createdMicros) {
        if (topic < 0 || topic >= streams.length || streams[topic][subscriber] == null || seq < 1 || seq >= Integer.MAX_VALUE) {
            synchronized (this) {
                unexpected++;
            }
            return false;
        }
        streams[topic][subscriber].received(seq);
        if (createdMicros >= disruptedMicros) {
            synchronized (this) {
                if (recoveredMicros[topic][subscriber] == 0 && createdMicros >= disruptedMicros) {
                    recoveredMicros[topic][subscriber] = micros.getAsLong();
                }
            }
        }
        return true;
    }

    /** Subscriber s received an earlier row's message on the topic: its stream here is not silent. */
    void heard(int topic, int subscriber) {
        streams[topic][subscriber].heard();
    }

    synchronized void resent() {
        resent++;
    }

    synchronized void reconnected(String client, long tookNanos) {
        reconnects++;
        if (tookNanos > longestReconnectNanos) {
            longestReconnectNanos = tookNanos;
            longestReconnectClient = client;
        }
    }

    synchronized void sessionLost() {
        sessionsLost++;
    }

    synchronized void stalled() {
        stalls++;
    }

    synchronized void refused() {
        refusedConnects++;
    }

    /** The row is over: silence after now is not counted (late arrivals still are). */
    void end() {
        endedMicros = micros.getAsLong();
        for (LossChecker.Stream[] byTopic : streams) {
            for (LossChecker.Stream s : byTopic) {
                if (s != null) {
                    s.stopped();
                }
            }
        }
    }

    // ---------------------------------------------------------------- the fault's side

    /** Something happened to the cluster. */
    public synchronized void event(String what) {
        events.add(new Event((micros.getAsLong() - runStartMicros) / 1e6, what));
    }

    /** The fault disrupted the cluster now (an action that takes no time). */
    public void disrupted(String what) {
        disrupted(what, micros.getAsLong());
    }

    /**
     * The fault's action, begun at {@code beganMicros}, has taken effect now (its last disruption,
     * for a fault of several steps). Time to recover counts from when it began; only messages
     * created from now on show a recovery (those created while a kill was on its way still arrive).
     */
    public synchronized void disrupted(String what, long beganMicros) {
        events.add(new Event((beganMicros - runStartMicros) / 1e6, what));
        disruptionBeganMicros = beganMicros;
        disruptedMicros = micros.getAsLong();
        for (long[] byTopic : recoveredMicros) {
            java.util.Arrays.fill(byTopic, 0);
        }
    }

    /** Epoch microseconds on the row's clock, for {@link #disrupted(String, long)}. */
    public long nowMicros() {
        return micros.getAsLong();
    }

    // ---------------------------------------------------------------- the figures

    /** Every stream's counts as of now. */
    public LossReport loss() {
        return checker.report();
    }

    /** The streams of the subscriber to every topic: one per topic, so their counts are the messages'. */
    String everyTopicSuffix() {
        return " -> " + settings.subscriberId(0);
    }

    /** Whether every message created in this row has arrived at every subscriber that should get it. */
    public boolean complete() {
        for (LossChecker.Stream[] byTopic : streams) {
            for (LossChecker.Stream s : byTopic) {
                if (s != null && !s.complete()) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Seconds from the last disruption until every stream had delivered a message created after it;
     * null if some stream has not (yet), or if nothing was disrupted.
     */
    public synchronized Double timeToRecoverSeconds() {
        if (disruptedMicros == Long.MAX_VALUE) {
            return null;
        }
        long latest = disruptionBeganMicros;
        for (int t = 0; t < streams.length; t++) {
            for (int s = 0; s < streams[t].length; s++) {
                if (streams[t][s] != null) {
                    if (recoveredMicros[t][s] == 0) {
                        return null;
                    }
                    latest = Math.max(latest, recoveredMicros[t][s]);
                }
            }
        }
        return (latest - disruptionBeganMicros) / 1e6;
    }

    /** The streams that had not delivered a message created after the last disruption. */
    public synchronized List<String> notRecovered() {
        List<String> names = new ArrayList<>();
        if (disruptedMicros == Long.MAX_VALUE) {
            return names;
        }
        for (int t = 0; t < streams.length; t++) {
            for (int s = 0; s < streams[t].length; s++) {
                if (streams[t][s] != null && recoveredMicros[t][s] == 0) {
                    names.add(streams[t][s].name());
                }
            }
        }
        return names;
    }

    /** What the broker counted as dropped during the row (see {@link BrokerCounters}). */
    public synchronized void brokerDrops(Map<String, Long> dropped) {
        brokerDrops = Map.copyOf(dropped);
    }

    public synchronized Map<String, Long> brokerDrops() {
        return brokerDrops;
    }

    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    public synchronized long reconnects() {
        return reconnects;
    }

    public synchronized double longestReconnectSeconds() {
        return longestReconnectNanos / 1e9;
    }

    public synchronized String longestReconnectClient() {
        return longestReconnectClient;
    }

    public synchronized long sessionsLost() {
        return sessionsLost;
    }

    public synchronized long stalls() {
        return stalls;
    }

    public synchronized long refusedConnects() {
        return refusedConnects;
    }

    public synchronized double longestAckWaitSeconds() {
        return longestAckNanos / 1e9;
    }

    public synchronized long resentCount() {
        return resent;
    }

    public synchronized long unexpected() {
        return unexpected;
    }

    /** The stream with the longest silence, and that silence. */
    public StreamLoss worstSilence() {
        StreamLoss worst = null;
        for (StreamLoss s : checker.report().streams()) {
            if (worst == null || s.longestSilenceMs() > worst.longestSilenceMs()) {
                worst = s;
            }
        }
        return worst;
    }
}
