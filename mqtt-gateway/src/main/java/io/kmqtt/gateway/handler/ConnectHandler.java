package io.kmqtt.gateway.handler;

import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.topic.TopicLimits;
import io.kmqtt.core.topic.Topics;
import io.kmqtt.gateway.GatewayMetrics;
import io.kmqtt.gateway.config.GatewayConfig;
import io.kmqtt.gateway.session.ClientSession;
import io.kmqtt.gateway.session.LocalSubscriptions;
import io.kmqtt.gateway.session.MqttProperties5;
import io.kmqtt.gateway.session.SessionRegistry;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttWill;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * A new connection's CONNECT: decide, register the session, and wire one handler per packet type.
 * Everything after this runs on the connection's event loop.
 */
@ApplicationScoped
public class ConnectHandler implements Handler<MqttEndpoint> {

    private static final Logger LOG = Logger.getLogger(ConnectHandler.class);

    private final GatewayConfig config;
    private final MessageBus bus;
    private final GatewayRef gateway;
    private final SessionRegistry sessions;
    private final LocalSubscriptions subscriptions;
    private final GatewayMetrics metrics;
    private final TopicLimits limits;

    @Inject
    public ConnectHandler(GatewayConfig config, MessageBus bus, GatewayRef gateway, SessionRegistry sessions,
                          LocalSubscriptions subscriptions, GatewayMetrics metrics) {
        this.config = config;
        this.bus = bus;
        this.gateway = gateway;
        this.sessions = sessions;
        this.subscriptions = subscriptions;
        this.metrics = metrics;
        this.limits = new TopicLimits(config.maxTopicLength(), config.maxTopicLevels());
    }

    @Override
    public void handle(MqttEndpoint endpoint) {
        boolean v5 = endpoint.protocolVersion() == 5;
        if (endpoint.auth() == null && !config.allowAnonymous()) {
            LOG.infof("CONNECT from %s (client '%s') refused: no credentials and anonymous access is off",
                    endpoint.remoteAddress(), endpoint.clientIdentifier());
            endpoint.reject(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
                    : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
            return;
        }
        if (endpoint.auth() != null && !config.allowAnonymous()) {
            // Credentials cannot be checked until the auth-service is configured.
            LOG.infof("CONNECT from %s (client '%s') refused: no authentication backend is configured",
                    endpoint.remoteAddress(), endpoint.clientIdentifier());
            endpoint.reject(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
                    : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
            return;
        }
        if (endpoint.will() != null && endpoint.will().isWillFlag()
                && !Topics.validateName(endpoint.will().getWillTopic(), limits).isValid()) {
            LOG.infof("CONNECT from %s (client '%s') refused: invalid will topic", endpoint.remoteAddress(),
                    endpoint.clientIdentifier());
            endpoint.reject(v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_TOPIC_NAME_INVALID
                    : MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
            return;
        }
        accept(endpoint);
    }

    private void accept(MqttEndpoint endpoint) {
        Context context = Vertx.currentContext();
        ClientSession session = new ClientSession(endpoint.clientIdentifier(), endpoint, config.inflightWindow(),
                config.maxQueuedMessages(), metrics);
        PublishHandler publish = new PublishHandler(session, context, bus, gateway, limits, metrics);
        SubscribeHandler subscribe = new SubscribeHandler(session, context, subscriptions, limits);
        UnsubscribeHandler unsubscribe = new UnsubscribeHandler(session, context, subscriptions, limits);
        boolean[] normalDisconnect = {false};

        endpoint.publishAutoAck(false);
        endpoint.publishHandler(publish::handle);
        endpoint.publishReleaseHandler(publish::handleRelease);
        endpoint.subscribeHandler(subscribe::handle);
        endpoint.unsubscribeHandler(unsubscribe::handle);
        endpoint.publishAcknowledgeHandler(session::onPubAck);
        endpoint.publishReceivedHandler(session::onPubRec);
        endpoint.publishCompletionHandler(session::onPubComp);
        endpoint.disconnectMessageHandler(msg -> {
            // MQTT 5 reason 0x04 asks for the will to be sent anyway (MQTT 5.0 section 3.14.2.1).
            normalDisconnect[0] = msg.code() != MqttDisconnectReasonCode.WITH_WILL_MESSAGE;
        });
        endpoint.exceptionHandler(error -> LOG.warnf(error, "client '%s' from %s: connection error", session.clientId(),
                endpoint.remoteAddress()));
        endpoint.closeHandler(v -> onClose(session, normalDisconnect[0]));

        ClientSession previous = sessions.register(session);
        if (previous != null) {
            Disconnects.disconnect(previous.endpoint(), MqttDisconnectReasonCode.SESSION_TAKEN_OVER,
                    "another connection with the same client id connected from " + endpoint.remoteAddress());
        }
        MqttProperties connack = new MqttProperties();
        if (endpoint.protocolVersion() == 5) {
            // Not yet supported: say so, so that MQTT 5 clients do not try (MQTT 5.0 section 3.2.2.3).
            connack.add(new MqttProperties.IntegerProperty(
                    MqttProperties.MqttPropertyType.SHARED_SUBSCRIPTION_AVAILABLE.value(), 0));
            connack.add(new MqttProperties.IntegerProperty(
                    MqttProperties.MqttPropertyType.MAXIMUM_PACKET_SIZE.value(), config.maxMessageSize()));
        }
        endpoint.accept(false, connack);
        metrics.connected();
    }

    private void onClose(ClientSession session, boolean normalDisconnect) {
        session.markClosed();
        sessions.unregister(session);
        subscriptions.unsubscribeAll(session);
        MqttWill will = session.endpoint().will();
        if (!normalDisconnect && will != null && will.isWillFlag()) {
            publishWill(session, will);
        }
    }

    private void publishWill(ClientSession session, MqttWill will) {
        long now = System.currentTimeMillis();
        MqttProperties props = will.getWillProperties();
        Integer expiry = session.isMqtt5() ? MqttProperties5.messageExpiry(props) : null;
        Envelope envelope = new Envelope(will.getWillTopic(), will.getWillMessageBytes(), will.getWillQos(),
                will.isWillRetain(), session.clientId(), gateway.id(), now, expiry == null ? 0 : now + expiry * 1000L,
                session.isMqtt5() ? MqttProperties5.fromPublish(props) : null);
        bus.publish(envelope).whenComplete((ok, error) -> {
            if (error != null) {
                LOG.warnf("will message of '%s' to '%s' lost: bus refused it: %s", session.clientId(),
                        will.getWillTopic(), error.getMessage());
            }
        });
    }
}
