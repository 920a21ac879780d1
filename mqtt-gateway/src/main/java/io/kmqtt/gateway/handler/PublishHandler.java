package io.kmqtt.gateway.handler;

import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.topic.TopicLimits;
import io.kmqtt.core.topic.TopicVerdict;
import io.kmqtt.core.topic.Topics;
import io.kmqtt.gateway.GatewayMetrics;
import io.kmqtt.gateway.GatewayMetrics.DropReason;
import io.kmqtt.gateway.session.ClientSession;
import io.kmqtt.gateway.inbound.InboundFlow;
import io.kmqtt.gateway.session.MqttProperties5;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttPubAckReasonCode;
import org.jboss.logging.Logger;

import java.util.concurrent.CompletableFuture;

/**
 * A client's PUBLISH: validate, hand to the bus, and acknowledge once the bus has it.
 *
 * <p>QoS 1 is acknowledged (PUBACK) and QoS 2 received (PUBREC) only after Kafka confirmed the
 * write, so an acknowledged message survives a gateway crash. If the bus refuses the message an
 * MQTT 5 client gets the failure as a reason code; an MQTT 3.1.1 client, which has no negative
 * acknowledgement, is disconnected so that it publishes again after reconnecting.
 */
public final class PublishHandler {

    private static final Logger LOG = Logger.getLogger(PublishHandler.class);

    private final MessageBus bus;
    private final GatewayRef gateway;
    private final TopicLimits limits;
    private final GatewayMetrics metrics;
    private final int topicAliasMaximum;

    public PublishHandler(MessageBus bus, GatewayRef gateway,
                          TopicLimits limits, GatewayMetrics metrics, int topicAliasMaximum) {
        this.bus = bus;
        this.gateway = gateway;
        this.limits = limits;
        this.metrics = metrics;
        this.topicAliasMaximum = topicAliasMaximum;
    }

    public void handle(ClientSession session, MqttPublishMessage message) {
        String topic = topicOf(session, message);
        if (topic == null) {
            return; // the alias was invalid: the connection is being closed
        }
        TopicVerdict verdict = Topics.validateName(topic, limits);
        if (!verdict.isValid()) {
            metrics.dropped(DropReason.INVALID_TOPIC, 1);
            // MQTT-3.3.2-2 and 4.7.3: an invalid topic name in PUBLISH is a protocol violation.
            Disconnects.disconnect(session.endpoint(), MqttDisconnectReasonCode.TOPIC_NAME_INVALID,
                    "PUBLISH topic '" + abbreviate(topic) + "' " + verdict.description());
            return;
        }
        if (session.isMqtt5() && !message.properties()
                .getProperties(MqttProperties.MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value()).isEmpty()) {
            Disconnects.disconnect(session.endpoint(), MqttDisconnectReasonCode.PROTOCOL_ERROR,
                    "a PUBLISH from a client must not carry a Subscription Identifier (MQTT-3.3.4-6)");
            return;
        }
        int qos = message.qosLevel().value();
        InboundFlow inbound = session.inbound();
        if (inbound.exceedsReceiveMaximum(qos, message.messageId())) {
            // MQTT 5.0 section 4.9: more unfinished QoS 1 and 2 PUBLISHes than CONNACK's Receive Maximum.
            Disconnects.disconnect(session.endpoint(), MqttDisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED,
                    "more than " + inbound.unfinished() + " unacknowledged QoS 1 and 2 PUBLISHes (mqtt.receive-maximum)");
            return;
        }
        if (topic.startsWith("$SYS/") || topic.equals("$SYS")) {
            refuse(session, message, topic, qos, "$SYS topics are the broker's own");
            return;
        }
        if (!session.permissions().canPublish(topic)) {
            refuse(session, message, topic, qos, "denied by ACL");
            return;
        }
        if (qos == 2 && !inbound.beginQos2(message.messageId())) {
            // A repeat of a QoS 2 PUBLISH we already accepted: acknowledge again, forward nothing (MQTT-4.3.3-9).
            inbound.complete(inbound.expect(message.messageId(), 2), null);
            return;
        }
        long now = System.currentTimeMillis();
        Integer expiry = session.isMqtt5() ? MqttProperties5.messageExpiry(message.properties()) : null;
        byte[] payload = message.payload().getBytes();
        Envelope envelope = new Envelope(topic, payload, qos, message.isRetain(), session.clientId(), gateway.id(), now,
                expiry == null ? 0 : now + expiry * 1000L,
                session.isMqtt5() ? MqttProperties5.fromPublish(message.properties()) : null);
        metrics.messageIn(payload.length);

        if (qos == 0) {
            CompletableFuture<Void> published = bus.publish(envelope).toCompletableFuture();
            if (!published.isDone() && bus.holdsPublishersBack()) {
                // The memory bus: a subscriber's queue is full. Nothing is dropped; this client's socket
                // is not read until the message has room (a stuck subscriber stops holding it back).
                inbound.qos0HeldBack();
                published.whenComplete((ok, error) -> session.context().runOnContext(v -> inbound.qos0Released()));
            }
            published.whenComplete((ok, error) -> {
                if (error != null) {
                    metrics.dropped(DropReason.BUS_UNAVAILABLE, 1);
                    LOG.warnf("QoS 0 message from '%s' to '%s' dropped: bus refused it: %s", session.clientId(),
                            abbreviate(topic), error.getMessage());
                }
            });
            return;
        }
        Object ack = inbound.expect(message.messageId(), qos);
        bus.publish(envelope).whenComplete((ok, error) -> session.context().runOnContext(v -> {
            if (error == null) {
                inbound.complete(ack, null);
                return;
            }
            metrics.dropped(DropReason.BUS_UNAVAILABLE, 1);
            if (qos == 2) {
                inbound.completeQos2(message.messageId());
            }
            if (session.isMqtt5()) {
                LOG.warnf("QoS %d message from '%s' to '%s' refused: bus unavailable: %s", qos, session.clientId(),
                        abbreviate(topic), error.getMessage());
                inbound.complete(ack, (int) MqttPubAckReasonCode.UNSPECIFIED_ERROR.value());
            } else {
                Disconnects.disconnect(session.endpoint(), MqttDisconnectReasonCode.SERVER_BUSY,
                        "message bus unavailable, the client will retry after reconnecting: " + error.getMessage());
            }
        }));
    }

    /**
     * A publish the client may not make (its ACL, or a $SYS topic) is dropped and the client stays
     * connected. MQTT 5 clients learn it from PUBACK/PUBREC reason 0x87; MQTT 3.1.1 has no negative
     * acknowledgement, so they get a plain acknowledgement (as Mosquitto and EMQX do) and the log
     * says why nothing was delivered.
     */
    private void refuse(ClientSession session, MqttPublishMessage message, String topic, int qos, String why) {
        metrics.dropped(DropReason.ACL_DENIED, 1);
        LOG.infof("PUBLISH from '%s' to '%s' refused: %s", session.clientId(), abbreviate(topic), why);
        if (qos > 0) {
            InboundFlow inbound = session.inbound();
            inbound.complete(inbound.expect(message.messageId(), qos),
                    session.isMqtt5() ? (int) MqttPubAckReasonCode.NOT_AUTHORIZED.value() : null);
        }
    }

    /**
     * The PUBLISH's topic, its MQTT 5 topic alias resolved (MQTT 5.0 section 3.3.2.3.4); null after
     * disconnecting the client for an alias out of range (0x94) or one never set (0x82).
     */
    private String topicOf(ClientSession session, MqttPublishMessage message) {
        String topic = message.topicName();
        if (!session.isMqtt5()) {
            return topic;
        }
        MqttProperties.MqttProperty<?> aliasProperty = message.properties()
                .getProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS.value());
        if (aliasProperty == null) {
            return topic;
        }
        int alias = (Integer) aliasProperty.value();
        if (alias <= 0 || alias > topicAliasMaximum) {
            Disconnects.disconnect(session.endpoint(), MqttDisconnectReasonCode.TOPIC_ALIAS_INVALID,
                    "topic alias " + alias + " is outside 1.." + topicAliasMaximum + " (mqtt.topic-alias-maximum)");
            return null;
        }
        String resolved = session.inbound().resolveTopicAlias(topic, alias, topicAliasMaximum);
        if (resolved == null) {
            Disconnects.disconnect(session.endpoint(), MqttDisconnectReasonCode.PROTOCOL_ERROR,
                    "PUBLISH with an empty topic and topic alias " + alias + ", which was never set");
        }
        return resolved;
    }

    /** PUBREL for an inbound QoS 2 message: the client may now forget it, and so may we. */
    public void handleRelease(ClientSession session, int packetId) {
        session.inbound().completeQos2(packetId);
        session.endpoint().publishComplete(packetId);
    }

    static String abbreviate(String s) {
        return s.length() <= 100 ? s : s.substring(0, 100) + "...(" + s.length() + " chars)";
    }
}
