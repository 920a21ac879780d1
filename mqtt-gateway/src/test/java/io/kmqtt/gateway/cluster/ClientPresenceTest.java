package io.kmqtt.gateway.cluster;

import io.kmqtt.core.auth.Permissions;
import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.InMemoryMessageBus;
import io.kmqtt.core.state.ClientRecord;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.TableListener;
import io.kmqtt.gateway.session.ClientSession;
import io.kmqtt.gateway.session.SessionRegistry;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The clients table gets one entry per burst of changes, and the tombstone at once. */
class ClientPresenceTest {

    /** An MQTT 3.1.1 endpoint with clean session and a 60 s keep-alive; everything else answers null. */
    private static final MqttEndpoint ENDPOINT = (MqttEndpoint) Proxy.newProxyInstance(ClientPresenceTest.class.getClassLoader(),
            new Class<?>[]{MqttEndpoint.class}, (proxy, method, args) -> switch (method.getName()) {
                case "protocolVersion" -> 4;
                case "keepAliveTimeSeconds" -> 60;
                case "isCleanSession" -> true;
                default -> null;
            });
    private static final Duration NEVER_DURING_A_TEST = Duration.ofHours(1);

    private final InMemoryMessageBus bus = new InMemoryMessageBus();
    private final SessionRegistry sessions = new SessionRegistry();
    private final ClientPresence presence = new ClientPresence(bus, new GatewayRef("gw-1", "inc-1"), sessions);
    private final List<String> writes = new CopyOnWriteArrayList<>();
    private final Vertx vertx = Vertx.vertx();

    ClientPresenceTest() {
        bus.table(ClusterTable.CLIENTS).follow(new TableListener() {
            @Override
            public void onPut(String key, byte[] value) {
                writes.add("put " + ClientRecord.decode(value).subscriptions().stream().map(s -> s.filter() + ":" + s.options()).toList());
            }

            @Override
            public void onRemove(String key) {
                writes.add("remove");
            }
        });
    }

    @AfterEach
    void closeVertx() {
        presence.stop();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void aConnectAndASubscribeWithinOneDelayAreOneRecordWithTheSubscription() {
        presence.start(vertx, NEVER_DURING_A_TEST);
        ClientSession session = connected("c1");
        presence.update(session); // CONNACK sent
        session.putSubscription("device/c1/cmd", 1, 0);
        presence.update(session); // SUBACK sent
        assertThat(writes).isEmpty();

        presence.flush();
        presence.flush();

        assertThat(writes).containsExactly("put [device/c1/cmd:1]");
    }

    @Test
    void aClientGoneBeforeTheDelayWritesItsTombstoneAndNotItsLastChange() {
        presence.start(vertx, NEVER_DURING_A_TEST);
        ClientSession session = connected("c1");
        presence.update(session);
        presence.flush();
        session.putSubscription("a/b", 1, 0);
        presence.update(session); // not written yet when the client goes

        sessions.unregister(session);
        presence.disconnected(session);
        presence.flush();

        assertThat(writes).containsExactly("put []", "remove");
    }

    @Test
    void aClientGoneBeforeItsFirstWriteIsNeverListed() {
        presence.start(vertx, NEVER_DURING_A_TEST);
        ClientSession session = connected("c1");
        presence.update(session);

        sessions.unregister(session);
        presence.disconnected(session);
        presence.flush();

        assertThat(writes).noneMatch(w -> w.startsWith("put"));
    }

    @Test
    void aConnectionReplacedOnThisGatewayBeforeTheDelayLeavesTheWriteToItsSuccessor() {
        presence.start(vertx, NEVER_DURING_A_TEST);
        ClientSession first = connected("c1");
        presence.update(first);
        ClientSession second = connected("c1"); // the same client id again: a takeover here
        second.putSubscription("a/b", 0, 0);
        presence.update(second);

        presence.flush();

        assertThat(writes).containsExactly("put [a/b:0]");
    }

    @Test
    void theTimerWritesAChangeWithinTheDelay() throws InterruptedException {
        presence.start(vertx, Duration.ofMillis(50));
        presence.update(connected("c1"));

        for (int i = 0; i < 100 && writes.isEmpty(); i++) {
            Thread.sleep(50);
        }
        assertThat(writes).containsExactly("put []");
    }

    @Test
    void aDelayOfZeroWritesEveryChangeAtOnce() {
        presence.start(vertx, Duration.ZERO);
        ClientSession session = connected("c1");
        presence.update(session);
        session.putSubscription("a/b", 2, 0);
        presence.update(session);

        assertThat(writes).containsExactly("put []", "put [a/b:2]");
    }

    private ClientSession connected(String clientId) {
        ClientSession session = new ClientSession(clientId, "u1", ENDPOINT, null,
                Permissions.resolve(true, List.of(), "u1", clientId, false), null);
        sessions.register(session);
        return session;
    }
}
