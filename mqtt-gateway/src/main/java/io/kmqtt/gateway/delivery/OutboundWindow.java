package io.kmqtt.gateway.delivery;

import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.MessageKey;
import io.kmqtt.core.session.PendingMessage;
import io.kmqtt.gateway.GatewayMetrics.DropReason;
import io.kmqtt.gateway.session.MqttProperties5;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageFactory;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One client's outbound flow: a queue, the in-flight window of QoS 1 and 2 messages awaiting the
 * client's acknowledgement, and the writes to its connection.
 *
 * <p><b>Threads.</b> Messages are offered from any thread (the delivery channel's, a publisher's
 * event loop on the memory bus); the queue and window are guarded by this object. Writing happens
 * on the connection's event loop only: an offer schedules one drain there, which writes everything
 * the window allows and flushes once. The client's acknowledgements arrive on that loop and drain
 * the next messages at once.
 *
 * <p><b>The window.</b> {@code inflightWindow} messages may always be in flight. Up to
 * {@code inflightWindowMax} may be while the gateway's {@link DeliveryBudget} has room; each message
 * beyond the first {@code inflightWindow} keeps its bytes in that budget until it is acknowledged. A
 * client whose acknowledgements take a long round trip (a fan-in subscriber on a busy gateway) then
 * gets that many more messages per round trip, and the memory all windows hold beyond their first
 * part stays within the budget.
 *
 * <p><b>Order.</b> Messages go out in the order they arrived, except that a QoS 0 message passes
 * QoS 1 and 2 messages waiting for room in the window ({@link OutboundQueue}): MQTT orders per
 * topic and QoS only.
 *
 * <p><b>A client that reads slowly.</b> While the connection's write buffer is above its
 * high-water mark, nothing new is written: messages wait in the queue, which is bounded, and the
 * connection drains again once it is writable. A client that stops reading costs its queue, not an
 * ever-growing write buffer.
 *
 * <p><b>When the queue is full</b> ({@code maxQueued} messages, or the gateway's
 * {@link DeliveryBudget} spent and the window's worth queued), what happens depends on where the
 * message came from:
 * <ul>
 *   <li>from the delivery channel ({@link #offerLive}): the session <em>falls behind</em>. It keeps
 *       the channel position of each message it misses (8 bytes), in order, and takes them back
 *       ({@link #catchUp}) as it drains; once it has them all, live messages queue again. Nothing is
 *       lost unless it is more than {@code maxBehind} messages behind.</li>
 *   <li>on the memory bus, where there is no channel to wait in ({@link #offerOrPushBack}): the
 *       message is queued anyway and the publisher waits until this queue is half empty (its
 *       acknowledgement at QoS 1 and 2, the reading of its socket at QoS 0), so publishers slow
 *       down to the pace of their subscribers. A client that has neither acknowledged nor taken a
 *       write for {@code stuckAfter} while messages wait for it ({@link #isStuck}) no longer holds
 *       publishers back; its queue drops instead.</li>
 * </ul>
 *
 * <p><b>Persistence.</b> {@link #park} hands what the client is owed to its persistent session and
 * sends later messages there; {@link #hold} and {@link #restore} put a resumed session's saved
 * messages ahead of what arrived meanwhile.
 */
public final class OutboundWindow {

    /** What becomes of a message offered from the delivery channel. */
    public enum Offer { QUEUED, BEHIND }

    /** What the window reports to its session. */
    public interface Events {
        /** A PUBLISH was written. */
        void delivered(Envelope message, long nowMillis);

        /** Messages were dropped for this client. */
        void dropped(DropReason reason, int count);
    }

    /** Outbound QoS 2 states (MQTT 5.0 section 4.3.3). */
    private enum Stage { AWAITING_PUBACK_OR_PUBREC, AWAITING_PUBCOMP }

    /** {@code charged}: bytes this message holds in the budget (in flight beyond the first {@code inflightWindow}). */
    private record InFlight(Outbound outbound, Stage stage, long charged) {
    }

    /** A PUBLISH to write (dup: sent again after the client reconnected), or a PUBREL to send again (outbound null). */
    private record Send(Outbound outbound, int packetId, boolean dup) {
    }

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    /**
     * About what one drain writes before it lets the event loop's other connections run and looks at
     * the channel's writability again: Netty's default write-buffer high-water mark. Without it one
     * drain wrote the whole queue (up to mqtt.max-queued-messages, tens of MB of large messages).
     */
    static final int MAX_BYTES_PER_DRAIN = 64 * 1024;

    private final ClientConnection connection;
    private final Events events;
    private final DeliveryBudget budget;
    private final int inflightWindow;
    private final int inflightWindowMax;
    private final int maxQueued;
    private final int maxBehind;
    private final long stuckAfterMillis;
    private final LongSupplier clock;
    /** MQTT 5: the largest packet the client accepts; larger messages are dropped, not sent (MQTT-3.1.2-24). */
    private final long maxPacketSize;
    /**
     * MQTT 5 topic aliases this gateway set in PUBLISHes to the client, by topic, at most the
     * client's Topic Alias Maximum; created with the first alias. Event loop only.
     */
    private Map<String, Integer> outboundAliases;
    private final int outboundAliasMaximum;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    // Guarded by this. The collections are created when first needed: most connections are idle.
    private OutboundQueue queue;
    /** In sending order, so that a session saved for later resends them in the order it first sent them. */
    private LinkedHashMap<Integer, InFlight> inflight;
    /** PUBLISHes and PUBRELs of a resumed session to send again before anything else. */
    private ArrayDeque<Send> resends;
    /** Channel positions of the messages this client fell behind on; null while it is not behind. */
    private MissedDeliveries behind;
    /** Publishers' acknowledgements waiting for room in this queue (memory bus). */
    private List<CompletableFuture<Void>> pushedBack;
    /** While held, messages queue but are not sent: the session's saved messages must go first. */
    private boolean held;
    /** The last {@link #takeSendable} stopped at {@link #MAX_BYTES_PER_DRAIN} with more to send. */
    private boolean batchFull;
    /** Completed by {@link #restore} (or {@link #close}): set by {@link #hold}. */
    private CompletableFuture<Void> restoring;
    /** Set once the connection has gone and the session outlives it: where messages go from then on. */
    private Consumer<PendingMessage> parkedSink;
    private volatile boolean closed;
    private int nextPacketId = 1;
    /**
     * When the client last made progress: an acknowledgement, a write (only made while its channel
     * is writable), or the start of a wait (a message queued with nothing pending). Decides {@link #isStuck}.
     */
    private long lastProgressMillis;

    /**
     * @param inflightWindow    QoS 1 and 2 messages that may always be in flight
     * @param inflightWindowMax QoS 1 and 2 messages that may be in flight while the budget has room (at least
     *                          {@code inflightWindow})
     * @param maxBehind        how many messages the client may fall behind in the delivery channel
     *                         before the oldest of them are dropped
     * @param stuckAfterMillis memory bus: how long a client with a full window may acknowledge nothing
     *                         before it stops holding its publishers back
     */
    public OutboundWindow(ClientConnection connection, Events events, DeliveryBudget budget, int inflightWindow,
                          int inflightWindowMax, int maxQueued, int maxBehind, long stuckAfterMillis, long maxPacketSize,
                          int outboundAliasMaximum, LongSupplier clock) {
        this.connection = connection;
        this.events = events;
        this.budget = budget;
        this.inflightWindow = inflightWindow;
        this.inflightWindowMax = Math.max(inflightWindow, inflightWindowMax);
        this.maxQueued = maxQueued;
        this.maxBehind = maxBehind;
        this.stuckAfterMillis = stuckAfterMillis;
        this.maxPacketSize = maxPacketSize;
        this.outboundAliasMaximum = outboundAliasMaximum;
        this.clock = clock;
        this.lastProgressMillis = clock.getAsLong();
    }

    // ---- offering ---------------------------------------------------------------------------

    /**
     * Queues the message whatever the queue holds: retained messages at subscribe, a resumed
     * session's late arrivals, messages taken back from the delivery channel. Any thread.
     */
    public void offer(Outbound message) {
        synchronized (this) {
            if (divert(message)) {
                return;
            }
            enqueue(message);
        }
        scheduleDrain();
    }

    /**
     * A message from the delivery channel (its {@link Outbound#channelOffset} set): queued, or, if
     * the queue is full or the client already behind, remembered by its position to be taken back
     * later ({@link #catchUp}). Any thread.
     */
    public Offer offerLive(Outbound message) {
        synchronized (this) {
            if (divert(message)) {
                return Offer.QUEUED;
            }
            if (behind != null) {
                fallBehind(message.channelOffset());
                return Offer.BEHIND;
            }
            if (isFull()) {
                behind = new MissedDeliveries();
                fallBehind(message.channelOffset());
                return Offer.BEHIND;
            }
            enqueue(message);
        }
        scheduleDrain();
        return Offer.QUEUED;
    }

    /**
     * Memory bus: queues the message; if the queue is full, the returned stage completes only once
     * it is half empty again, and the publisher waits for it: its acknowledgement at QoS 1 and 2,
     * the reading of its socket at QoS 0. Any thread.
     */
    public CompletionStage<Void> offerOrPushBack(Outbound message) {
        CompletionStage<Void> admitted = DONE;
        synchronized (this) {
            if (divert(message)) {
                return DONE;
            }
            boolean full = isFull();
            // A client stuck for stuckAfter holds nobody back any more: what it has no room for is dropped.
            if (full && isStuck(clock.getAsLong())) {
                events.dropped(DropReason.QUEUE_FULL, 1);
                return DONE;
            }
            enqueue(message);
            if (full) {
                CompletableFuture<Void> room = new CompletableFuture<>();
                if (pushedBack == null) {
                    pushedBack = new ArrayList<>();
                }
                pushedBack.add(room);
                admitted = room;
            }
        }
        scheduleDrain();
        return admitted;
    }

    /** Parked, or closed for good: the message goes to the session's offline queue, or nowhere. */
    private boolean divert(Outbound message) {
        if (parkedSink != null) {
            if (message.qos() > 0) { // QoS 0 is not kept for a disconnected client
                parkedSink.accept(PendingMessage.queued(message.message(), message.qos(), message.retain(),
                        message.subscriptionIds()));
            }
            return true;
        }
        return closed;
    }

    private boolean isFull() {
        int queued = queueLength0();
        return queued >= maxQueued || (budget.exhausted() && queued >= inflightWindow);
    }

    private void enqueue(Outbound message) {
        if (queue == null) {
            queue = new OutboundQueue();
        }
        if (queue.isEmpty() && inflightCount0() == 0) {
            lastProgressMillis = clock.getAsLong(); // an idle client's wait starts now, not at its last ack
        }
        queue.addLast(message);
        budget.take(message.bytes());
    }

    private void fallBehind(long channelOffset) {
        if (channelOffset < 0) {
            throw new IllegalArgumentException("a live message without a channel position cannot wait in the channel");
        }
        if (behind.size() >= maxBehind) {
            behind.removeFirst();
            events.dropped(DropReason.BACKLOG_FULL, 1);
        }
        behind.add(channelOffset);
    }

    // ---- catching up ------------------------------------------------------------------------

    /**
     * The channel position of the oldest message this client missed, if it has room to take it
     * now; -1 otherwise (not behind, or its queue still over half full). A parked session always has
     * room: its messages go to its offline queue.
     */
    public synchronized long nextMissed() {
        if (behind == null || behind.isEmpty()) {
            return -1;
        }
        boolean room = parkedSink != null || closed
                || (queueLength0() < Math.max(1, maxQueued / 2) && !budget.exhausted());
        return room ? behind.first() : -1;
    }

    /**
     * The message at the channel position {@link #nextMissed} gave, read back from the channel:
     * queued now (or dropped if the client no longer subscribes to it: {@code message} null). Once
     * the client has every message it missed, live messages queue directly again. Any thread.
     */
    public void catchUp(long channelOffset, Outbound message) {
        synchronized (this) {
            if (behind == null || behind.isEmpty() || behind.first() != channelOffset) {
                return;
            }
            behind.removeFirst();
            if (behind.isEmpty()) {
                behind = null;
            }
            if (message == null || divert(message)) {
                return;
            }
            enqueue(message);
        }
        scheduleDrain();
    }

    /**
     * The channel no longer has the messages before this position (its retention passed): those
     * this client missed are lost, and counted. Returns how many.
     */
    public synchronized int forgetMissedBefore(long firstKept) {
        int lost = 0;
        while (behind != null && !behind.isEmpty() && behind.first() < firstKept) {
            behind.removeFirst();
            lost++;
        }
        if (behind != null && behind.isEmpty()) {
            behind = null;
        }
        if (lost > 0) {
            events.dropped(DropReason.EXPIRED, lost);
        }
        return lost;
    }

    /** A message offered now would be queued: open, not behind, and room in the queue. */
    public synchronized boolean canTakeNow() {
        return !closed && behind == null && !isFull();
    }

    /** Messages this client fell behind on, waiting in the delivery channel. */
    public synchronized int behindCount() {
        return behind == null ? 0 : behind.size();
    }

    /**
     * The channel position of the oldest message this client has not acknowledged (in flight,
     * queued, or missed), or {@link Long#MAX_VALUE}: the channel must be read again from there if this
     * gateway dies and the session resumes elsewhere.
     */
    public synchronized long oldestUnsettled() {
        if (inflight != null) {
            for (InFlight f : inflight.values()) {
                if (f.outbound() != null && f.outbound().channelOffset() >= 0) {
                    return f.outbound().channelOffset();
                }
            }
        }
        if (queue != null) {
            for (Outbound o : queue) {
                if (o.channelOffset() >= 0) {
                    return o.channelOffset();
                }
            }
        }
        return behind == null || behind.isEmpty() ? Long.MAX_VALUE : behind.first();
    }

    // ---- sending ----------------------------------------------------------------------------

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            connection.execute(this::scheduledDrain);
        }
    }

    private void scheduledDrain() {
        drainScheduled.set(false);
        drain();
    }

    /**
     * Writes what the window allows, up to {@link #MAX_BYTES_PER_DRAIN}, and flushes once; if more
     * is waiting, drains again in a later task of the event loop. Event loop.
     */
    public void drain() {
        List<Send> sends;
        List<CompletableFuture<Void>> released;
        boolean more;
        long now = 0;
        synchronized (this) {
            sends = takeSendable();
            if (sends != null) { // never empty
                now = clock.getAsLong();
                lastProgressMillis = now;
            }
            more = batchFull;
            batchFull = false;
            released = releasePushedBack(false);
        }
        if (released != null) {
            released.forEach(f -> f.complete(null));
        }
        if (sends == null) {
            return;
        }
        if (!connection.isOpen()) {
            return; // closing: the close handler parks or drops what is in flight
        }
        for (Send send : sends) {
            write(send, now);
        }
        connection.flush();
        if (more) {
            scheduleDrain();
        }
    }

    private List<Send> takeSendable() {
        if (closed || held) {
            return null;
        }
        List<Send> sends = null;
        if (resends != null && !resends.isEmpty()) {
            sends = new ArrayList<>(resends);
            resends.clear();
        }
        if (queue == null || queue.isEmpty()) {
            return sends;
        }
        if (!connection.isWritable()) {
            // The client reads slower than it is sent to: what waits stays in this bounded queue (and
            // beyond it in the delivery channel), not in the connection's unbounded write buffer.
            connection.whenWritable(this::scheduleDrain);
            return sends;
        }
        Outbound next;
        long bytes = 0;
        while ((next = queue.poll(hasRoomInFlight())) != null) {
            bytes += next.bytes();
            int packetId = 0;
            long charged = 0;
            if (next.qos() > 0) {
                packetId = allocatePacketId();
                // beyond the window's first part, the message keeps the bytes it took in the budget when queued
                charged = inflightCount0() >= inflightWindow ? next.bytes() : 0;
                inflight().put(packetId, new InFlight(next, Stage.AWAITING_PUBACK_OR_PUBREC, charged));
            }
            if (charged == 0) {
                budget.give(next.bytes());
            }
            if (sends == null) {
                sends = new ArrayList<>();
            }
            sends.add(new Send(next, packetId, false));
            if (bytes >= MAX_BYTES_PER_DRAIN) {
                batchFull = !queue.isEmpty();
                break;
            }
        }
        return sends;
    }

    private boolean hasRoomInFlight() {
        int n = inflightCount0();
        return n < inflightWindow || (n < inflightWindowMax && !budget.exhausted());
    }

    /** Forgets a message in flight, and gives back what it held in the budget. */
    private void removeInFlight(int packetId) {
        InFlight f = inflight == null ? null : inflight.remove(packetId);
        if (f != null) {
            budget.give(f.charged());
        }
    }

    /** Forgets every message in flight, and gives back what they held in the budget. */
    private void clearInFlight() {
        if (inflight != null) {
            inflight.values().forEach(f -> budget.give(f.charged()));
            inflight.clear();
        }
    }

    private LinkedHashMap<Integer, InFlight> inflight() {
        if (inflight == null) {
            inflight = new LinkedHashMap<>();
        }
        return inflight;
    }

    private int allocatePacketId() {
        // Ids of messages still in flight are skipped (MQTT-2.2.1-3); the window is far below 65535.
        do {
            nextPacketId = nextPacketId == 65_535 ? 1 : nextPacketId + 1;
        } while (inflight != null && inflight.containsKey(nextPacketId));
        return nextPacketId;
    }

    private void write(Send send, long now) {
        Outbound out = send.outbound();
        int packetId = send.packetId();
        if (out == null) {
            connection.write(pubRel(packetId));
            return;
        }
        Envelope m = out.message();
        if (m.isExpired(now)) {
            events.dropped(DropReason.EXPIRED, 1);
            settle(packetId);
            return;
        }
        if (maxPacketSize != Long.MAX_VALUE && MqttProperties5.publishSizeBound(m.topic(), m.payload().length,
                m.properties(), m.expiryAtMillis() != 0) > maxPacketSize) {
            // MQTT-3.1.2-25: discard it and behave as if it had been sent.
            events.dropped(DropReason.TOO_LARGE, 1);
            settle(packetId);
            return;
        }
        MqttProperties props = MqttProperties.NO_PROPERTIES;
        String topic = m.topic();
        if (connection.isMqtt5()) {
            props = MqttProperties5.toPublish(m.properties(), m.expiryAtMillis(), now);
            for (int id : out.subscriptionIds()) {
                props.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value(), id));
            }
            topic = applyTopicAlias(topic, props);
        }
        // RETAIN is 0 on messages forwarded to an established subscription (MQTT-3.3.1-9) unless it
        // asked for Retain As Published; 1 on retained messages sent at subscribe (MQTT-3.3.1-8).
        MqttFixedHeader header = new MqttFixedHeader(MqttMessageType.PUBLISH, send.dup(), MqttQoS.valueOf(out.qos()),
                out.retain(), 0);
        connection.write(new MqttPublishMessage(header, new MqttPublishVariableHeader(topic, packetId, props),
                Unpooled.wrappedBuffer(m.payload())));
        events.delivered(m, now);
    }

    /** A message discarded instead of sent: its window slot is free again. */
    private void settle(int packetId) {
        if (packetId != 0) {
            synchronized (this) {
                removeInFlight(packetId);
            }
            scheduleDrain();
        }
    }

    private static MqttMessage pubRel(int packetId) {
        return MqttMessageFactory.newMessage(new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE,
                false, 0), MqttMessageIdVariableHeader.from(packetId), null);
    }

    /**
     * MQTT 5 topic aliases towards the client (MQTT 5.0 section 3.3.2.3.4): the first PUBLISH to a
     * topic sets an alias while the client's Topic Alias Maximum allows; later ones send only the
     * alias and an empty topic. Returns the topic name to put in the PUBLISH.
     */
    private String applyTopicAlias(String topic, MqttProperties props) {
        if (outboundAliasMaximum == 0) {
            return topic;
        }
        if (outboundAliases == null) {
            outboundAliases = new HashMap<>();
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

    // ---- acknowledgements (event loop) --------------------------------------------------------

    /** PUBACK from the client (QoS 1 done). */
    public void onPubAck(int packetId) {
        synchronized (this) {
            removeInFlight(packetId);
            lastProgressMillis = clock.getAsLong();
        }
        drain();
    }

    /** PUBREC from the client: answer PUBREL and wait for PUBCOMP. */
    public void onPubRec(int packetId) {
        synchronized (this) {
            InFlight f = inflight == null ? null : inflight.get(packetId);
            if (f != null) {
                inflight.put(packetId, new InFlight(f.outbound(), Stage.AWAITING_PUBCOMP, f.charged()));
            }
            lastProgressMillis = clock.getAsLong();
        }
        // PUBREL also for an unknown id: the client may have lost our PUBREL and repeated its PUBREC.
        if (connection.isOpen()) {
            connection.write(pubRel(packetId));
            connection.flush();
        }
    }

    /** PUBCOMP from the client (QoS 2 done). */
    public void onPubComp(int packetId) {
        onPubAck(packetId);
    }

    // ---- publishers held back (memory bus) ------------------------------------------------------

    /**
     * Lets waiting publishers go once the queue is half empty, or at once if the client has been
     * stuck for {@code stuckAfter} (it then drops instead) or is gone.
     */
    private List<CompletableFuture<Void>> releasePushedBack(boolean all) {
        if (pushedBack == null || pushedBack.isEmpty()) {
            return null;
        }
        if (!all && queueLength0() > maxQueued / 2 && !isStuck(clock.getAsLong())) {
            return null;
        }
        List<CompletableFuture<Void>> released = pushedBack;
        pushedBack = null;
        return released;
    }

    /**
     * Something waits for the client and it has neither acknowledged nor taken a write for
     * {@code stuckAfter}: a full window that gets no PUBACK, or a QoS 0 subscriber that stopped reading.
     */
    private boolean isStuck(long now) {
        return (inflightCount0() > 0 || queueLength0() > 0) && now - lastProgressMillis > stuckAfterMillis;
    }

    /** Called periodically: a client stuck for {@code stuckAfter} stops holding its publishers back. */
    public void releaseIfStuck() {
        List<CompletableFuture<Void>> released;
        synchronized (this) {
            released = releasePushedBack(false);
        }
        if (released != null) {
            released.forEach(f -> f.complete(null));
        }
    }

    /** Publishers waiting for room in this queue. */
    public synchronized int pushedBackCount() {
        return pushedBack == null ? 0 : pushedBack.size();
    }

    // ---- shared subscriptions -------------------------------------------------------------------

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
        if (inflight != null) {
            Iterator<InFlight> it = inflight.values().iterator();
            while (it.hasNext()) {
                InFlight f = it.next();
                if (f.stage() == Stage.AWAITING_PUBACK_OR_PUBREC && f.outbound() != null && f.outbound().share() != null) {
                    taken.add(new Unfinished(f.outbound().share(), f.outbound().message()));
                    budget.give(f.charged());
                    it.remove();
                }
            }
        }
        if (queue != null) {
            Iterator<Outbound> q = queue.iterator();
            while (q.hasNext()) {
                Outbound o = q.next();
                if (o.share() != null) {
                    taken.add(new Unfinished(o.share(), o.message()));
                    budget.give(o.bytes());
                    q.remove();
                }
            }
        }
        return taken;
    }

    // ---- persistence ------------------------------------------------------------------------

    /** Queue messages without sending them until {@link #restore} runs. Call before the session is registered. */
    public synchronized void hold() {
        held = true;
        restoring = new CompletableFuture<>();
    }

    /**
     * Completes once a held session's saved messages are in place ({@link #restore}), at once if
     * it was never held. Park only then: saved messages restored into a parked window would be lost.
     */
    public synchronized CompletionStage<Void> restored() {
        return restoring == null ? DONE : restoring;
    }

    /**
     * The connection is gone and the session outlives it: returns what the client is owed (what
     * was in flight, in sending order with its packet ids, then what was queued), and sends every
     * later message to the sink instead. Messages it fell behind on are still taken back from the
     * channel, into the sink. Any thread.
     */
    public List<PendingMessage> park(Consumer<PendingMessage> sink) {
        List<PendingMessage> owed = new ArrayList<>();
        List<CompletableFuture<Void>> released;
        synchronized (this) {
            if (inflight != null) {
                inflight.forEach((packetId, f) -> owed.add(f.stage() == Stage.AWAITING_PUBCOMP
                        ? PendingMessage.awaitingPubComp(packetId)
                        : PendingMessage.inFlight(packetId, f.outbound().message(), f.outbound().qos(),
                        f.outbound().retain(), f.outbound().subscriptionIds())));
                clearInFlight();
            }
            if (queue != null) {
                for (Outbound o : queue) {
                    budget.give(o.bytes());
                    if (o.qos() > 0) {
                        owed.add(PendingMessage.queued(o.message(), o.qos(), o.retain(), o.subscriptionIds()));
                    }
                }
                queue.clear();
            }
            closed = true;
            parkedSink = sink;
            released = releasePushedBack(true);
        }
        if (released != null) {
            released.forEach(f -> f.complete(null));
        }
        return owed;
    }

    /** Stops sending to the park's sink, and forgets what the client fell behind on: the session has moved on. */
    public synchronized void unpark() {
        parkedSink = dropped -> { };
        behind = null;
    }

    /**
     * Puts the saved messages of a resumed session ahead of everything queued since, resends what
     * was in flight with its packet ids (PUBLISH with DUP set, MQTT-3.3.1-1; PUBREL as it was), and
     * starts sending. Saved messages also received live during the move are sent once.
     */
    public void restore(List<PendingMessage> saved) {
        CompletableFuture<Void> done;
        synchronized (this) {
            List<Outbound> ahead = new ArrayList<>(saved.size());
            Set<MessageKey> aheadKeys = new HashSet<>();
            for (PendingMessage p : saved) {
                if (p.released()) {
                    inflight().put(p.packetId(), new InFlight(null, Stage.AWAITING_PUBCOMP, 0));
                    resends().add(new Send(null, p.packetId(), false));
                } else if (p.packetId() != 0 && !inflight().containsKey(p.packetId())) {
                    Outbound o = new Outbound(p.message(), p.qos(), p.retain(), p.subscriptionIds());
                    inflight().put(p.packetId(), new InFlight(o, Stage.AWAITING_PUBACK_OR_PUBREC, 0));
                    resends().add(new Send(o, p.packetId(), true));
                } else if (aheadKeys.add(MessageKey.of(p.message()))) {
                    // Two routers may both have queued a message during a handover: keep one.
                    ahead.add(new Outbound(p.message(), p.qos(), p.retain(), p.subscriptionIds()));
                }
            }
            if (queue != null) {
                // During a move both the old and the new gateway may have received a message: keep the saved copy.
                queue.removeIf(live -> {
                    boolean copy = aheadKeys.contains(MessageKey.of(live.message()));
                    if (copy) {
                        budget.give(live.bytes());
                    }
                    return copy;
                });
            }
            for (int i = ahead.size() - 1; i >= 0; i--) {
                if (queue == null) {
                    queue = new OutboundQueue();
                }
                queue.addFirst(ahead.get(i));
                budget.take(ahead.get(i).bytes());
            }
            held = false;
            done = restoring;
        }
        if (done != null) {
            done.complete(null);
        }
        scheduleDrain();
    }

    private ArrayDeque<Send> resends() {
        if (resends == null) {
            resends = new ArrayDeque<>();
        }
        return resends;
    }

    /** The connection is gone for good: forget everything and let waiting publishers go. */
    public void close() {
        List<CompletableFuture<Void>> released;
        CompletableFuture<Void> restored;
        synchronized (this) {
            closed = true;
            if (queue != null) {
                queue.forEach(o -> budget.give(o.bytes()));
                queue.clear();
            }
            clearInFlight();
            if (resends != null) {
                resends.clear();
            }
            behind = null;
            held = false;
            released = releasePushedBack(true);
            restored = restoring;
        }
        if (released != null) {
            released.forEach(f -> f.complete(null));
        }
        if (restored != null) {
            restored.complete(null);
        }
    }

    public boolean isClosed() {
        return closed;
    }

    // ---- figures ----------------------------------------------------------------------------

    public synchronized int queueLength() {
        return queueLength0();
    }

    public synchronized int inflightCount() {
        return inflightCount0();
    }

    private int queueLength0() {
        return queue == null ? 0 : queue.size();
    }

    private int inflightCount0() {
        return inflight == null ? 0 : inflight.size();
    }
}
