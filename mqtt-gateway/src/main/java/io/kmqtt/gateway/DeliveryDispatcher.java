package io.kmqtt.gateway;

import io.kmqtt.core.bus.DeliveryListener;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.topic.SubscriptionOptions;
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

    @Inject
    public DeliveryDispatcher(LocalSubscriptions subscriptions, GatewayMetrics metrics) {
        this.subscriptions = subscriptions;
        this.metrics = metrics;
    }

    @Override
    public void onDeliveries(List<Envelope> messages) {
        Map<ClientSession, Integer> targets = new HashMap<>();
        for (Envelope message : messages) {
            subscriptions.match(message.topic(), (session, options) -> {
                // No Local: not back to the client that published it (MQTT 5.0 section 3.8.3.1).
                if (!SubscriptionOptions.noLocal(options) || !session.clientId().equals(message.publisherId())) {
                    targets.merge(session, options, SubscriptionOptions::merge);
                }
            });
            if (targets.isEmpty()) {
                metrics.dropped(GatewayMetrics.DropReason.NO_SUBSCRIBERS, 1);
            }
            targets.forEach((session, options) -> session.offer(message, Math.min(message.qos(), SubscriptionOptions.qos(options)),
                    message.retain() && SubscriptionOptions.retainAsPublished(options)));
            metrics.messagesOut(targets.size());
            targets.clear();
        }
    }
}
