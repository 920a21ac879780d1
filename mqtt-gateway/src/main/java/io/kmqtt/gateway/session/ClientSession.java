package io.kmqtt.gateway.session;

import io.kmqtt.core.auth.Permissions;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.gateway.GatewayMetrics;
import io.kmqtt.gateway.GatewayMetrics.DropReason;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.Context;
import io.vertx.mqtt.MqttEndpoint;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connected client: its subscriptions and its outbound flow.
 *
 * <p>Outbound messages wait in a bounded queue (oldest dropped when full) and move to the in-flight
 * window (QoS 1 and 2) or straight to the socket (QoS 0). Messages may be offered from any thread;
 * the queue and window are guarded by this object's lock, and writes happen outside the lock (Vert.x
 * takes the connection's own lock while writing) by one drainer at a time, so per-client order
 * holds. Writes from a thread other than the connection's event loop are queued by Vert.x and
 * flushed once per burst, which is what makes a delivery batch cost one flush per connection.
 */
public final class ClientSession {

    /** Outbound QoS 2 states (MQTT 5.0 section 4.3.3). */
    private enum Stage { AWAITING_PUBACK_OR_PUBREC, AWAITING_PUBCOMP }

    private record InFlight(Outbound outbound, Stage stage) {
    }

    private record Send(Outbound outbound, int packetId) {
    }

    private final String clientId;
    private final MqttEndpoint endpoint;
    private final Context context;
    private final Permissions permissions;
    private final int inflightWindow;
    private final int maxQueued;
    private final GatewayMetrics metrics;
    private final OrderedAcks acks;

    private final Map<String, Integer> subscriptions = new ConcurrentHashMap<>();
    /** Inbound QoS 2 packet ids between PUBREC and PUBREL: a duplicate PUBLISH with one of these is not forwarded again. */
    private final Set<Integer> inboundQos2 = new HashSet<>();

    private final ArrayDeque<Outbound> queue = new ArrayDeque<>();
    private final Map<Integer, InFlight> inflight = new HashMap<>();
    private int nextPacketId = 1;
    private final AtomicInteger drainRequests = new AtomicInteger();
    private volatile boolean closed;
    private final long connectedAtMillis = System.currentTimeMillis();
    /** MQTT 5 topic aliases the client set in its PUBLISHes, by alias (index 0 unused); event loop only. */
    private String[] topicAliases;
    /** MQTT 5: the largest packet the client accepts; larger messages are dropped, not sent (MQTT-3.1.2-24). */
    private final long maxPacketSize;

    public ClientSession(String clientId, MqttEndpoint endpoint, Context context, Permissions permissions,
                         int inflightWindow, int maxQueued, GatewayMetrics metrics) {
        this.clientId = clientId;
        this.endpoint = endpoint;
        this.context = context;
        this.permissions = permissions;
        this.inflightWindow = inflightWindow;
        this.maxQueued = maxQueued;
        this.metrics = metrics;
        this.acks = new OrderedAcks(endpoint);
        this.maxPacketSize = endpoint.protocolVersion() == 5
                ? MqttProperties5.maximumPacketSize(endpoint.connectProperties()) : Long.MAX_VALUE;
    }

    public String clientId() {
        return clientId;
    }

    /**
     * Resolves a PUBLISH's topic alias (MQTT 5.0 section 3.3.2.3.4): a topic with an alias sets it,
     * an empty topic uses it. Returns the topic, or null if the alias was never set. Event loop.
     */
    public String resolveTopicAlias(String topic, int alias, int maximum) {
        if (topicAliases == null) {
            topicAliases = new String[maximum + 1];
        }
        if (!topic.isEmpty()) {
            topicAliases[alias] = topic;
            return topic;
        }
        return topicAliases[alias];
    }

    /** When the CONNECT was accepted, wall clock. */
    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    /** Runs the action on this connection's event loop, where everything touching its endpoint must run. */
    public void onLoop(Runnable action) {
        context.runOnContext(v -> action.run());
    }

    public MqttEndpoint endpoint() {
        return endpoint;
    }

    /** What this client may publish and subscribe to, decided at CONNECT. */
    public Permissions permissions() {
        return permissions;
    }

    public boolean isMqtt5() {
        return endpoint.protocolVersion() == 5;
    }

    /** Acknowledgements of this client's QoS 1 and 2 publishes, sent in the order they arrived. */
    public OrderedAcks acks() {
        return acks;
    }

    public Map<String, Integer> subscriptions() {
        return subscriptions;
    }

    // ---- outbound ---------------------------------------------------------------------------

    /** Queues a message for this client, RETAIN flag clear, and sends what the window allows. Any thread. */
    public void offer(Envelope message, int qos) {
        offer(message, qos, false);
    }

    /** Queues a message for this client with this RETAIN flag and sends what the window allows. Any thread. */
    public void offer(Envelope message, int qos, boolean retain) {
        if (closed) {
            return;
        }
        int dropped = 0;
        synchronized (this) {
            if (queue.size() >= maxQueued) {
                queue.pollFirst();
                dropped = 1;
            }
            queue.addLast(new Outbound(message, qos, retain));
        }
        if (dropped > 0) {
            metrics.dropped(DropReason.QUEUE_FULL, dropped);
        }
        drain();
    }

    /** PUBACK from the client (QoS 1 done). Event loop. */
    public void onPubAck(int packetId) {
        synchronized (this) {
            inflight.remove(packetId);
        }
        drain();
    }

    /** PUBREC from the client: answer PUBREL and wait for PUBCOMP. Event loop. */
    public void onPubRec(int packetId) {
        boolean known;
        synchronized (this) {
            InFlight f = inflight.get(packetId);
            known = f != null;
            if (known) {
                inflight.put(packetId, new InFlight(f.outbound(), Stage.AWAITING_PUBCOMP));
            }
        }
        // PUBREL also for an unknown id: the client may have lost our PUBREL and repeated its PUBREC.
        endpoint.publishRelease(packetId);
    }

    /** PUBCOMP from the client (QoS 2 done). Event loop. */
    public void onPubComp(int packetId) {
        onPubAck(packetId);
    }

    /** Sends what the window and queue allow. One drainer at a time; others leave it a note. */
    private void drain() {
        if (drainRequests.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            for (Send send : takeSendable()) {
                write(send.outbound(), send.packetId());
            }
            missed = drainRequests.addAndGet(-missed);
        } while (missed != 0);
    }

    private List<Send> takeSendable() {
        List<Send> sends = new ArrayList<>();
        synchronized (this) {
            while (!queue.isEmpty() && !closed) {
                Outbound next = queue.peekFirst();
                if (next.qos() > 0 && inflight.size() >= inflightWindow) {
                    break;
                }
                queue.pollFirst();
                int packetId = 0;
                if (next.qos() > 0) {
                    packetId = allocatePacketId();
                    inflight.put(packetId, new InFlight(next, Stage.AWAITING_PUBACK_OR_PUBREC));
                }
                sends.add(new Send(next, packetId));
            }
        }
        return sends;
    }

    private int allocatePacketId() {
        // Ids of messages still in flight are skipped (MQTT-2.2.1-3); the window is far below 65535.
        do {
            nextPacketId = nextPacketId == 65_535 ? 1 : nextPacketId + 1;
        } while (inflight.containsKey(nextPacketId));
        return nextPacketId;
    }

    private void write(Outbound out, int packetId) {
        Envelope m = out.message();
        long now = System.currentTimeMillis();
        if (m.isExpired(now)) {
            metrics.dropped(DropReason.EXPIRED, 1);
            if (packetId != 0) {
                onPubAck(packetId);
            }
            return;
        }
        if (maxPacketSize != Long.MAX_VALUE && MqttProperties5.publishSizeBound(m.topic(), m.payload().length,
                m.properties(), m.expiryAtMillis() != 0) > maxPacketSize) {
            // MQTT-3.1.2-25: discard it and behave as if it had been sent.
            metrics.dropped(DropReason.TOO_LARGE, 1);
            if (packetId != 0) {
                onPubAck(packetId);
            }
            return;
        }
        MqttProperties props = isMqtt5()
                ? MqttProperties5.toPublish(m.properties(), m.expiryAtMillis(), now)
                : MqttProperties.NO_PROPERTIES;
        try {
            // RETAIN is 0 on messages forwarded to an established subscription (MQTT-3.3.1-9) unless
            // it asked for Retain As Published; 1 on retained messages sent at subscribe (MQTT-3.3.1-8).
            endpoint.publish(m.topic(), Buffer.buffer(m.payload()), MqttQoS.valueOf(out.qos()), false, out.retain(),
                    packetId, props);
            metrics.delivered(m.payload().length, m.createdAtMillis(), now);
        } catch (IllegalStateException e) {
            closed = true; // the connection went away under us; closeHandler cleans up
        }
    }

    // ---- inbound QoS 2 ----------------------------------------------------------------------

    /** Returns false if this packet id is already awaiting PUBREL (a duplicate PUBLISH). Event loop. */
    public boolean beginInboundQos2(int packetId) {
        return inboundQos2.add(packetId);
    }

    /** PUBREL from the client. Event loop. */
    public void completeInboundQos2(int packetId) {
        inboundQos2.remove(packetId);
    }

    public synchronized int queueLength() {
        return queue.size();
    }

    public synchronized int inflightCount() {
        return inflight.size();
    }

    public void markClosed() {
        closed = true;
        synchronized (this) {
            queue.clear();
            inflight.clear();
        }
    }

    public boolean isClosed() {
        return closed;
    }
}
