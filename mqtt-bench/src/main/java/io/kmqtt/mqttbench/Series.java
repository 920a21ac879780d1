package io.kmqtt.mqttbench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters sampled once a second into series: connections open, connects, publishes, receives, and
 * the delivery, acknowledgement and CONNACK latency of that second (p50, p99, max; null for a
 * second without any), which shows what a failover, a stall or a connection storm did and when.
 */
final class Series {

    private static final long MAX_MICROS = 3_600_000_000L;

    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger maxConnections = new AtomicInteger();
    final AtomicLong connects = new AtomicLong();
    final AtomicLong published = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    /** Wait-free recorders, read and reset once a second; microseconds. */
    private final Recorder deliveryLatency = new Recorder(MAX_MICROS, 2);
    private final Recorder ackLatency = new Recorder(MAX_MICROS, 2);
    private final Recorder connectLatency = new Recorder(MAX_MICROS, 2);

    private final List<Integer> connectionSeries = new ArrayList<>();
    private final List<Long> connectSeries = new ArrayList<>();
    private final List<Long> publishSeries = new ArrayList<>();
    private final List<Long> receiveSeries = new ArrayList<>();
    private final List<Double> deliveryP50 = new ArrayList<>();
    private final List<Double> deliveryP99 = new ArrayList<>();
    private final List<Double> deliveryMax = new ArrayList<>();
    private final List<Double> ackP99 = new ArrayList<>();
    private final List<Double> connectP99 = new ArrayList<>();
    private Histogram deliveryInterval;
    private Histogram ackInterval;
    private Histogram connectInterval;
    private long lastConnects;
    private long lastPublished;
    private long lastReceived;

    void opened() {
        int now = connections.incrementAndGet();
        maxConnections.accumulateAndGet(now, Math::max);
        connects.incrementAndGet();
    }

    void closed() {
        connections.decrementAndGet();
    }

    void delivered(long micros) {
        deliveryLatency.recordValue(Math.max(0, Math.min(micros, MAX_MICROS)));
    }

    void acknowledged(long micros) {
        ackLatency.recordValue(Math.max(0, Math.min(micros, MAX_MICROS)));
    }

    /** A CONNECT answered with an accepting CONNACK, this many microseconds after the TCP connect began. */
    void connected(long micros) {
        connectLatency.recordValue(Math.max(0, Math.min(micros, MAX_MICROS)));
    }

    /** Called once a second; second = seconds since the common start, so processes line up. */
    synchronized void tick(int second) {
        if (connectionSeries.size() <= second) {
            deliveryInterval = deliveryInterval == null ? deliveryLatency.getIntervalHistogram()
                    : deliveryLatency.getIntervalHistogram(deliveryInterval);
            ackInterval = ackInterval == null ? ackLatency.getIntervalHistogram() : ackLatency.getIntervalHistogram(ackInterval);
            connectInterval = connectInterval == null ? connectLatency.getIntervalHistogram()
                    : connectLatency.getIntervalHistogram(connectInterval);
        }
        boolean first = true;
        while (connectionSeries.size() <= second) {
            // the latencies of the interval go to the second that just ended; catch-up seconds get none
            deliveryP50.add(first ? percentileMs(deliveryInterval, 50) : null);
            deliveryP99.add(first ? percentileMs(deliveryInterval, 99) : null);
            deliveryMax.add(first && deliveryInterval.getTotalCount() > 0 ? deliveryInterval.getMaxValue() / 1000.0 : null);
            ackP99.add(first ? percentileMs(ackInterval, 99) : null);
            connectP99.add(first ? percentileMs(connectInterval, 99) : null);
            first = false;
            long c = connects.get();
            long p = published.get();
            long r = received.get();
            connectionSeries.add(connections.get());
            connectSeries.add(c - lastConnects);
            publishSeries.add(p - lastPublished);
            receiveSeries.add(r - lastReceived);
            lastConnects = c;
            lastPublished = p;
            lastReceived = r;
        }
    }

    private static Double percentileMs(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? null : h.getValueAtPercentile(percentile) / 1000.0;
    }

    synchronized List<Double> deliveryP50Series() {
        return Collections.unmodifiableList(new ArrayList<>(deliveryP50));
    }

    synchronized List<Double> deliveryP99Series() {
        return Collections.unmodifiableList(new ArrayList<>(deliveryP99));
    }

    synchronized List<Double> deliveryMaxSeries() {
        return Collections.unmodifiableList(new ArrayList<>(deliveryMax));
    }

    synchronized List<Double> ackP99Series() {
        return Collections.unmodifiableList(new ArrayList<>(ackP99));
    }

    synchronized List<Double> connectP99Series() {
        return Collections.unmodifiableList(new ArrayList<>(connectP99));
    }

    synchronized List<Integer> connectionSeries() {
        return List.copyOf(connectionSeries);
    }

    synchronized List<Long> connectSeries() {
        return List.copyOf(connectSeries);
    }

    synchronized List<Long> publishSeries() {
        return List.copyOf(publishSeries);
    }

    synchronized List<Long> receiveSeries() {
        return List.copyOf(receiveSeries);
    }
}
