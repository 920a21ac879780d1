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
import io.kmqtt.core.message.MessageKey;
import io.kmqtt.core.session.PendingMessage;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.function.Consumer;
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
 *
 * <p>A persistent session outlives its connection: {@link #park} hands what it still owes the
 * client (in flight with packet ids, then queued) to {@link PersistentSessions} and sends later
 * messages there; a resumed session is created {@link #hold held} and {@link #restore} puts the
 * saved messages ahead of whatever arrived meanwhile.
 */
public final class ClientSession {

    /** Outbound QoS 2 states (MQTT 5.0 section 4.3.3). */
    private enum Stage { AWAITING_PUBACK_OR_PUBREC, AWAITING_PUBCOMP }

    private record InFlight(Outbound outbound, Stage stage) {
    }

    /** A PUBLISH to write (dup: sent again after the client reconnected), or a PUBREL to send again (outbound null). */
    private record Send(Outbound outbound, int packetId, boolean dup) {
    }

    private final String clientId;
    /** The CONNECT's User Name, or "" without one. */
    private final String username;
    private final MqttEndpoint endpoint;
    private final Context context;
    private final Permissions permissions;
    private final int inflightWindow;
    private final int maxQueued;
    private final GatewayMetrics metrics;
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ClientSession.class);

    private final OrderedAcks acks;
    private volatile boolean reportedQueueFull;
    private final String peer;

    private final Map<String, Integer> subscriptions = new ConcurrentHashMap<>();
    /** MQTT 5 Subscription Identifiers, by filter, of the subscriptions that have one. */
    private final Map<String, Integer> subscriptionIds = new ConcurrentHashMap<>();
    /** Inbound QoS 2 packet ids between PUBREC and PUBREL: a duplicate PUBLISH with one of these is not forwarded again. */
    private final Set<Integer> inboundQos2 = new HashSet<>();

    private final ArrayDeque<Outbound> queue = new ArrayDeque<>();
    /** PUBLISHes and PUBRELs of a resumed session to send again before anything else; sent by the drainer. */
    private final ArrayDeque<Send> resends = new ArrayDeque<>();
    /** In sending order, so that a session saved for later resends them in the order it first sent them. */
    private final Map<Integer, InFlight> inflight = new LinkedHashMap<>();
    /** While held, messages queue but are not sent: the session's saved messages must go first. */
    private boolean held;
    /** Set once the connection has gone and the session outlives it: where messages go from then on. */
    private Consumer<PendingMessage> parkedSink;
    /** A persistent session: survives its connection for this many seconds (MQTT 5 Session Expiry Interval). */
    private volatile long sessionExpirySeconds;
    /** Another connection took the client id over; discard: the new one started clean. */
    private volatile String takenOverBy;
    private volatile boolean discardOnTakeover;
    private volatile boolean endedByDisconnect;
    private int nextPacketId = 1;
    private final AtomicInteger drainRequests = new AtomicInteger();
    private volatile boolean closed;
    private final long connectedAtMillis = System.currentTimeMillis();
    /** MQTT 5 topic aliases the client set in its PUBLISHes, by alias (index 0 unused); event loop only. */
    private String[] topicAliases;
    /**
     * MQTT 5 topic aliases this gateway set in PUBLISHes to the client, by topic, at most the
     * client's Topic Alias Maximum; null when it allows none. Used by the one drainer at a time.
     */
    private final Map<String, Integer> outboundAliases;
    private final int outboundAliasMaximum;
    /** MQTT 5: the largest packet the client accepts; larger messages are dropped, not sent (MQTT-3.1.2-24). */
    private final long maxPacketSize;

    public ClientSession(String clientId, String username, MqttEndpoint endpoint, Context context, Permissions permissions,
                         int inflightWindow, int maxQueued, GatewayMetrics metrics) {
        this.clientId = clientId;
        this.username = username == null ? "" : username;
        this.endpoint = endpoint;
        this.context = context;
        this.permissions = permissions;
        this.inflightWindow = inflightWindow;
        this.maxQueued = maxQueued;
        this.metrics = metrics;
        this.acks = new OrderedAcks(endpoint);
        this.peer = String.valueOf(endpoint.remoteAddress());
        this.maxPacketSize = endpoint.protocolVersion() == 5
                ? MqttProperties5.maximumPacketSize(endpoint.connectProperties()) : Long.MAX_VALUE;
        this.outboundAliasMaximum = endpoint.protocolVersion() == 5
                ? MqttProperties5.topicAliasMaximum(endpoint.connectProperties()) : 0;
        this.outboundAliases = outboundAliasMaximum > 0 ? new HashMap<>() : null;
    }

    public String clientId() {
        return clientId;
    }

    /** The CONNECT's User Name, or "" without one. */
    public String username() {
        return username;
    }

    /** The client's address as the CONNECT came from ({@code host:port}); readable after the connection closed. */
    public String peer() {
        return peer;
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

    public Map<String, Integer> subscriptionIds() {
        return subscriptionIds;
    }

    // ---- outbound ---------------------------------------------------------------------------

    /** Queues a message for this client, RETAIN flag clear, and sends what the window allows. Any thread. */
    public void offer(Envelope message, int qos) {
        offer(message, qos, false);
    }

    /** Queues a message for this client with this RETAIN flag and sends what the window allows. Any thread. */
    public void offer(Envelope message, int qos, boolean retain) {
        offer(message, qos, retain, Outbound.NO_IDS);
    }

    /**
     * Queues a message for this client, with the MQTT 5 Subscription Identifiers of the
     * subscriptions it matched (MQTT-3.3.4-3; empty for none), and sends what the window allows. Any thread.
     */
    public void offer(Envelope message, int qos, boolean retain, int[] subscriptionIds) {
        offer(message, qos, retain, subscriptionIds, null);
    }

    /**
     * Queues a message this client got as a member of a shared subscription ({@code share}: its
     * full filter), so that it can go to another member if this one leaves before finishing it.
     */
    public void offer(Envelope message, int qos, boolean retain, int[] subscriptionIds, String share) {
        int dropped = 0;
        synchronized (this) {
            if (parkedSink != null) {
                if (qos > 0) { // QoS 0 is not kept for a disconnected client
                    parkedSink.accept(PendingMessage.queued(message, qos, retain, subscriptionIds));
                }
                return;
            }
            if (closed) {
                return;
            }
            if (queue.size() >= maxQueued) {
                queue.pollFirst();
                dropped = 1;
            }
            queue.addLast(new Outbound(message, qos, retain, subscriptionIds, share));
        }
        if (dropped > 0) {
            metrics.dropped(DropReason.QUEUE_FULL, dropped);
            if (!reportedQueueFull) {
                reportedQueueFull = true; // once per connection: a slow client would otherwise flood the log
                LOG.infof("client '%s': its queue is full (mqtt.max-queued-messages=%d, %d in flight); the oldest"
                        + " messages are dropped and counted as dropped{reason=queue_full}", clientId, maxQueued,
                        inflightCount());
            }
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
                write(send);
            }
            missed = drainRequests.addAndGet(-missed);
        } while (missed != 0);
    }

    private List<Send> takeSendable() {
        List<Send> sends = new ArrayList<>();
        synchronized (this) {
            if (!closed && !held) {
                sends.addAll(resends);
                resends.clear();
            }
            while (!queue.isEmpty() && !closed && !held) {
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
                sends.add(new Send(next, packetId, false));
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

    private void write(Send send) {
        Outbound out = send.outbound();
        int packetId = send.packetId();
        if (out == null) {
            try {
                endpoint.publishRelease(packetId);
            } catch (IllegalStateException e) {
                closed = true; // the connection went away under us; closeHandler cleans up
            }
            return;
        }
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
        MqttProperties props = MqttProperties.NO_PROPERTIES;
        String topic = m.topic();
        if (isMqtt5()) {
            props = MqttProperties5.toPublish(m.properties(), m.expiryAtMillis(), now);
            for (int id : out.subscriptionIds()) {
                props.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value(), id));
            }
            topic = applyTopicAlias(topic, props);
        }
        try {
            // RETAIN is 0 on messages forwarded to an established subscription (MQTT-3.3.1-9) unless
            // it asked for Retain As Published; 1 on retained messages sent at subscribe (MQTT-3.3.1-8).
            endpoint.publish(topic, Buffer.buffer(m.payload()), MqttQoS.valueOf(out.qos()), send.dup(), out.retain(),
                    packetId, props);
            metrics.delivered(m.payload().length, m.createdAtMillis(), now);
        } catch (IllegalStateException e) {
            closed = true; // the connection went away under us; closeHandler cleans up
        }
    }

    /**
     * MQTT 5 topic aliases towards the client (MQTT 5.0 section 3.3.2.3.4): the first PUBLISH to a
     * topic sets an alias while the client's Topic Alias Maximum allows; later ones send only the
     * alias and an empty topic. Returns the topic name to put in the PUBLISH.
     */
    private String applyTopicAlias(String topic, MqttProperties props) {
        if (outboundAliases == null) {
            return topic;
        }
        Integer alias = outboundAliases.get(topic);
        if (alias != null) {
            props.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS.value(), alias));
            return "";
        }
        if (outboundAliases.size() < outboundAliasMaximum) {
            alias = outboundAliases.size() + 1;
            outboundAliases.put(topic, alias);
            props.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS.value(), alias));
        }
        return topic;
    }

    /** A message given to this client as a member of a shared subscription, which it did not finish. */
    public record Unfinished(String share, Envelope message) {
    }

    /**
     * Takes back what this client was given as a member of shared subscriptions and has not
     * finished: queued, or sent and not acknowledged (a QoS 2 message past PUBREC is the client's).
     * Call when the connection is gone, before the session is parked or dropped.
     */
    public synchronized List<Unfinished> takeUnfinishedShared() {
        List<Unfinished> taken = new ArrayList<>();
        var it = inflight.entrySet().iterator();
        while (it.hasNext()) {
            InFlight f = it.next().getValue();
            if (f.stage() == Stage.AWAITING_PUBACK_OR_PUBREC && f.outbound() != null && f.outbound().share() != null) {
                taken.add(new Unfinished(f.outbound().share(), f.outbound().message()));
                it.remove();
            }
        }
        var q = queue.iterator();
        while (q.hasNext()) {
            Outbound o = q.next();
            if (o.share() != null) {
                taken.add(new Unfinished(o.share(), o.message()));
                q.remove();
            }
        }
        return taken;
    }

    // ---- persistence -----------------------------------------------------------------------

    /** Makes this a persistent session that outlives its connection by this many seconds (0: not persistent). */
    public void sessionExpirySeconds(long seconds) {
        this.sessionExpirySeconds = seconds;
    }

    public long sessionExpirySeconds() {
        return sessionExpirySeconds;
    }

    public boolean persistent() {
        return sessionExpirySeconds > 0;
    }

    /**
     * The stored session ends with this connection: the client's DISCONNECT set its Session Expiry
     * Interval to 0, or the connection resumed the session without one.
     */
    public void endsWithConnection() {
        endedByDisconnect = true;
    }

    public boolean endedByDisconnect() {
        return endedByDisconnect;
    }

    /** Queue messages without sending them until {@link #restore} runs. Call before the session is registered. */
    public synchronized void hold() {
        held = true;
    }

    /**
     * A newer connection took over this client id; with discard it started clean.
     *
     * @param by the gateway it connected at ({@code id/incarnation}), or null for this one
     */
    public void takenOver(boolean discard, String by) {
        this.discardOnTakeover = discard;
        this.takenOverBy = by;
    }

    /** The gateway ({@code id/incarnation}) where a newer connection took this client id over, or null. */
    public String takenOverBy() {
        return takenOverBy;
    }

    public boolean isTakenOver() {
        return takenOverBy != null;
    }

    public boolean discardOnTakeover() {
        return discardOnTakeover;
    }

    /**
     * The connection is gone and the session outlives it: returns what the client is owed (what
     * was in flight, in sending order with its packet ids, then what was queued), and sends every
     * later message to the sink instead. Any thread.
     */
    public synchronized List<PendingMessage> park(Consumer<PendingMessage> sink) {
        List<PendingMessage> owed = new ArrayList<>(inflight.size() + queue.size());
        inflight.forEach((packetId, f) -> owed.add(f.stage() == Stage.AWAITING_PUBCOMP
                ? PendingMessage.awaitingPubComp(packetId)
                : PendingMessage.inFlight(packetId, f.outbound().message(), f.outbound().qos(), f.outbound().retain(),
                        f.outbound().subscriptionIds())));
        for (Outbound o : queue) {
            if (o.qos() > 0) {
                owed.add(PendingMessage.queued(o.message(), o.qos(), o.retain(), o.subscriptionIds()));
            }
        }
        inflight.clear();
        queue.clear();
        closed = true;
        parkedSink = sink;
        return owed;
    }

    /** Stops sending to the park's sink: the session has moved on. */
    public synchronized void unpark() {
        parkedSink = dropped -> { };
    }

    /**
     * Puts the saved messages of a resumed session ahead of everything queued since, resends what
     * was in flight with its packet ids (PUBLISH with DUP set, MQTT-3.3.1-1; PUBREL as it was), and
     * starts sending. Saved messages also received live during the move are sent once.
     */
    public void restore(List<PendingMessage> saved) {
        synchronized (this) {
            List<Outbound> ahead = new ArrayList<>(saved.size());
            for (PendingMessage p : saved) {
                if (p.released()) {
                    inflight.put(p.packetId(), new InFlight(null, Stage.AWAITING_PUBCOMP));
                    resends.add(new Send(null, p.packetId(), false));
                } else if (p.packetId() != 0 && !inflight.containsKey(p.packetId())) {
                    Outbound o = new Outbound(p.message(), p.qos(), p.retain(), p.subscriptionIds());
                    inflight.put(p.packetId(), new InFlight(o, Stage.AWAITING_PUBACK_OR_PUBREC));
                    resends.add(new Send(o, p.packetId(), true));
                } else {
                    ahead.add(new Outbound(p.message(), p.qos(), p.retain(), p.subscriptionIds()));
                }
            }
            // During a move both the old and the new gateway may have received a message: keep the saved copy.
            Set<MessageKey> savedKeys = new HashSet<>();
            ahead.forEach(a -> savedKeys.add(MessageKey.of(a.message())));
            queue.removeIf(live -> savedKeys.contains(MessageKey.of(live.message())));
            for (int i = ahead.size() - 1; i >= 0; i--) {
                queue.addFirst(ahead.get(i));
            }
            while (queue.size() > maxQueued) {
                queue.pollLast();
                metrics.dropped(DropReason.QUEUE_FULL, 1);
            }
            held = false;
        }
        drain();
    }

    // ---- inbound QoS 2 ----------------------------------------------------------------------

    /** Returns false if this packet id is already awaiting PUBREL (a duplicate PUBLISH). Event loop. */
    public boolean beginInboundQos2(int packetId) {
        return inboundQos2.add(packetId);
    }

    /**
     * The client's QoS 1 and 2 PUBLISHes not yet finished (PUBACK, or PUBCOMP) that count against the
     * gateway's Receive Maximum (MQTT 5.0 section 4.9). Event loop.
     */
    public int inboundInFlight() {
        return acks.pendingQos1() + inboundQos2.size();
    }

    /** This QoS 2 packet id is between PUBLISH and PUBREL. Event loop. */
    public boolean isInboundQos2Pending(int packetId) {
        return inboundQos2.contains(packetId);
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
            resends.clear();
            held = false;
        }
    }

    public boolean isClosed() {
        return closed;
    }
}
