package io.kmqtt.gateway.cluster;

import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.state.ClientRecord;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.ReplicatedTable;
import io.kmqtt.gateway.session.ClientSession;
import io.kmqtt.gateway.session.MqttProperties5;
import io.kmqtt.gateway.session.SessionRegistry;
import io.vertx.mqtt.MqttEndpoint;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells the cluster which clients this gateway holds: one {@link ClientRecord} per client in the
 * clients table, written after CONNECT and after every SUBSCRIBE and UNSUBSCRIBE, removed at
 * disconnect. The admin API lists clients from it.
 *
 * <p>Changes are gathered: a changed entry is written at the next tick of the write delay
 * ({@code mqtt.presence-write-delay}), with the session's state at that moment. A client that
 * subscribes right after its CONNACK, as most do, so costs one record instead of two. The
 * tombstone at disconnect is never delayed, and drops a change not yet written.
 *
 * <p>Writes for one client id are ordered under a lock together with the check of who holds the
 * id, so that a taken-over connection closing late cannot remove the entry of the connection that
 * replaced it on this gateway. A write that Kafka refuses is counted and logged, never retried: the
 * next change of that client rewrites the whole entry.
 */
@ApplicationScoped
public class ClientPresence {

    private static final Logger LOG = Logger.getLogger(ClientPresence.class);
    private static final int STRIPES = 64;

    private final MessageBus bus;
    private final GatewayRef self;
    private final SessionRegistry sessions;
    private final Object[] stripes = new Object[STRIPES];
    private final AtomicLong failedWrites = new AtomicLong();
    /** Sessions whose entry changed since it was last written. */
    private final Set<ClientSession> changed = ConcurrentHashMap.newKeySet();
    private volatile ReplicatedTable table;
    private Vertx vertx;
    private volatile long flushTimer = -1;

    @Inject
    public ClientPresence(MessageBus bus, GatewayRef self, SessionRegistry sessions) {
        this.bus = bus;
        this.self = self;
        this.sessions = sessions;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
    }

    /**
     * Opens the clients table (blocks until Kafka has it) and writes changes every
     * {@code writeDelay}; zero writes each change at once. Call at start-up.
     */
    public void start(Vertx vertx, Duration writeDelay) {
        table = bus.table(ClusterTable.CLIENTS);
        if (!writeDelay.isZero()) {
            this.vertx = vertx;
            flushTimer = vertx.setPeriodic(writeDelay.toMillis(), id -> flush());
        }
    }

    /** Stops the delayed writes, writing what is still due. */
    public void stop() {
        if (flushTimer >= 0) {
            vertx.cancelTimer(flushTimer);
            flushTimer = -1;
            flush();
        }
    }

    /** The client connected, or its subscriptions changed. */
    public void update(ClientSession session) {
        if (flushTimer >= 0) {
            changed.add(session);
        } else {
            write(session);
        }
    }

    /** Writes every entry that changed since the last tick. */
    void flush() {
        for (Iterator<ClientSession> due = changed.iterator(); due.hasNext(); ) {
            ClientSession session = due.next();
            due.remove();
            write(session);
        }
    }

    private void write(ClientSession session) {
        synchronized (stripe(session.clientId())) {
            if (sessions.get(session.clientId()) != session) {
                return; // closed or replaced meanwhile: its successor writes its own entry
            }
            ClientRecord record = recordOf(session, 0);
            table.put(record.key(), record.encode()).whenComplete((ok, error) -> onWritten(session, error));
        }
    }

    /**
     * The connection is gone but its persistent session stays parked here: the entry says
     * disconnected (the admin API lists it with conn_state=disconnected) until the session moves or ends.
     */
    public void parked(ClientSession session) {
        changed.remove(session);
        ClientRecord record = recordOf(session, System.currentTimeMillis());
        synchronized (stripe(session.clientId())) {
            if (sessions.get(session.clientId()) != null) {
                return; // a newer connection of the same id holds it here and writes its own entry
            }
            table.put(record.key(), record.encode()).whenComplete((ok, error) -> onWritten(session, error));
        }
    }

    /** The session is gone; its entry goes too, unless a newer connection of the same id holds it here. */
    public void disconnected(ClientSession session) {
        changed.remove(session);
        synchronized (stripe(session.clientId())) {
            if (sessions.get(session.clientId()) != null) {
                return;
            }
            table.remove(ClientRecord.key(session.clientId(), self.id()))
                    .whenComplete((ok, error) -> onWritten(session, error));
        }
    }

    /** Presence writes Kafka refused since start. */
    public long failedWrites() {
        return failedWrites.get();
    }

    private void onWritten(ClientSession session, Throwable error) {
        if (error != null && failedWrites.getAndIncrement() % 1000 == 0) {
            LOG.warnf("client '%s': presence not recorded (the admin API may show it stale until its next change): %s"
                    + " (%d such failures so far)", session.clientId(), error.getMessage(), failedWrites.get());
        }
    }

    ClientRecord recordOf(ClientSession session, long disconnectedAt) {
        MqttEndpoint endpoint = session.endpoint();
        List<ClientRecord.Subscription> subs = new ArrayList<>(session.subscriptions().size());
        for (Map.Entry<String, Integer> s : session.subscriptions().entrySet()) {
            subs.add(new ClientRecord.Subscription(s.getKey(), s.getValue()));
        }
        return new ClientRecord(session.clientId(), session.username(),
                self.id(), self.incarnation(), session.peer(), endpoint.protocolVersion(),
                endpoint.keepAliveTimeSeconds(), endpoint.isCleanSession(), sessionExpiry(endpoint),
                session.connectedAtMillis(), disconnectedAt, subs);
    }

    /** MQTT 5 Session Expiry Interval as sent; MQTT 3.1.1: 0 with clean session, else the session never expires. */
    public static long sessionExpiry(MqttEndpoint endpoint) {
        if (endpoint.protocolVersion() == 5) {
            return MqttProperties5.sessionExpiryInterval(endpoint.connectProperties());
        }
        return endpoint.isCleanSession() ? 0 : ClientRecord.NEVER_EXPIRES;
    }

    private Object stripe(String clientId) {
        return stripes[(clientId.hashCode() & 0x7fffffff) % STRIPES];
    }
}
