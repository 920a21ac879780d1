package io.kmqtt.core.session;

import io.kmqtt.core.bus.GatewayHeartbeat;
import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.InMemoryMessageBus;
import io.kmqtt.core.bus.RouteChange;
import io.kmqtt.core.bus.ShardListener;
import io.kmqtt.core.bus.ShardMessage;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.routing.GatewayLiveness;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.InMemoryTable;
import io.kmqtt.core.state.SessionRecord;
import io.kmqtt.core.state.WillRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class OrphanedWillsTest {

    private static final long EXPIRY = 10_000;

    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final GatewayLiveness liveness = new GatewayLiveness(EXPIRY, clock::get);
    private final InMemoryMessageBus bus = new InMemoryMessageBus();
    private final InMemoryTable sessionTable = new InMemoryTable(ClusterTable.SESSIONS);
    private final OfflineSessions sessions = new OfflineSessions(sessionTable, new InMemorySessionInbox(clock::get),
            liveness, 10, clock::get);
    private final InMemoryTable willTable = new InMemoryTable(ClusterTable.WILLS);
    private final OrphanedWills wills = new OrphanedWills(willTable, bus, liveness, sessions, clock::get);
    private final List<Envelope> published = new CopyOnWriteArrayList<>();
    private final GatewayRef gw1 = new GatewayRef("gw-1", "inc-1");
    private final GatewayRef gw2 = new GatewayRef("gw-2", "inc-1");

    @BeforeEach
    void setUp() {
        sessionTable.follow(sessions);
        willTable.follow(wills);
        bus.consumeShards(new Recorder());
        heartbeat(gw1);
        heartbeat(gw2);
    }

    @AfterEach
    void tearDown() {
        bus.close();
    }

    @Test
    void theWillOfALiveGatewaysClientIsLeftToThatGateway() {
        put("c", gw1, 0, "gone");
        assertThat(wills.publishDue(Set.of(0), 1)).isZero();
        assertThat(published).isEmpty();
        assertThat(wills.willCount()).isEqualTo(1);
    }

    @Test
    void theWillOfADeadGatewaysClientIsPublishedOnceWithFreshTimestampsAndRemoved() {
        put("c", gw1, 0, "gone");
        clock.addAndGet(EXPIRY + 1);
        heartbeat(gw2);
        assertThat(wills.publishDue(Set.of(0), 1)).isEqualTo(1);
        assertThat(published).extracting(e -> text(e.payload())).containsExactly("gone");
        Envelope will = published.get(0);
        assertThat(will.createdAtMillis()).isEqualTo(clock.get());
        assertThat(will.expiryAtMillis()).as("the 60 s Message Expiry Interval counts from now").isEqualTo(clock.get() + 60_000);
        assertThat(will.publisherId()).isEqualTo("c");
        assertThat(wills.willCount()).as("removed from the table once published").isZero();
        assertThat(wills.publishDue(Set.of(0), 1)).isZero();
        assertThat(published).hasSize(1);
    }

    @Test
    void onlyTheRouterOwningTheClientsShardPublishes() {
        put("c", gw1, 0, "gone");
        clock.addAndGet(EXPIRY + 1);
        int shard = Math.floorMod("c".hashCode(), 4);
        assertThat(wills.publishDue(Set.of((shard + 1) % 4, (shard + 2) % 4), 4)).isZero();
        assertThat(published).isEmpty();
        assertThat(wills.publishDue(Set.of(shard), 4)).isEqualTo(1);
        assertThat(published).hasSize(1);
    }

    @Test
    void aDelayedWillWaitsItsDelayFromWhenTheGatewayWasFoundDead() {
        put("c", gw1, 30, "late");
        clock.addAndGet(EXPIRY + 1);
        assertThat(wills.publishDue(Set.of(0), 1)).isZero();
        clock.addAndGet(29_000);
        assertThat(wills.publishDue(Set.of(0), 1)).isZero();
        clock.addAndGet(1_000);
        assertThat(wills.publishDue(Set.of(0), 1)).isEqualTo(1);
        assertThat(published).extracting(e -> text(e.payload())).containsExactly("late");
    }

    @Test
    void aDelayedWillIsCancelledWhenItsSessionResumedOnALiveGateway() {
        put("c", gw1, 30, "late");
        clock.addAndGet(EXPIRY + 1);
        heartbeat(gw2);
        sessionTable.put("c", new SessionRecord("c", gw2.id(), gw2.incarnation(), true, 60, 0, Map.of("a/#", 1)).encode());
        assertThat(wills.publishDue(Set.of(0), 1)).as("cancelled").isEqualTo(1);
        assertThat(wills.cancelled()).isEqualTo(1);
        assertThat(wills.willCount()).isZero();
        clock.addAndGet(60_000);
        assertThat(wills.publishDue(Set.of(0), 1)).isZero();
        assertThat(published).isEmpty();
    }

    @Test
    void aRestartedGatewayIsNotTheIncarnationThatHeldTheWill() {
        put("c", gw1, 0, "gone");
        GatewayRef restarted = new GatewayRef("gw-1", "inc-2");
        heartbeat(restarted);
        assertThat(wills.publishDue(Set.of(0), 1)).as("the old incarnation's grace period").isZero();
        clock.addAndGet(EXPIRY + 1);
        heartbeat(restarted);
        assertThat(wills.publishDue(Set.of(0), 1)).isEqualTo(1);
        assertThat(published).hasSize(1);
    }

    @Test
    void aWillTakenOverByTheRestartedGatewayIsItsToPublish() {
        put("c", gw1, 0, "old");
        GatewayRef restarted = new GatewayRef("gw-1", "inc-2");
        put("c", restarted, 0, "new"); // same key: the client connected to the restarted gateway
        clock.addAndGet(EXPIRY + 1);
        heartbeat(restarted);
        assertThat(wills.publishDue(Set.of(0), 1)).isZero();
        assertThat(published).isEmpty();
        assertThat(wills.willCount()).isEqualTo(1);
    }

    private void put(String clientId, GatewayRef owner, long delaySeconds, String payload) {
        long now = clock.get();
        Envelope will = new Envelope("wills/" + clientId, payload.getBytes(StandardCharsets.UTF_8), 1, false, clientId,
                owner.id(), now - 5_000, now - 5_000 + 60_000, null);
        WillRecord record = new WillRecord(clientId, owner, delaySeconds, will);
        willTable.put(record.key(), record.encode());
    }

    private void heartbeat(GatewayRef gateway) {
        liveness.onHeartbeat(new GatewayHeartbeat(gateway, clock.get(), false));
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Stands in for the router: records what reaches the bus's shard. */
    private final class Recorder implements ShardListener {
        @Override
        public void onShardAssigned(int shard) {
        }

        @Override
        public void onRoute(int shard, RouteChange change) {
        }

        @Override
        public CompletionStage<Void> onMessage(ShardMessage message) {
            published.add(message.message());
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> onShareMessage(ShardMessage message, String group, String filter) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onShardRevoked(int shard) {
        }
    }
}
