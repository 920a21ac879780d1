package io.kmqtt.gateway.handler;

import io.kmqtt.core.topic.TopicLimits;
import io.kmqtt.core.topic.TopicVerdict;
import io.kmqtt.core.topic.Topics;
import io.kmqtt.core.topic.SharedSubscription;
import io.kmqtt.core.topic.SubscriptionOptions;
import io.kmqtt.gateway.cluster.ClientPresence;
import io.kmqtt.gateway.cluster.RetainedMessages;
import io.kmqtt.gateway.session.ClientSession;
import io.kmqtt.gateway.session.LocalSubscriptions;
import io.kmqtt.gateway.session.PersistentSessions;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A client's SUBSCRIBE: each filter is validated and subscribed on its own; SUBACK is sent once
 * every new route is durable on the bus, so that a message published after SUBACK finds its way.
 */
public final class SubscribeHandler {

    private static final Logger LOG = Logger.getLogger(SubscribeHandler.class);

    private final LocalSubscriptions subscriptions;
    private final TopicLimits limits;
    private final ClientPresence presence;
    private final PersistentSessions persistentSessions;
    private final RetainedMessages retained;

    public SubscribeHandler(LocalSubscriptions subscriptions, TopicLimits limits,
                            ClientPresence presence, RetainedMessages retained, PersistentSessions persistentSessions) {
        this.persistentSessions = persistentSessions;
        this.retained = retained;
        this.subscriptions = subscriptions;
        this.limits = limits;
        this.presence = presence;
    }

    /** The SUBSCRIBE's MQTT 5 Subscription Identifier: 0 if absent, -1 if invalid. */
    private int subscriptionIdentifier(ClientSession session, MqttSubscribeMessage message) {
        if (!session.isMqtt5() || message.properties() == null) {
            return 0;
        }
        MqttProperties.MqttProperty<?> id = message.properties()
                .getProperty(MqttProperties.MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value());
        if (id == null || !(id.value() instanceof Integer value)) {
            return 0;
        }
        return value > 0 ? value : -1;
    }

    public void handle(ClientSession session, MqttSubscribeMessage message) {
        List<MqttTopicSubscription> requested = message.topicSubscriptions();
        if (requested.isEmpty()) {
            // MQTT-3.8.3-3 (3.1.1) / MQTT-3.8.3-2 (5.0): a SUBSCRIBE needs at least one filter.
            Disconnects.disconnect(session.endpoint(), MqttDisconnectReasonCode.PROTOCOL_ERROR,
                    "SUBSCRIBE without a topic filter");
            return;
        }
        int subscriptionId = subscriptionIdentifier(session, message);
        if (subscriptionId < 0) {
            // MQTT 5.0 section 3.8.2.1.2: a Subscription Identifier of 0 is a protocol error.
            Disconnects.disconnect(session.endpoint(), MqttDisconnectReasonCode.PROTOCOL_ERROR,
                    "Subscription Identifier 0 in SUBSCRIBE");
            return;
        }
        MqttSubAckReasonCode[] codes = new MqttSubAckReasonCode[requested.size()];
        CompletableFuture<?>[] routes = new CompletableFuture<?>[requested.size()];
        boolean[] sendRetained = new boolean[requested.size()];
        for (int i = 0; i < requested.size(); i++) {
            MqttTopicSubscription sub = requested.get(i);
            String filter = sub.topicName();
            boolean shared = SharedSubscription.isShared(filter);
            SharedSubscription share = shared ? SharedSubscription.parse(filter) : null;
            TopicVerdict verdict = Topics.validateFilter(share != null ? share.filter() : filter, limits);
            var o = sub.subscriptionOption();
            if (shared && o != null && o.isNoLocal()) {
                // MQTT-3.8.3-4: No Local on a shared subscription is a protocol error.
                Disconnects.disconnect(session.endpoint(), MqttDisconnectReasonCode.PROTOCOL_ERROR,
                        "No Local set on shared subscription '" + PublishHandler.abbreviate(filter) + "'");
                return;
            }
            if (shared && share == null) {
                codes[i] = MqttSubAckReasonCode.TOPIC_FILTER_INVALID;
                LOG.infof("client '%s': shared subscription '%s' refused: it must be $share/<group>/<filter> with a group"
                        + " name without wildcards, or $queue/<filter>", session.clientId(), PublishHandler.abbreviate(filter));
            } else if (!verdict.isValid()) {
                codes[i] = MqttSubAckReasonCode.TOPIC_FILTER_INVALID;
                LOG.infof("client '%s': subscription to '%s' refused: filter %s", session.clientId(),
                        PublishHandler.abbreviate(filter), verdict.description());
            } else if (!session.permissions().canSubscribe(filter)) {
                codes[i] = MqttSubAckReasonCode.NOT_AUTHORIZED;
                LOG.infof("client '%s': subscription to '%s' denied by ACL", session.clientId(),
                        PublishHandler.abbreviate(filter));
            } else {
                int qos = Math.min(sub.qualityOfService().value(), 2);
                int options = o == null ? qos : SubscriptionOptions.of(qos, o.isNoLocal(), o.isRetainAsPublished(),
                        o.retainHandling().value());
                int handling = SubscriptionOptions.retainHandling(options);
                // Retained messages are not sent for a shared subscription (MQTT 5.0 section 4.8.2).
                sendRetained[i] = !shared && (handling == SubscriptionOptions.SEND_RETAINED
                        || (handling == SubscriptionOptions.SEND_RETAINED_IF_NEW && !session.subscriptions().containsKey(filter)));
                codes[i] = MqttSubAckReasonCode.qosGranted(io.netty.handler.codec.mqtt.MqttQoS.valueOf(qos));
                routes[i] = subscriptions.subscribe(session, filter, options, subscriptionId).toCompletableFuture();
            }
            if (routes[i] == null) {
                routes[i] = CompletableFuture.completedFuture(null);
            }
        }
        CompletableFuture.allOf(routes).whenComplete((ok, anyError) -> session.context().runOnContext(v -> {
            for (int i = 0; i < routes.length; i++) {
                if (routes[i].isCompletedExceptionally()) {
                    subscriptions.unsubscribe(session, requested.get(i).topicName());
                    codes[i] = MqttSubAckReasonCode.UNSPECIFIED_ERROR;
                    sendRetained[i] = false;
                    LOG.warnf("client '%s': subscription to '%s' failed: the route could not be announced on the bus",
                            session.clientId(), requested.get(i).topicName());
                }
            }
            List<MqttSubAckReasonCode> result = new ArrayList<>(codes.length);
            for (MqttSubAckReasonCode code : codes) {
                // MQTT 3.1.1 knows only 0x80 for a failure (MQTT-3.9.3).
                result.add(!session.isMqtt5() && (code.value() & 0x80) != 0 ? MqttSubAckReasonCode.UNSPECIFIED_ERROR : code);
            }
            // Not after the connection ended meanwhile (a DISCONNECT the gateway sent): nothing is written to it.
            if (!session.isClosed() && session.endpoint().isConnected()) {
                session.endpoint().subscribeAcknowledge(message.messageId(), result, MqttProperties.NO_PROPERTIES);
                presence.update(session);
                persistentSessions.saveConnected(session);
                // Retained messages follow the SUBACK (MQTT-3.3.1-6, Retain Handling: MQTT 5.0 section 3.8.3.1).
                for (int i = 0; i < sendRetained.length; i++) {
                    if (sendRetained[i]) {
                        retained.sendMatching(session, requested.get(i).topicName(), codes[i].value(), subscriptionId);
                    }
                }
            }
        }));
    }
}
