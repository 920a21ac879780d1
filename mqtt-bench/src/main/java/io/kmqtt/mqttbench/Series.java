package io.kmqtt.mqttbench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Counters sampled once a second into series: connections open, connects, publishes, receives. */
final class Series {

    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger maxConnections = new AtomicInteger();
    final AtomicLong connects = new AtomicLong();
    final AtomicLong published = new AtomicLong();
    final AtomicLong received = new AtomicLong();

    private final List<Integer> connectionSeries = new ArrayList<>();
    private final List<Long> connectSeries = new ArrayList<>();
    private final List<Long> publishSeries = new ArrayList<>();
    private final List<Long> receiveSeries = new ArrayList<>();
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

    /** Called once a second; second = seconds since the common start, so processes line up. */
    synchronized void tick(int second) {
        while (connectionSeries.size() <= second) {
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
