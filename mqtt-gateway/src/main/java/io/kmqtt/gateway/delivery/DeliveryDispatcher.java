package io.kmqtt.gateway.delivery;

import io.kmqtt.core.bus.Delivery;
import io.kmqtt.core.bus.DeliveryListener;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.routing.SharedStrategy;
import io.kmqtt.core.topic.MatchedSubscriptions;
import io.kmqtt.core.topic.SharedSubscription;
import io.kmqtt.core.topic.SubscriptionOptions;
import io.kmqtt.gateway.GatewayMetrics;
import io.kmqtt.gateway.config.GatewayConfig;
import io.kmqtt.gateway.session.ClientSession;
import io.kmqtt.gateway.session.LocalSubscriptions;
import io.kmqtt.gateway.session.PersistentSessions;
import io.kmqtt.gateway.session.SessionRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Fans each delivery out to the local sessions whose subscriptions match it.
 *
 * <p>A session matching through several filters receives the message once, at the highest QoS of
 * those subscriptions (MQTT-3.3.4-2 allows this, and MQTT 5 section 3.3.4 describes it); the QoS
 * it is delivered at is min(published QoS, subscription QoS) (MQTT-3.8.4-6).
 *
 * <p>A session whose queue is full does not lose the message. From the Kafka delivery channel it
 * falls behind and {@link ChannelCatchUp} gives it the message later; on the memory bus the
 * returned stage holds the publisher's acknowledgement until the session has room (QoS 0 is
 * dropped instead). See {@link OutboundWindow}.
 */
@ApplicationScoped
public class DeliveryDispatcher implements DeliveryListener {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final LocalSubscriptions subscriptions;
    private final GatewayMetrics metrics;
    private final SharedStrategy sharedStrategy;
    private final SessionRegistry sessions;
    private final PersistentSessions persistentSessions;
    private volatile ChannelCatchUp catchUp;

    @Inject
    public DeliveryDispatcher(LocalSubscriptions subscriptions, GatewayMetrics metrics, GatewayConfig config,
                              SessionRegistry sessions, PersistentSessions persistentSessions) {
        this.subscriptions = subscriptions;
        this.metrics = metrics;
        this.sharedStrategy = config.sharedSubscriptionStrategy();
        this.sessions = sessions;
        this.persistentSessions = persistentSessions;
    }

    /** Where sessions that fall behind the Kafka delivery channel are served from. */
    public void catchUpWith(ChannelCatchUp catchUp) {
        this.catchUp = catchUp;
    }

    @Override
    public CompletionStage<Void> onDeliveries(List<Delivery> deliveries) {
        List<CompletableFuture<Void>> waits = null;
        Map<ClientSession, MatchedSubscriptions> targets = new HashMap<>();
        for (Delivery d : deliveries) {
            if (d.isShared()) {
                waits = add(waits, deliverShared(d));
                continue;
            }
            Envelope message = d.message();
            subscriptions.match(message.topic(), (session, subscription) -> {
                if (MatchedSubscriptions.deliversTo(SubscriptionOptions.optionsOf(subscription), session.clientId(),
                        message.publisherId())) {
                    targets.computeIfAbsent(session, s -> new MatchedSubscriptions()).add(subscription);
                }
            });
            if (targets.isEmpty()) {
                metrics.dropped(GatewayMetrics.DropReason.NO_SUBSCRIBERS, 1);
            }
            for (Map.Entry<ClientSession, MatchedSubscriptions> t : targets.entrySet()) {
                MatchedSubscriptions match = t.getValue();
                Outbound out = new Outbound(message, match.qos(message.qos()), match.retain(message.retain()),
                        match.subscriptionIds(), null, d.channelOffset());
                waits = add(waits, offer(t.getKey(), out));
            }
            metrics.messagesOut(targets.size());
            targets.clear();
        }
        if (waits == null) {
            return DONE;
        }
        return waits.size() == 1 ? waits.get(0) : CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new));
    }

    /** The router picked this gateway for one member of a shared subscription: pick that member here. */
    private CompletableFuture<Void> deliverShared(Delivery d) {
        String fullFilter = new SharedSubscription(d.group(), d.filter()).fullFilter();
        LocalSubscriptions.Member member = subscriptions.pickShared(fullFilter, d.message(), sharedStrategy);
        if (member == null) {
            // Every member here left after the router read the route; the route is being withdrawn.
            metrics.dropped(GatewayMetrics.DropReason.NO_SUBSCRIBERS, 1);
            return null;
        }
        metrics.messagesOut(1);
        return offer(member.session(), member.outbound(d));
    }

    private CompletableFuture<Void> offer(ClientSession session, Outbound out) {
        if (out.channelOffset() < 0) {
            // The memory bus: no channel to wait in; a full session holds its publisher back.
            CompletableFuture<Void> admitted = session.outbound().offerOrPushBack(out).toCompletableFuture();
            return admitted.isDone() ? null : admitted;
        }
        if (session.outbound().offerLive(out) == OutboundWindow.Offer.BEHIND) {
            ChannelCatchUp c = catchUp;
            if (c != null) {
                c.add(session);
            }
        }
        return null;
    }

    private static List<CompletableFuture<Void>> add(List<CompletableFuture<Void>> waits, CompletableFuture<Void> wait) {
        if (wait == null) {
            return waits;
        }
        List<CompletableFuture<Void>> list = waits == null ? new ArrayList<>(2) : waits;
        list.add(wait);
        return list;
    }

    /**
     * The oldest channel position a session that outlives this gateway still needs: connected
     * persistent sessions, and those parked here.
     */
    @Override
    public long settledBefore() {
        long oldest = Long.MAX_VALUE;
        for (ClientSession s : sessions.all()) {
            if (s.persistent()) {
                oldest = Math.min(oldest, s.outbound().oldestUnsettled());
            }
        }
        for (ClientSession s : persistentSessions.parkedSessions()) {
            oldest = Math.min(oldest, s.outbound().oldestUnsettled());
        }
        return oldest;
    }
}
