package io.kmqtt.gateway.session;

import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.message.Envelope;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttWill;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Will messages of connections lost without a normal DISCONNECT. MQTT 3.1.1: published at once. MQTT
 * 5: after the Will Delay Interval or when the session ends, whichever comes first (MQTT 5.0
 * section 3.1.3.2.2), unless a new connection with the same client id arrives first, here or at
 * another gateway (its TAKEOVER broadcast). A pending will lives in this gateway's memory: if the
 * gateway dies before the delay ends, the will is lost.
 */
@ApplicationScoped
public class WillMessages {

    private static final Logger LOG = Logger.getLogger(WillMessages.class);

    private final Vertx vertx;
    private final MessageBus bus;
    private final GatewayRef gateway;
    private final Map<String, Long> pending = new ConcurrentHashMap<>();

    @Inject
    public WillMessages(Vertx vertx, MessageBus bus, GatewayRef gateway) {
        this.vertx = vertx;
        this.bus = bus;
        this.gateway = gateway;
    }

    /** The connection ended without a normal DISCONNECT: publish its will now or when its delay ends. */
    public void connectionLost(ClientSession session) {
        MqttWill will = session.endpoint().will();
        if (will == null || !will.isWillFlag()) {
            return;
        }
        if (!session.permissions().canPublish(will.getWillTopic())) {
            LOG.infof("will message of '%s' to '%s' dropped: not allowed by its ACL", session.clientId(), will.getWillTopic());
            return;
        }
        long delaySeconds = session.isMqtt5()
                ? Math.min(willDelay(will), session.sessionExpirySeconds()) : 0; // as capped, or changed by DISCONNECT
        if (delaySeconds <= 0) {
            publish(session, will);
            return;
        }
        String clientId = session.clientId();
        long timer = vertx.setTimer(delaySeconds * 1000, id -> {
            if (pending.remove(clientId, id)) {
                publish(session, will);
            }
        });
        Long previous = pending.put(clientId, timer);
        if (previous != null) {
            vertx.cancelTimer(previous);
        }
        LOG.debugf("will message of '%s' delayed %d s", clientId, delaySeconds);
    }

    /** A new connection with this client id arrived (here or elsewhere): a pending will is not sent. */
    public void cancel(String clientId) {
        Long timer = pending.remove(clientId);
        if (timer != null && vertx.cancelTimer(timer)) {
            LOG.infof("will message of '%s' not sent: the client connected again within its Will Delay Interval", clientId);
        }
    }

    private static long willDelay(MqttWill will) {
        MqttProperties.MqttProperty<?> p = will.getWillProperties() == null ? null
                : will.getWillProperties().getProperty(MqttProperties.MqttPropertyType.WILL_DELAY_INTERVAL.value());
        return p == null ? 0 : Integer.toUnsignedLong((Integer) p.value());
    }

    private void publish(ClientSession session, MqttWill will) {
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
