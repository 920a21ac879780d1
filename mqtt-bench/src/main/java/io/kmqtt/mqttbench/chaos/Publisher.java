package io.kmqtt.mqttbench.chaos;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Publishes its topics at a fixed rate, QoS 1, clean session. A message is created at its time
 * whether or not the client is connected (as a device's application would), waits in the outbox
 * while the in-flight window is full or the client is disconnected, and is written again after a
 * reconnect until it is acknowledged: nothing is given up, duplicates are the broker's to count.
 */
final class Publisher extends ChaosClient {

    private static final long TICK_MILLIS = 10;

    private final int[] topics;
    private final double perTopicPerNano;
    /** Created, not yet written (or to be written again), oldest first. */
    private final ArrayDeque<Message> outbox = new ArrayDeque<>();
    /** Written, not acknowledged: packet id to message, in write order. */
    private final Map<Integer, Message> inflight = new LinkedHashMap<>();
    private final long[] created;
    private final int[] seqRow;
    private final long[] seq;
    private int nextPacketId;
    private long startNanos;
    private ScheduledFuture<?> creating;
    private Channel channel;
    /** outbox.size() + inflight.size(), for other threads. */
    private volatile int pending;
    private volatile boolean creatingDone = true;

    private static final class Message {
        final int topic;
        final int row;
        final long seq;
        final long createdMicros;
        long writtenNanos;
        int writes;

        Message(int topic, int row, long seq, long createdMicros) {
            this.topic = topic;
            this.row = row;
            this.seq = seq;
            this.createdMicros = createdMicros;
        }
    }

    Publisher(int index, WorkloadSettings settings, Workload workload, EventLoop loop) {
        super(settings.publisherId(index), settings, workload, loop, index);
        List<Integer> mine = new ArrayList<>();
        for (int t = 0; t < settings.topics(); t++) {
            if (settings.publisherOf(t) == index) {
                mine.add(t);
            }
        }
        this.topics = mine.stream().mapToInt(Integer::intValue).toArray();
        this.perTopicPerNano = settings.rate() / settings.topics() / 1e9;
        this.created = new long[settings.topics()];
        this.seqRow = new int[settings.topics()];
        this.seq = new long[settings.topics()];
        java.util.Arrays.fill(seqRow, -1);
    }

    @Override
    boolean cleanSession() {
        return true;
    }

    /** Starts creating messages at the rate (from the loop). */
    void startPublishing() {
        loop.execute(() -> {
            creatingDone = false;
            startNanos = System.nanoTime();
            creating = loop.scheduleAtFixedRate(this::create, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    /** Creates no more messages; those created are still delivered. */
    void stopPublishing() {
        loop.execute(() -> {
            if (creating != null) {
                creating.cancel(false);
                create(); // up to now
            }
            creatingDone = true;
        });
    }

    /** Every message created has been acknowledged, and no more will be created. */
    boolean idle() {
        return creatingDone && pending == 0;
    }

    int pending() {
        return pending;
    }

    private void create() {
        long due = (long) ((System.nanoTime() - startNanos) * perTopicPerNano);
        int row = workload.currentRowIndex();
        RowTally tally = workload.row(row);
        long micros = epochMicros();
        for (int t : topics) {
            while (created[t] < due) {
                created[t]++;
                if (seqRow[t] != row) {
                    seqRow[t] = row;
                    seq[t] = 0;
                }
                long s = ++seq[t];
                tally.sent(t, s);
                outbox.add(new Message(t, row, s, micros));
            }
        }
        pump();
    }

    private void pump() {
        Channel ch = channel;
        if (ch != null && isConnected()) {
            boolean wrote = false;
            while (inflight.size() < settings.inflight() && !outbox.isEmpty()) {
                write(ch, outbox.poll());
                wrote = true;
            }
            if (wrote) {
                ch.flush();
            }
        }
        pending = outbox.size() + inflight.size();
    }

    private void write(Channel ch, Message m) {
        int packetId = nextPacketId();
        m.writtenNanos = System.nanoTime();
        if (m.writes++ > 0) {
            workload.row(m.row).resent();
        }
        inflight.put(packetId, m);
        ByteBuf payload = ch.alloc().buffer(settings.payloadBytes());
        new ChaosPayload(m.createdMicros, m.topic, m.seq, m.row, workload.runId()).write(payload, settings.payloadBytes());
        ch.write(new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                new MqttPublishVariableHeader(settings.topic(m.topic), packetId), payload));
    }

    private int nextPacketId() {
        do {
            nextPacketId = nextPacketId % 65535 + 1;
        } while (inflight.containsKey(nextPacketId));
        return nextPacketId;
    }

    @Override
    void onConnected(Channel ch, boolean sessionPresent) {
        channel = ch;
        pump();
    }

    @Override
    void onPublish(Channel ch, MqttPublishMessage publish) {
        // publishers subscribe to nothing
    }

    @Override
    void onPubAck(int packetId) {
        Message m = inflight.remove(packetId);
        if (m != null) {
            workload.row(m.row).acknowledged(m.topic, m.seq, System.nanoTime() - m.writtenNanos);
        }
        pump();
    }

    @Override
    void onSubAck(Channel ch, MqttSubAckMessage ack) {
    }

    /** Unacknowledged messages go back to the front of the outbox, in the order they were written. */
    @Override
    void onConnectionLost() {
        channel = null;
        List<Message> unacknowledged = new ArrayList<>(inflight.values());
        inflight.clear();
        for (int i = unacknowledged.size() - 1; i >= 0; i--) {
            outbox.addFirst(unacknowledged.get(i));
        }
        pending = outbox.size();
    }

    static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
