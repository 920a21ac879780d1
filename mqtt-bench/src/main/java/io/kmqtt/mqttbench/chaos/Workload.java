package io.kmqtt.mqttbench.chaos;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The steady QoS 1 workload of a chaos run (see {@link WorkloadSettings}), counted row by row: a
 * message belongs to the row current when it was created ({@link #beginRow}), and is checked
 * against that row's {@link RowTally} whenever it arrives. Usable on its own:
 *
 * <pre>{@code
 * try (Workload w = Workload.start(settings, System.out::println)) {
 *     RowTally row = w.beginRow("kill-router");
 *     ...                                   // inject a fault, row.disrupted("kill -9 router-1"), wait
 *     w.stopPublishing();
 *     w.awaitDrained(Duration.ofSeconds(30));
 *     row.loss().total().lostAcknowledged();
 * }
 * }</pre>
 */
public final class Workload implements MeasuredWorkload, AutoCloseable, GatewayLocator {

    private final WorkloadSettings settings;
    private final Consumer<String> log;
    private final EventLoopGroup group;
    private final int runId = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
    /** When the first row began: the report's times count from here. */
    private long runStartMicros;
    private final List<Publisher> publishers = new ArrayList<>();
    private final List<Subscriber> subscribers = new ArrayList<>();
    private final List<RowTally> rows = new CopyOnWriteArrayList<>();
    private final AtomicLong foreign = new AtomicLong();
    private volatile int currentRow = -1;
    private boolean publishing;

    private Workload(WorkloadSettings settings, Consumer<String> log) {
        this.settings = settings;
        this.log = log;
        this.group = new NioEventLoopGroup(settings.threads());
    }

    /**
     * Connects every client; returns once the subscribers' persistent sessions have their
     * subscriptions. Nothing is published before the first {@link #beginRow}.
     */
    public static Workload start(WorkloadSettings settings, Consumer<String> log) throws Exception {
        Workload w = new Workload(settings, log);
        try {
            w.connect(Duration.ofSeconds(120));
        } catch (Exception e) {
            w.close();
            throw e;
        }
        return w;
    }

    private void connect(Duration timeout) throws Exception {
        for (int s = 0; s < settings.subscribers(); s++) {
            subscribers.add(new Subscriber(s, settings, this, group.next()));
        }
        for (int p = 0; p < settings.publishers(); p++) {
            publishers.add(new Publisher(p, settings, this, group.next()));
        }
        subscribers.forEach(ChaosClient::start);
        publishers.forEach(ChaosClient::start);
        try {
            CompletableFuture.allOf(subscribers.stream().map(Subscriber::subscribed).toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the subscribers were not all subscribed within " + timeout.toSeconds()
                    + " s: is the broker at " + settings.endpoints() + " up, and are the credentials right?");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (publishers.stream().anyMatch(p -> !p.isConnected())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the publishers were not all connected within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(50);
        }
        log.accept(String.format("workload: %d publishers at %,.0f msg/s in total on %d topics, %d subscribers with "
                        + "persistent sessions (%s/# and %d per-topic), QoS 1, through %s", settings.publishers(),
                settings.rate(), settings.topics(), settings.subscribers(), settings.topicPrefix(),
                settings.subscribers() - 1, settings.endpoints()));
    }

    @Override
    public WorkloadSettings settings() {
        return settings;
    }

    /**
     * From now on, messages are created in a new row (the previous one ends: its silence stops
     * counting, its late messages are still counted); publishing starts with the first row.
     */
    @Override
    public synchronized RowTally beginRow(String name) {
        if (rows.isEmpty()) {
            runStartMicros = Publisher.epochMicros();
        }
        RowTally row = new RowTally(rows.size(), name, settings, System::nanoTime, Publisher::epochMicros, runStartMicros);
        rows.add(row);
        int previous = currentRow;
        currentRow = row.index();
        if (previous >= 0) {
            rows.get(previous).end();
        }
        if (!publishing) {
            publishing = true;
            publishers.forEach(Publisher::startPublishing);
        }
        return row;
    }

    /** Publishers create no more messages; the current row ends. */
    @Override
    public synchronized void stopPublishing() {
        publishers.forEach(Publisher::stopPublishing);
        if (currentRow >= 0) {
            rows.get(currentRow).end();
        }
    }

    /**
     * Waits until every message created has been acknowledged and has arrived everywhere it
     * should, or the time is up; true if everything arrived.
     */
    @Override
    public boolean awaitDrained(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (publishers.stream().allMatch(Publisher::idle) && rows.stream().allMatch(RowTally::complete)) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** Messages still waiting for an acknowledgement, over all publishers. */
    @Override
    public long unacknowledged() {
        return publishers.stream().mapToLong(Publisher::pending).sum();
    }

    @Override
    public List<RowTally> rows() {
        return List.copyOf(rows);
    }

    /** Deliveries of another run's messages (a session left over by an earlier run). */
    @Override
    public long foreign() {
        return foreign.get();
    }

    /** The gateway a client is connected to, when clients connect to named gateways (not through a load balancer). */
    @Override
    public Optional<String> gatewayOf(String clientId) {
        for (ChaosClient c : clients()) {
            if (c.clientId.equals(clientId) && c.endpoint() != null && !c.endpoint().name().equals("lb")) {
                return Optional.of(c.endpoint().name());
            }
        }
        return Optional.empty();
    }

    /** The client id of the subscriber to every topic, whose gateway the gateway faults aim at. */
    @Override
    public String watchedSubscriber() {
        return settings.subscriberId(0);
    }

    private List<ChaosClient> clients() {
        List<ChaosClient> all = new ArrayList<>(subscribers);
        all.addAll(publishers);
        return all;
    }

    // ---------------------------------------------------------------- from the clients

    int runId() {
        return runId;
    }

    int currentRowIndex() {
        return Math.max(0, currentRow);
    }

    RowTally row(int index) {
        if (rows.isEmpty()) {
            throw new IllegalStateException("no row begun");
        }
        return rows.get(index);
    }

    void delivered(Subscriber s, String topic, ChaosPayload payload) {
        if (payload == null || payload.run() != runId || payload.row() < 0 || payload.row() >= rows.size()) {
            foreign.incrementAndGet();
            return;
        }
        if (rows.get(payload.row()).received(payload.topic(), s.index, payload.seq(), payload.createdMicros())) {
            // A later row's stream is not silent while its subscriber still gets this row's backlog.
            for (int later = payload.row() + 1; later < rows.size(); later++) {
                rows.get(later).heard(payload.topic(), s.index);
            }
        }
    }

    void reconnected(ChaosClient c, int lostInRow, long tookNanos, boolean sessionPresent) {
        log.accept(String.format(java.util.Locale.ROOT, "  %s reconnected to %s in %.2f s%s", c.clientId, c.endpoint().name(),
                tookNanos / 1e9, c instanceof Subscriber ? sessionPresent ? " (session resumed)" : " (no session)" : ""));
        if (!rows.isEmpty()) {
            rows.get(Math.min(lostInRow, rows.size() - 1)).reconnected(c.clientId, tookNanos);
        }
    }

    void sessionLost(Subscriber s) {
        log.accept("workload: " + s.clientId + " resumed without its session (Session Present 0): subscribing again");
        if (!rows.isEmpty()) {
            rows.get(currentRowIndex()).sessionLost();
        }
    }

    void stalled(ChaosClient c) {
        log.accept("  " + c.clientId + ": nothing read for " + settings.stallTimeout().toMillis() + " ms, connecting again");
        if (!rows.isEmpty()) {
            rows.get(currentRowIndex()).stalled();
        }
    }

    void failedConnect(ChaosClient c, String why) {
        log.accept("  " + c.clientId + ": " + why + "; trying again");
        if (!rows.isEmpty()) {
            rows.get(currentRowIndex()).refused();
        }
    }

    /** Disconnects every client and ends the subscribers' persistent sessions on the broker. */
    @Override
    public void close() {
        try {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            publishers.forEach(p -> done.add(p.stop()));
            subscribers.forEach(s -> done.add(s.discardSession()));
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.accept("workload: not every client disconnected cleanly (" + e + "); sessions may stay on the broker until they expire");
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
