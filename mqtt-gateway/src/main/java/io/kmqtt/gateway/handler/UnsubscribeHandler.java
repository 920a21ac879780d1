package io.kmqtt.gateway.handler;

import io.kmqtt.core.topic.TopicLimits;
import io.kmqtt.core.topic.Topics;
import io.kmqtt.gateway.cluster.ClientPresence;
import io.kmqtt.gateway.session.ClientSession;
import io.kmqtt.gateway.session.LocalSubscriptions;
import io.kmqtt.gateway.session.PersistentSessions;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.mqtt.messages.MqttUnsubscribeMessage;
import io.vertx.mqtt.messages.codes.MqttUnsubAckReasonCode;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A client's UNSUBSCRIBE: UNSUBACK once every withdrawn route has reached the bus. */
public final class UnsubscribeHandler {

    private final LocalSubscriptions subscriptions;
    private final TopicLimits limits;
    private final ClientPresence presence;
    private final PersistentSessions persistentSessions;

    public UnsubscribeHandler(LocalSubscriptions subscriptions, TopicLimits limits,
                              ClientPresence presence, PersistentSessions persistentSessions) {
        this.persistentSessions = persistentSessions;
        this.subscriptions = subscriptions;
        this.limits = limits;
        this.presence = presence;
    }

    public void handle(ClientSession session, MqttUnsubscribeMessage message) {
        List<String> filters = message.topics();
        if (filters.isEmpty()) {
            // MQTT-3.10.3-2: an UNSUBSCRIBE needs at least one filter.
            Disconnects.disconnect(session.endpoint(), io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode.PROTOCOL_ERROR,
                    "UNSUBSCRIBE without a topic filter");
            return;
        }
        List<MqttUnsubAckReasonCode> codes = new ArrayList<>(filters.size());
        List<CompletableFuture<?>> withdrawals = new ArrayList<>();
        for (String filter : filters) {
            if (!Topics.validateFilter(filter, limits).isValid()) {
                codes.add(MqttUnsubAckReasonCode.TOPIC_FILTER_INVALID);
                continue;
            }
            CompletionStage<Void> withdrawal = subscriptions.unsubscribe(session, filter);
            if (withdrawal == null) {
                codes.add(MqttUnsubAckReasonCode.NO_SUBSCRIPTION_EXISTED);
            } else {
                codes.add(MqttUnsubAckReasonCode.SUCCESS);
                withdrawals.add(withdrawal.toCompletableFuture());
            }
        }
        // A failed withdrawal leaves a route that attracts messages nobody here wants: they are
        // dropped on arrival, and the route goes away with this gateway. UNSUBACK is still success.
        CompletableFuture.allOf(withdrawals.toArray(CompletableFuture[]::new))
                .whenComplete((ok, error) -> session.context().runOnContext(v -> {
                    if (session.isClosed() || !session.endpoint().isConnected()) {
                        return; // the connection ended meanwhile: nothing is written to it
                    }
                    presence.update(session);
                    persistentSessions.saveConnected(session);
                    if (session.isMqtt5()) {
                        session.endpoint().unsubscribeAcknowledge(message.messageId(), codes, MqttProperties.NO_PROPERTIES);
                    } else {
                        session.endpoint().unsubscribeAcknowledge(message.messageId());
                    }
                }));
    }
}
