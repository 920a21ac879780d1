package io.kmqtt.gateway;

import io.kmqtt.core.bus.DeliveryListener;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.routing.SharedStrategy;
import io.kmqtt.core.topic.MatchedSubscriptions;
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
        if (!subscriptions.offerToShared(new SharedSubscription(group, filter).fullFilter(), message, sharedStrategy)) {
            // Every member here left after the router read the route; the route is being withdrawn.
            metrics.dropped(GatewayMetrics.DropReason.NO_SUBSCRIBERS, 1);
            return;
        }
        metrics.messagesOut(1);
    }

    @Override
    public void onDeliveries(List<Envelope> messages) {
        Map<ClientSession, MatchedSubscriptions> targets = new HashMap<>();
        for (Envelope message : messages) {
            subscriptions.match(message.topic(), (session, subscription) -> {
                if (MatchedSubscriptions.deliversTo(SubscriptionOptions.optionsOf(subscription), session.clientId(),
                        message.publisherId())) {
                    targets.computeIfAbsent(session, s -> new MatchedSubscriptions()).add(subscription);
                }
            });
            if (targets.isEmpty()) {
                metrics.dropped(GatewayMetrics.DropReason.NO_SUBSCRIBERS, 1);
            }
            targets.forEach((session, match) -> session.offer(message, match.qos(message.qos()),
                    match.retain(message.retain()), match.subscriptionIds()));
            metrics.messagesOut(targets.size());
            targets.clear();
        }
    }
}
