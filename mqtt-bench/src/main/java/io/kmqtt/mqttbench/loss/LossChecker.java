package io.kmqtt.mqttbench.loss;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Counts what happened to sequenced messages, stream by stream (a stream is one publisher's
 * messages as one receiver sees them: usually a topic). Publishers number each stream's messages
 * 1, 2, 3, ...; the checker is told what was sent, what the broker acknowledged and what arrived,
 * and reports per stream and in total:
 * <ul>
 *   <li><b>received</b>: distinct sequence numbers that arrived;</li>
 *   <li><b>lost</b>: sequence numbers up to the highest sent (or received) that never arrived: gaps not
 *       filled by the time of the report, and the tail after the last arrival;</li>
 *   <li><b>lost after acknowledgement</b>: of those, the ones the broker had acknowledged (PUBACK or
 *       PUBCOMP), which QoS 1 and 2 promise to deliver;</li>
 *   <li><b>duplicates</b>: arrivals of a sequence number that had already arrived;</li>
 *   <li><b>reordered</b>: first arrivals of a sequence number lower than one that had already arrived;</li>
 *   <li><b>longest silence</b>: the longest time without an arrival while the publisher was sending
 *       (from its first send, between arrivals, and up to its last send or {@link Stream#stopped()}).</li>
 * </ul>
 * Thread-safe and cheap enough for Netty event loops at tens of thousands of messages a second: a
 * lock per stream (a stream's publisher and receiver are usually on different threads), a bit per
 * sequence number. Keep {@link Stream} handles on hot paths rather than looking streams up by name.
 * Sequence numbers are 1 .. {@link Integer#MAX_VALUE} - 1.
 *
 * <pre>{@code
 * LossChecker checker = new LossChecker();
 * LossChecker.Stream s = checker.stream("sensors/7");   // once per stream; keep the handle
 * s.sent(seq);              // publisher side, as each message is written
 * s.acknowledged(seq);      // on PUBACK / PUBCOMP (optional)
 * s.received(seq);          // subscriber side, from any thread
 * s.stopped();              // the publisher is done (optional: its last sent() bounds silence otherwise)
 * LossReport r = checker.report();
 * r.total().lost(); r.streams(); r.worstFirst(); r.toMarkdown(20); r.toJson();
 * }</pre>
 */
public final class LossChecker {

    private final LongSupplier nanoClock;
    private final long createdNanos;
    private final Map<String, Stream> streams = new ConcurrentHashMap<>();

    public LossChecker() {
        this(System::nanoTime);
    }

    /** With a clock of its own (nanoseconds, as {@link System#nanoTime()}), for tests. */
    public LossChecker(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.createdNanos = nanoClock.getAsLong();
    }

    /** The stream of that name, created on first use. */
    public Stream stream(String name) {
        return streams.computeIfAbsent(name, Stream::new);
    }

    public void sent(String stream, long seq) {
        stream(stream).sent(seq);
    }

    public void acknowledged(String stream, long seq) {
        stream(stream).acknowledged(seq);
    }

    public void received(String stream, long seq) {
        stream(stream).received(seq);
    }

    /** Every stream as of now, sorted by name, and their total. */
    public LossReport report() {
        long now = nanoClock.getAsLong();
        List<StreamLoss> rows = new ArrayList<>();
        for (Stream s : streams.values()) {
            rows.add(s.snapshot(now));
        }
        rows.sort(Comparator.comparing(StreamLoss::stream));
        return LossReport.of(rows, total(now));
    }

    private StreamLoss total(long now) {
        long sent = 0, acked = 0, received = 0, lost = 0, lostAcked = 0, duplicates = 0, reordered = 0;
        long longest = 0, longestAt = 0, firstSent = Long.MAX_VALUE, lastArrival = Long.MIN_VALUE;
        for (Stream s : streams.values()) {
            StreamLoss r = s.snapshot(now);
            sent += r.sent();
            acked += r.acknowledged();
            received += r.received();
            lost += r.lost();
            lostAcked += r.lostAcknowledged();
            duplicates += r.duplicates();
            reordered += r.reordered();
            if (r.longestSilenceMs() * 1_000_000 > longest) {
                longest = (long) (r.longestSilenceMs() * 1_000_000);
                longestAt = (long) (r.longestSilenceAtSeconds() * 1e9);
            }
            synchronized (s) {
                if (s.firstEventNanos() != Long.MIN_VALUE) {
                    firstSent = Math.min(firstSent, s.firstEventNanos());
                }
                if (s.lastArrivalNanos != Long.MIN_VALUE) {
                    lastArrival = Math.max(lastArrival, s.lastArrivalNanos);
                }
            }
        }
        double seconds = firstSent == Long.MAX_VALUE || lastArrival <= firstSent ? 0 : (lastArrival - firstSent) / 1e9;
        return new StreamLoss("total", sent, acked, received, lost, lostAcked, duplicates, reordered,
                longest / 1e6, longestAt / 1e9, seconds == 0 ? 0 : received / seconds);
    }

    /** One stream's counters; every method may be called from any thread. */
    public final class Stream {

        private final String name;
        private final BitSet arrived = new BitSet();
        private final BitSet acked = new BitSet();
        private long sent;
        private long highestSent;
        private long ackCount;
        private long distinct;
        private long duplicates;
        private long reordered;
        private long highestReceived;
        private long firstSentNanos = Long.MIN_VALUE;
        private long lastSentNanos = Long.MIN_VALUE;
        private long stoppedNanos = Long.MIN_VALUE;
        private long firstArrivalNanos = Long.MIN_VALUE;
        private long lastArrivalNanos = Long.MIN_VALUE;
        /** The last arrival of any message on the stream, counted here or not ({@link #heard}). */
        private long lastHeardNanos = Long.MIN_VALUE;
        private long longestSilenceNanos;
        private long longestSilenceStartNanos = Long.MIN_VALUE;

        private Stream(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        /** The publisher wrote message {@code seq} (once per sequence number). */
        public void sent(long seq) {
            check(seq);
            long now = nanoClock.getAsLong();
            synchronized (this) {
                sent++;
                highestSent = Math.max(highestSent, seq);
                if (firstSentNanos == Long.MIN_VALUE) {
                    firstSentNanos = now;
                }
                lastSentNanos = now;
            }
        }

        /** The broker acknowledged message {@code seq} to its publisher (PUBACK, PUBCOMP). */
        public void acknowledged(long seq) {
            check(seq);
            synchronized (this) {
                if (!acked.get((int) seq)) {
                    acked.set((int) seq);
                    ackCount++;
                }
            }
        }

        /** Message {@code seq} arrived at the receiver. */
        public void received(long seq) {
            check(seq);
            long now = nanoClock.getAsLong();
            synchronized (this) {
                int i = (int) seq;
                if (arrived.get(i)) {
                    duplicates++;
                    return;
                }
                arrived.set(i);
                distinct++;
                if (seq < highestReceived) {
                    reordered++;
                }
                highestReceived = Math.max(highestReceived, seq);
                heardAt(now);
                if (firstArrivalNanos == Long.MIN_VALUE) {
                    firstArrivalNanos = now;
                }
                lastArrivalNanos = now;
            }
        }

        /**
         * A message on this stream that this checker does not count arrived (one another checker
         * counts: an earlier phase's, still draining). The stream was not silent, so a silence ends
         * here; nothing else changes.
         */
        public void heard() {
            long now = nanoClock.getAsLong();
            synchronized (this) {
                if (firstSentNanos != Long.MIN_VALUE) {
                    heardAt(now);
                }
            }
        }

        private void heardAt(long now) {
            long from = lastHeardNanos != Long.MIN_VALUE ? lastHeardNanos : firstSentNanos;
            silence(from, stoppedNanos != Long.MIN_VALUE ? Math.min(now, stoppedNanos) : now);
            lastHeardNanos = now;
        }

        /** The publisher has stopped sending: silence after now does not count. */
        public void stopped() {
            long now = nanoClock.getAsLong();
            synchronized (this) {
                if (stoppedNanos == Long.MIN_VALUE) {
                    stoppedNanos = now;
                }
            }
        }

        /**
         * The acknowledged messages that have not arrived, as ranges of sequence numbers
         * ("17-30, 95"), at most {@code max} ranges: where in a stream the holes are.
         */
        public synchronized String lostRanges(int max) {
            BitSet lost = (BitSet) acked.clone();
            lost.andNot(arrived);
            StringBuilder ranges = new StringBuilder();
            int count = 0;
            for (int from = lost.nextSetBit(0); from >= 0 && count < max; from = lost.nextSetBit(from), count++) {
                int to = lost.nextClearBit(from) - 1;
                ranges.append(ranges.isEmpty() ? "" : ", ").append(from).append(from == to ? "" : "-" + to);
                from = to + 1;
            }
            return ranges.toString();
        }

        /** Every message sent so far has arrived (true before the first send). */
        public synchronized boolean complete() {
            return distinct >= highestSent;
        }

        private void silence(long from, long to) {
            if (from != Long.MIN_VALUE && to - from > longestSilenceNanos) {
                longestSilenceNanos = to - from;
                longestSilenceStartNanos = from;
            }
        }

        private long firstEventNanos() {
            return firstSentNanos != Long.MIN_VALUE ? firstSentNanos : firstArrivalNanos;
        }

        synchronized StreamLoss snapshot(long now) {
            // the open end: from the last arrival to the publisher's end (stopped, or its last send so far)
            long end = stoppedNanos != Long.MIN_VALUE ? stoppedNanos : lastSentNanos;
            long from = lastHeardNanos != Long.MIN_VALUE ? lastHeardNanos : firstSentNanos;
            long longest = longestSilenceNanos;
            long longestStart = longestSilenceStartNanos;
            if (from != Long.MIN_VALUE && end != Long.MIN_VALUE && end - from > longest) {
                longest = end - from;
                longestStart = from;
            }
            long highest = Math.max(highestSent, highestReceived);
            long lost = highest - arrived.get(1, (int) highest + 1).cardinality();
            BitSet ackedNotArrived = (BitSet) acked.clone();
            ackedNotArrived.andNot(arrived);
            long first = firstEventNanos();
            double seconds = first == Long.MIN_VALUE || lastArrivalNanos <= first ? 0 : (lastArrivalNanos - first) / 1e9;
            return new StreamLoss(name, sent, ackCount, distinct, lost, ackedNotArrived.cardinality(), duplicates, reordered,
                    longest / 1e6, longestStart == Long.MIN_VALUE ? 0 : (longestStart - createdNanos) / 1e9,
                    seconds == 0 ? 0 : distinct / seconds);
        }

        private void check(long seq) {
            if (seq < 1 || seq > Integer.MAX_VALUE - 1) {
                throw new IllegalArgumentException("sequence numbers are 1.." + (Integer.MAX_VALUE - 1) + ", not " + seq);
            }
        }
    }
}
