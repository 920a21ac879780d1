package io.kmqtt.gateway;

import io.kmqtt.core.bus.DeliveryListener;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.routing.SharedStrategy;
import io.kmqtt.core.topic.SharedSubscription;
import io.kmqtt.core.topic.SubscriptionOptions;
import io.kmqtt.gateway.config.GatewayConfig;
import io.kmqtt.gateway.session.ClientSession;
import io.kmqtt.gateway.session.LocalSubscriptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fans each delivered message out to the local sessions whose subscriptions match it.
 *
 * <p>A session matching through several filters receives the message once, at the highest QoS of
 * those subscriptions (MQTT-3.3.4-2 allows this, and MQTT 5 section 3.3.4 describes it); the QoS
 * it is delivered at is min(published QoS, subscription QoS) (MQTT-3.8.4-6).
 */
@ApplicationScoped
public class DeliveryDispatcher implements DeliveryListener {

    private static final int[] NO_IDS = new int[0];

    private final LocalSubscriptions subscriptions;
    private final GatewayMetrics metrics;
    private final SharedStrategy sharedStrategy;

    @Inject
    public DeliveryDispatcher(LocalSubscriptions subscriptions, GatewayMetrics metrics, GatewayConfig config) {
        this.subscriptions = subscriptions;
        this.metrics = metrics;
        this.sharedStrategy = config.sharedSubscriptionStrategy();
    }

    /** The router picked this gateway for one member of a shared subscription: pick that member here. */
    @Override
    public void onSharedDelivery(String group, String filter, Envelope message) {
        var member = subscriptions.pickShared(new SharedSubscription(group, filter).fullFilter(), message, sharedStrategy);
        if (member == null) {
            // Every member here left after the router read the route; the route is being withdrawn.
            metrics.dropped(GatewayMetrics.DropReason.NO_SUBSCRIBERS, 1);
            return;
        }
        int options = member.getValue();
        String share = new SharedSubscription(group, filter).fullFilter();
        Integer id = member.getKey().subscriptionIds().get(share);
        member.getKey().offer(message, Math.min(message.qos(), SubscriptionOptions.qos(options)),
                message.retain() && SubscriptionOptions.retainAsPublished(options), id == null ? NO_IDS : new int[] {id},
                share);
        metrics.messagesOut(1);
    }

    @Override
    public void onDeliveries(List<Envelope> messages) {
        Map<ClientSession, Target> targets = new HashMap<>();
        for (Envelope message : messages) {
            subscriptions.match(message.topic(), (session, subscription) -> {
                int options = SubscriptionOptions.optionsOf(subscription);
                // No Local: not back to the client that published it (MQTT 5.0 section 3.8.3.1).
                if (!SubscriptionOptions.noLocal(options) || !session.clientId().equals(message.publisherId())) {
                    targets.computeIfAbsent(session, s -> new Target()).add(options, SubscriptionOptions.identifierOf(subscription));
                }
            });
            if (targets.isEmpty()) {
                metrics.dropped(GatewayMetrics.DropReason.NO_SUBSCRIBERS, 1);
            }
            targets.forEach((session, t) -> session.offer(message, Math.min(message.qos(), SubscriptionOptions.qos(t.options)),
                    message.retain() && SubscriptionOptions.retainAsPublished(t.options), t.ids));
            metrics.messagesOut(targets.size());
            targets.clear();
        }
    }

    /** What one session's matching subscriptions add up to for one message. */
    private static final class Target {
        int options = -1;
        int[] ids = NO_IDS;

        void add(int subscriptionOptions, int id) {
            options = options < 0 ? subscriptionOptions : SubscriptionOptions.merge(options, subscriptionOptions);
            if (id != 0) {
                // Every matching subscription's identifier goes with the message (MQTT-3.3.4-3).
                ids = java.util.Arrays.copyOf(ids, ids.length + 1);
                ids[ids.length - 1] = id;
            }
        }
    }
}
