package io.kmqtt.gateway.session;

import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.state.ClientRecord;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.ReplicatedTable;
import io.kmqtt.core.state.WillRecord;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttWill;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Will messages of connections lost without a normal DISCONNECT. MQTT 3.1.1: published at once. MQTT
 * 5: after the Will Delay Interval or when the session ends, whichever comes first (MQTT 5.0
 * section 3.1.3.2.2), unless a new connection with the same client id arrives first, here or at
 * another gateway (its TAKEOVER broadcast).
 *
 * <p>Each will this gateway may have to publish is also in the wills table, from CONNECT until the
 * connection ends normally or the will is published or cancelled, so that the routers publish it
 * if this gateway dies first ({@code OrphanedWills}). Writes for one client id are ordered by
 * {@link #holders}: a connection replaced here that closes late cannot remove its successor's entry.
 */
@ApplicationScoped
public class WillMessages {

    private static final Logger LOG = Logger.getLogger(WillMessages.class);

    private final Vertx vertx;
    private final MessageBus bus;
    private final GatewayRef gateway;
    private final Map<String, Long> pending = new ConcurrentHashMap<>();
    /** Client id → the connection whose will the table holds for this gateway. */
    private final Map<String, ClientSession> holders = new ConcurrentHashMap<>();
    private volatile ReplicatedTable table;
    /** Publishes and table writes not yet done: a stopping gateway waits for them (see {@link #awaitWrites}). */
    private final Set<CompletableFuture<Void>> writes = ConcurrentHashMap.newKeySet();

    @Inject
    public WillMessages(Vertx vertx, MessageBus bus, GatewayRef gateway) {
        this.vertx = vertx;
        this.bus = bus;
        this.gateway = gateway;
    }

    /** Opens the wills table; blocks until the bus has it. Call at start-up. */
    public void start() {
        table = bus.table(ClusterTable.WILLS);
    }

    /**
     * The client connected: its will (if any, and if its ACL lets it publish there) goes into the
     * wills table, where the routers find it should this gateway die.
     */
    public void connected(ClientSession session) {
        MqttWill will = session.endpoint().will();
        if (will == null || !will.isWillFlag() || !session.permissions().canPublish(will.getWillTopic())) {
            return;
        }
        WillRecord record = new WillRecord(session.clientId(), gateway, delaySeconds(session, will),
                envelope(session, will, System.currentTimeMillis()));
        holders.compute(session.clientId(), (id, previous) -> {
            write(table.put(record.key(), record.encode()), session);
            return session;
        });
    }

    /** The connection ended normally (its will is not sent), or its will was published or cancelled. */
    public void forget(ClientSession session) {
        holders.computeIfPresent(session.clientId(), (id, current) -> {
            if (current != session) {
                return current; // a newer connection of the same id holds the entry
            }
            write(table.remove(ClientRecord.key(id, gateway.id())), session);
            return null;
        });
    }

    private void write(CompletionStage<Void> write, ClientSession session) {
        track(write).whenComplete((ok, error) -> {
            if (error != null) {
                LOG.warnf("client '%s': wills table not updated (if this gateway dies, its will may be lost or sent"
                        + " wrongly): %s", session.clientId(), error.getMessage());
            }
        });
    }

    private CompletionStage<Void> track(CompletionStage<Void> stage) {
        CompletableFuture<Void> future = stage.toCompletableFuture();
        writes.add(future);
        future.whenComplete((ok, error) -> writes.remove(future));
        return future;
    }

    /**
     * Waits (at most the timeout) until no will is being published and no table write is under way
     * for 100 ms, so that the routers, told next that this gateway leaves, do not publish a will a
     * second time. Polls: the last connections' close handlers may still be starting their writes.
     */
    public void awaitWrites(long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        long quietSince = System.currentTimeMillis();
        while (System.currentTimeMillis() < deadline) {
            long now = System.currentTimeMillis();
            if (!writes.isEmpty()) {
                quietSince = now;
            } else if (now - quietSince >= 100) {
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.warnf("stopping with %d will write(s) unfinished; a router may publish those wills again", writes.size());
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
        long delaySeconds = delaySeconds(session, will);
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
            ClientSession holder = holders.get(clientId);
            if (holder != null) {
                forget(holder);
            }
        }
    }

    /** MQTT 5: min(Will Delay Interval, Session Expiry Interval as capped or changed by DISCONNECT); MQTT 3.1.1: 0. */
    private static long delaySeconds(ClientSession session, MqttWill will) {
        return session.isMqtt5() ? Math.min(willDelay(will), session.sessionExpirySeconds()) : 0;
    }

    private static long willDelay(MqttWill will) {
        MqttProperties.MqttProperty<?> p = will.getWillProperties() == null ? null
                : will.getWillProperties().getProperty(MqttProperties.MqttPropertyType.WILL_DELAY_INTERVAL.value());
        return p == null ? 0 : Integer.toUnsignedLong((Integer) p.value());
    }

    private void publish(ClientSession session, MqttWill will) {
        track(bus.publish(envelope(session, will, System.currentTimeMillis()))).whenComplete((ok, error) -> {
            if (error != null) {
                LOG.warnf("will message of '%s' to '%s' lost: bus refused it: %s", session.clientId(),
                        will.getWillTopic(), error.getMessage());
            }
            forget(session);
        });
    }

    private Envelope envelope(ClientSession session, MqttWill will, long now) {
        MqttProperties props = will.getWillProperties();
        Integer expiry = session.isMqtt5() ? MqttProperties5.messageExpiry(props) : null;
        return new Envelope(will.getWillTopic(), will.getWillMessageBytes(), will.getWillQos(),
                will.isWillRetain(), session.clientId(), gateway.id(), now, expiry == null ? 0 : now + expiry * 1000L,
                session.isMqtt5() ? MqttProperties5.fromPublish(props) : null);
    }
}
