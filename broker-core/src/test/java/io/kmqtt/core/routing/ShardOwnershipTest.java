package io.kmqtt.core.routing;

import io.kmqtt.core.bus.RouterHeartbeat;
import io.kmqtt.core.bus.ShardConsumer;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ShardOwnershipTest {

    private static final int SHARDS = 12;
    private static final long EXPIRY = 3_000;

    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final RouterLiveness liveness = new RouterLiveness(EXPIRY, clock::get);

    /** Stands in for the bus: own and release take effect at once, and what is owned is routed. */
    private static final class FakeConsumer implements ShardConsumer {
        final Set<Integer> owned = new TreeSet<>();

        @Override
        public void own(int shard) {
            owned.add(shard);
        }

        @Override
        public void release(int shard) {
            owned.remove(shard);
        }

        @Override
        public Set<Integer> owned() {
            return Set.copyOf(owned);
        }

        @Override
        public Set<Integer> routing() {
            return Set.copyOf(owned);
        }

        @Override
        public void close() {
        }
    }

    private void beat(String router, FakeConsumer consumer, boolean leaving) {
        liveness.accept(new RouterHeartbeat(router, "inc", clock.get(), leaving, consumer.routing()));
    }

    @Test
    void waitsOneExpiryBeforeTakingShardsSoThatReplayedHeartbeatsOfDeadRoutersGoStale() {
        FakeConsumer mine = new FakeConsumer();
        ShardOwnership ownership = new ShardOwnership("r-1", SHARDS, mine, liveness, clock::get, EXPIRY);
        liveness.accept(new RouterHeartbeat("r-dead", "inc", 0, false, Set.of(0, 1, 2))); // replayed from the log
        ownership.tick();
        assertThat(mine.owned).isEmpty();
        clock.addAndGet(EXPIRY + 1);
        ownership.tick();
        assertThat(mine.owned).hasSize(SHARDS);
    }

    @Test
    void twoRoutersSplitTheShardsAndTheFirstHandsOverOnlyOnceTheSecondRoutesThem() {
        FakeConsumer first = new FakeConsumer();
        FakeConsumer second = new FakeConsumer();
        ShardOwnership one = new ShardOwnership("r-1", SHARDS, first, liveness, clock::get, 0);
        one.tick();
        assertThat(first.owned).hasSize(SHARDS);

        ShardOwnership two = new ShardOwnership("r-2", SHARDS, second, liveness, clock::get, 0);
        beat("r-1", first, false);
        two.tick();
        assertThat(second.owned).hasSize(SHARDS / 2);

        beat("r-2", new FakeConsumer(), false); // r-2 is alive but routes nothing yet
        one.tick();
        assertThat(first.owned).as("no gap: r-1 keeps routing until r-2 does").hasSize(SHARDS);

        beat("r-2", second, false);
        one.tick();
        assertThat(first.owned).hasSize(SHARDS / 2);
        Set<Integer> union = new HashSet<>(first.owned);
        union.addAll(second.owned);
        assertThat(union).hasSize(SHARDS);
        assertThat(first.owned).doesNotContainAnyElementsOf(second.owned);
    }

    @Test
    void aRouterThatStopsHeartbeatingLosesItsShardsAfterTheExpiry() {
        FakeConsumer first = new FakeConsumer();
        FakeConsumer second = new FakeConsumer();
        ShardOwnership one = new ShardOwnership("r-1", SHARDS, first, liveness, clock::get, 0);
        ShardOwnership two = new ShardOwnership("r-2", SHARDS, second, liveness, clock::get, 0);
        beat("r-1", first, false);
        beat("r-2", second, false);
        one.tick();
        two.tick();
        beat("r-1", first, false);
        beat("r-2", second, false);
        one.tick();
        two.tick();
        assertThat(second.owned).hasSize(SHARDS / 2);

        clock.addAndGet(EXPIRY - 1); // r-1 is killed: r-2 goes on heartbeating
        beat("r-2", second, false);
        two.tick();
        assertThat(second.owned).as("r-1 is not yet overdue").hasSize(SHARDS / 2);
        clock.addAndGet(2);
        beat("r-2", second, false);
        two.tick();
        assertThat(second.owned).hasSize(SHARDS);
    }

    @Test
    void aLeavingRouterTakesNothingAndHandsEachShardOverWhenItsNewOwnerRoutesIt() {
        FakeConsumer first = new FakeConsumer();
        FakeConsumer second = new FakeConsumer();
        ShardOwnership one = new ShardOwnership("r-1", SHARDS, first, liveness, clock::get, 0);
        ShardOwnership two = new ShardOwnership("r-2", SHARDS, second, liveness, clock::get, 0);
        for (int i = 0; i < 2; i++) {
            beat("r-1", first, false);
            beat("r-2", second, false);
            one.tick();
            two.tick();
        }
        one.leave();
        assertThat(first.owned).as("keeps routing until r-2 does").hasSize(SHARDS / 2);
        assertThat(one.handedOver()).isFalse();
        beat("r-1", first, true);
        two.tick();
        assertThat(second.owned).hasSize(SHARDS);
        beat("r-2", second, false);
        one.tick();
        assertThat(one.handedOver()).isTrue();
    }

    @Test
    void theLastRouterLeavingKeepsRoutingForLackOfAnyoneToHandOverTo() {
        FakeConsumer only = new FakeConsumer();
        ShardOwnership one = new ShardOwnership("r-1", SHARDS, only, liveness, clock::get, 0);
        one.tick();
        one.leave();
        assertThat(only.owned).hasSize(SHARDS);
        assertThat(one.handedOver()).isFalse();
        assertThat(List.copyOf(only.owned)).hasSize(SHARDS);
    }
}
