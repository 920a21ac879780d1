package io.kmqtt.core.session;

import io.kmqtt.core.bus.GatewayHeartbeat;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.routing.GatewayLiveness;
import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.InMemoryTable;
import io.kmqtt.core.state.SessionRecord;
import io.kmqtt.core.topic.SubscriptionOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class OfflineSessionsTest {

    private static final long EXPIRY = 10_000;

    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final GatewayLiveness liveness = new GatewayLiveness(EXPIRY, clock::get);
    private final InMemorySessionInbox inbox = new InMemorySessionInbox(clock::get);
    private final InMemoryTable table = new InMemoryTable(ClusterTable.SESSIONS);
    private final OfflineSessions sessions = new OfflineSessions(table, inbox, liveness, 3, clock::get);
    private final GatewayRef gw1 = new GatewayRef("gw-1", "inc-1");

    @BeforeEach
    void setUp() {
        table.follow(sessions);
        liveness.onHeartbeat(new GatewayHeartbeat(gw1, clock.get(), false));
    }

    @Test
    void aSessionWhoseOwnerGetsTheMessageIsLeftToIt() {
        save("c", gw1, true, Map.of("a/#", 1));
        assertThat(sessions.route(msg("a/b", 1), List.of("gw-1"))).isNull();
        assertThat(queued("c")).isEmpty();
    }

    @Test
    void aSessionWhoseOwnerIsDeadIsQueuedFor() {
        save("c", gw1, true, Map.of("a/#", 2));
        clock.addAndGet(EXPIRY + 1);
        sessions.route(msg("a/b", 1), List.of()).toCompletableFuture().join();
        List<PendingMessage> q = queued("c");
        assertThat(q).hasSize(1);
        assertThat(q.get(0).qos()).as("min(published, subscribed)").isEqualTo(1);
        assertThat(q.get(0).packetId()).isZero();
    }

    @Test
    void aLiveOwnerWhoseRouteHasNotArrivedDoesNotLoseTheMessage() {
        save("c", gw1, true, Map.of("a/#", 1));
        sessions.route(msg("a/b", 1), List.of("gw-2")).toCompletableFuture().join();
        assertThat(queued("c")).hasSize(1);
    }

    @Test
    void aRestartedOwnerIsNotTheIncarnationThatHeldTheSession() {
        save("c", gw1, true, Map.of("a/#", 1));
        liveness.onHeartbeat(new GatewayHeartbeat(new GatewayRef("gw-1", "inc-2"), clock.get(), false));
        sessions.route(msg("a/b", 1), List.of("gw-1")).toCompletableFuture().join();
        assertThat(queued("c")).hasSize(1);
    }

    @Test
    void qos0NoLocalAndSharedSubscriptionsAreNotQueued() {
        save("c", gw1, false, Map.of("a/#", 1, "$share/g/a/b", 1,
                "a/+", SubscriptionOptions.of(1, true, false, 0)));
        clock.addAndGet(EXPIRY + 1);
        assertThat(sessions.route(msg("a/b", 0), List.of())).isNull();
        assertThat(sessions.route(Envelope.of("x/y", new byte[1], 1, false, "c"), List.of())).isNull();
        sessions.route(Envelope.of("a/b", bytes("own"), 1, false, "c"), List.of()).toCompletableFuture().join();
        assertThat(queued("c")).as("a/# still matches; a/+ has No Local; sent once").hasSize(1);
    }

    @Test
    void theQueueIsBoundedAndDropsAreCounted() {
        save("c", gw1, false, Map.of("a/#", 1));
        clock.addAndGet(EXPIRY + 1);
        for (int i = 0; i < 5; i++) {
            sessions.route(msg("a/" + i, 1), List.of()).toCompletableFuture().join();
        }
        assertThat(queued("c")).extracting(p -> p.message().topic()).containsExactly("a/2", "a/3", "a/4");
        assertThat(sessions.dropped()).isEqualTo(2);
        assertThat(sessions.queued()).isEqualTo(5);
    }

    @Test
    void changedAndRemovedSessionsChangeWhatMatches() {
        save("c", gw1, false, Map.of("a/#", 1));
        save("c", gw1, false, Map.of("b/#", 1));
        clock.addAndGet(EXPIRY + 1);
        assertThat(sessions.route(msg("a/b", 1), List.of())).isNull();
        table.remove("c");
        assertThat(sessions.route(msg("b/c", 1), List.of())).isNull();
        assertThat(sessions.sessionCount()).isZero();
    }

    @Test
    void orphanedSessionsEndAtTheirExpiry() {
        long disconnectedAt = clock.get();
        table.put("gone", new SessionRecord("gone", "gw-1", "inc-1", false, 60, disconnectedAt, Map.of("a", 1)).encode());
        table.put("kept", new SessionRecord("kept", "gw-1", "inc-1", false, 600, disconnectedAt, Map.of("a", 1)).encode());
        clock.addAndGet(30_000);
        assertThat(sessions.expireOrphans()).as("its owner is dead but it has time left").isZero();
        clock.addAndGet(31_000);
        assertThat(sessions.expireOrphans()).isEqualTo(1);
        assertThat(sessions.sessionCount()).isEqualTo(1);
    }

    @Test
    void aSessionItsLiveOwnerHoldsIsTheOwnersToEnd() {
        save("c", gw1, false, Map.of("a", 1));
        clock.addAndGet(5_000);
        liveness.onHeartbeat(new GatewayHeartbeat(gw1, clock.get(), false));
        clock.addAndGet(5_000);
        assertThat(sessions.expireOrphans()).isZero();
    }

    private void save(String clientId, GatewayRef owner, boolean connected, Map<String, Integer> subs) {
        table.put(clientId, new SessionRecord(clientId, owner.id(), owner.incarnation(), connected, 1,
                connected ? 0 : clock.get(), subs).encode());
    }

    private List<PendingMessage> queued(String clientId) {
        return inbox.takeAll(clientId).toCompletableFuture().join();
    }

    private static Envelope msg(String topic, int qos) {
        return Envelope.of(topic, bytes(topic), qos, false, "publisher");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
