package io.kmqtt.gateway.session;

import io.kmqtt.core.auth.Permissions;
import io.kmqtt.core.bus.Delivery;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.topic.MatchedSubscriptions;
import io.kmqtt.core.topic.SharedSubscription;
import io.kmqtt.core.topic.Topics;
import io.kmqtt.gateway.GatewayMetrics;
import io.kmqtt.gateway.GatewayMetrics.DropReason;
import io.kmqtt.gateway.delivery.Outbound;
import io.kmqtt.gateway.delivery.OutboundWindow;
import io.kmqtt.gateway.inbound.InboundFlow;
import io.vertx.core.Context;
import io.vertx.core.net.SocketAddress;
import io.vertx.mqtt.MqttEndpoint;
import org.jboss.logging.Logger;

import java.util.EnumMap;
import java.util.Map;

/**
 * One connected client: who it is, what it may do, its subscriptions, its outbound flow
 * ({@link OutboundWindow}), its inbound flow ({@link InboundFlow}), and the flags its session's
 * lifecycle needs (persistence, takeover). The flows do the work; this class ties them to the
 * client and counts what is dropped for it.
 */
public final class ClientSession implements OutboundWindow.Events {

    private static final Logger LOG = Logger.getLogger(ClientSession.class);

    private final String clientId;
    /** The CONNECT's User Name, or "" without one. */
    private final String username;
    private final MqttEndpoint endpoint;
    private final Context context;
    private final Permissions permissions;
    private final GatewayMetrics metrics;
    private final SocketAddress peerAddress;
    private final long connectedAtMillis = System.currentTimeMillis();
    private OutboundWindow outbound;
    private InboundFlow inbound;

    /*
     * Null until the first subscription that needs them, then maps sized for the one or two
     * subscriptions an idle device holds ({@link SubscriptionMaps}): per connection, a map is memory
     * that millions of idle connections pay for (issue #17). Replaced under the session's lock;
     * readers on other threads (metrics, presence, deliveries) read the field.
     */
    /** Subscription options, by filter; null until the first subscription. */
    private volatile Map<String, Integer> subscriptions;
    /** MQTT 5 Subscription Identifiers, by filter, of the subscriptions that have one; null until the first. */
    private volatile Map<String, Integer> subscriptionIds;

    /** Messages dropped for this client, by reason; created with the first drop. */
    private EnumMap<DropReason, Long> drops;
    private volatile boolean reportedLimitDrop;

    /** A persistent session: survives its connection for this many seconds (MQTT 5 Session Expiry Interval). */
    private volatile long sessionExpirySeconds;
    /** Another connection took the client id over; discard: the new one started clean. */
    private volatile String takenOverBy;
    private volatile boolean discardOnTakeover;
    private volatile boolean endedByDisconnect;

    /** Create, then {@link #attach} its flows before it is registered. */
    public ClientSession(String clientId, String username, MqttEndpoint endpoint, Context context, Permissions permissions,
                         GatewayMetrics metrics) {
        this.clientId = clientId;
        this.username = username == null ? "" : username;
        this.endpoint = endpoint;
        this.context = context;
        this.permissions = permissions;
        this.metrics = metrics;
        // The connection's own address object, not a string of it: one less per connection (issue #17).
        this.peerAddress = endpoint.remoteAddress();
    }

    /** Gives the session its flows; the window reports its deliveries and drops to this session. */
    public void attach(OutboundWindow outbound, InboundFlow inbound) {
        this.outbound = outbound;
        this.inbound = inbound;
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
        return String.valueOf(peerAddress);
    }

    /** When the CONNECT was accepted, wall clock. */
    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    /** This connection's event loop, where everything touching its endpoint must run. */
    public Context context() {
        return context;
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

    /** What goes to the client: queue, in-flight window, the messages it fell behind on. */
    public OutboundWindow outbound() {
        return outbound;
    }

    /** What comes from the client: ordered acknowledgements, QoS 2 state, topic aliases. Event loop. */
    public InboundFlow inbound() {
        return inbound;
    }

    /** Subscription options, by filter. Read only (change with {@link #putSubscription}, {@link #removeSubscription}); any thread. */
    public Map<String, Integer> subscriptions() {
        Map<String, Integer> subs = subscriptions;
        return subs == null ? Map.of() : subs;
    }

    /** MQTT 5 Subscription Identifiers, by filter, of the subscriptions that have one. Read only; any thread. */
    public Map<String, Integer> subscriptionIds() {
        Map<String, Integer> ids = subscriptionIds;
        return ids == null ? Map.of() : ids;
    }

    /** Subscribes, or replaces the subscription to the filter; {@code subscriptionId} 0 for none. */
    public synchronized void putSubscription(String filter, int options, int subscriptionId) {
        subscriptions = SubscriptionMaps.with(subscriptions, filter, options);
        subscriptionIds = subscriptionId != 0 ? SubscriptionMaps.with(subscriptionIds, filter, subscriptionId)
                : SubscriptionMaps.without(subscriptionIds, filter);
    }

    /** Returns false if the session had no subscription to the filter. */
    public synchronized boolean removeSubscription(String filter) {
        Map<String, Integer> subs = subscriptions;
        if (subs == null || !subs.containsKey(filter)) {
            return false;
        }
        subscriptions = SubscriptionMaps.without(subs, filter);
        subscriptionIds = SubscriptionMaps.without(subscriptionIds, filter);
        return true;
    }

    /**
     * A delivery as this client gets it now, by its current subscriptions: for a message taken back
     * from the delivery channel after the client fell behind. Null if it no longer subscribes to it.
     */
    public Outbound outboundFor(Delivery d) {
        Envelope m = d.message();
        Map<String, Integer> subscriptions = subscriptions();
        Map<String, Integer> subscriptionIds = subscriptionIds();
        MatchedSubscriptions match = new MatchedSubscriptions();
        String share = null;
        if (d.isShared()) {
            share = new SharedSubscription(d.group(), d.filter()).fullFilter();
            Integer options = subscriptions.get(share);
            if (options != null) {
                match.add(options, subscriptionIds.getOrDefault(share, 0));
            }
        } else {
            subscriptions.forEach((filter, options) -> {
                if (!SharedSubscription.isShared(filter) && Topics.matches(filter, m.topic())
                        && MatchedSubscriptions.deliversTo(options, clientId, m.publisherId())) {
                    match.add(options, subscriptionIds.getOrDefault(filter, 0));
                }
            });
        }
        if (match.isEmpty()) {
            return null;
        }
        return new Outbound(m, match.qos(m.qos()), match.retain(m.retain()), match.subscriptionIds(), share,
                d.channelOffset());
    }

    // ---- what the window reports ------------------------------------------------------------

    @Override
    public void delivered(Envelope message, long nowMillis) {
        metrics.delivered(message.payload().length, message.createdAtMillis(), nowMillis);
    }

    @Override
    public void dropped(DropReason reason, int count) {
        metrics.dropped(reason, count);
        synchronized (this) {
            if (drops == null) {
                drops = new EnumMap<>(DropReason.class);
            }
            drops.merge(reason, (long) count, Long::sum);
        }
        if (!reportedLimitDrop && (reason == DropReason.BACKLOG_FULL || reason == DropReason.QUEUE_FULL
                || reason == DropReason.EXPIRED)) {
            reportedLimitDrop = true; // once per connection: a slow client would otherwise flood the log
            LOG.infof("client '%s' (%s): messages dropped for it: %s. Limits: mqtt.max-queued-messages (in memory),"
                    + " mqtt.max-behind-messages (waiting in the delivery channel), bus.kafka.delivery-retention,"
                    + " mqtt.stuck-client-timeout (standalone). Counted per reason in"
                    + " mqtt_messages_dropped_total and on the client in the admin API", clientId, peer(),
                    reason.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** Messages dropped for this client since it connected, by reason. */
    public synchronized Map<DropReason, Long> drops() {
        return drops == null ? Map.of() : Map.copyOf(drops);
    }

    // ---- persistence and takeover -------------------------------------------------------------

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

    public boolean isClosed() {
        return outbound.isClosed();
    }
}
