package io.kmqtt.core.routing;

import io.kmqtt.core.bus.DeliveryListener;
import io.kmqtt.core.bus.GatewayHeartbeat;
import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.InMemoryMessageBus;
import io.kmqtt.core.bus.RouteChange;
import io.kmqtt.core.bus.ShardListener;
import io.kmqtt.core.bus.ShardMessage;
import io.kmqtt.core.message.Envelope;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RouterTest {

    private static final long EXPIRY = 10_000;

    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final InMemoryMessageBus bus = new InMemoryMessageBus();
    private final GatewayLiveness liveness = new GatewayLiveness(EXPIRY, clock::get);
    private final Router router = new Router(bus, liveness);
    private final GatewayRef gw1 = new GatewayRef("gw-1", "inc-1");
    private final GatewayRef gw2 = new GatewayRef("gw-2", "inc-1");
    private final List<String> deliveredToGw1 = new CopyOnWriteArrayList<>();
    private final List<String> deliveredToGw2 = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        bus.consumeHeartbeats(liveness);
        bus.consumeShards(router);
        bus.consumeDeliveries(gw1, collect(deliveredToGw1));
        bus.consumeDeliveries(gw2, collect(deliveredToGw2));
        heartbeat(gw1);
        heartbeat(gw2);
    }

    private static DeliveryListener collect(List<String> into) {
        return deliveries -> {
            deliveries.forEach(d -> into.add(d.message().topic()));
            return CompletableFuture.completedFuture(null);
        };
    }

    private void heartbeat(GatewayRef gw) {
        bus.heartbeat(new GatewayHeartbeat(gw, clock.get(), false));
    }

    /** Publishes; the memory bus routes and delivers before it returns. */
    private void publish(String topic) {
        bus.publish(Envelope.of(topic, new byte[0], 1, false, "pub"));
    }

    @Test
    void oneDeliveryPerGatewayEvenWhenSeveralOfItsFiltersMatch() {
        bus.announceRoute(RouteChange.add(gw1, "a/b"));
        bus.announceRoute(RouteChange.add(gw1, "a/+"));
        bus.announceRoute(RouteChange.add(gw1, "#"));
        bus.announceRoute(RouteChange.add(gw2, "a/#"));

        publish("a/b");
        publish("x");

        assertThat(deliveredToGw1).containsExactly("a/b", "x");
        assertThat(deliveredToGw2).containsExactly("a/b");
        assertThat(router.messagesWithoutRoute()).isZero();
    }

    @Test
    void messagesWithoutRouteAreCounted() {
        publish("nobody/listens");
        assertThat(router.messagesWithoutRoute()).isEqualTo(1);
    }

    @Test
    void aSilentGatewayGetsNoDeliveriesAndItsRoutesAreSweptFromTheDurableTable() {
        bus.announceRoute(RouteChange.add(gw1, "a/+"));
        bus.announceRoute(RouteChange.add(gw2, "a/b"));

        clock.addAndGet(EXPIRY + 1);
        heartbeat(gw2); // gw-2 still alive, gw-1 silent

        publish("a/b");
        assertThat(deliveredToGw1).isEmpty();
        assertThat(deliveredToGw2).containsExactly("a/b");

        assertThat(router.sweepDeadGateways()).isEqualTo(1);
        assertThat(router.routeCount()).isEqualTo(1);

        // A router that takes the shard over now rebuilds it from the durable table: gw-1's route is gone.
        List<RouteChange> replayed = new ArrayList<>();
        bus.close();
        bus.consumeShards(recording(replayed));
        assertThat(replayed).extracting(RouteChange::filter).containsExactly("a/b");
    }

    @Test
    void aNewIncarnationReplacesTheOldOneAfterItsGracePeriod() {
        GatewayRef restarted = new GatewayRef("gw-1", "inc-2");
        bus.announceRoute(RouteChange.add(gw1, "old/route"));
        heartbeat(restarted);
        bus.announceRoute(RouteChange.add(restarted, "new/route"));

        assertThat(router.sweepDeadGateways()).as("old incarnation still in its grace period").isZero();
        clock.addAndGet(EXPIRY + 1);
        heartbeat(restarted);
        heartbeat(gw2);
        assertThat(router.sweepDeadGateways()).isEqualTo(1);

        publish("old/route");
        publish("new/route");
        assertThat(deliveredToGw1).containsExactly("new/route");
    }

    @Test
    void aLeavingGatewayIsDeadAtOnce() {
        bus.announceRoute(RouteChange.add(gw1, "a"));
        bus.heartbeat(new GatewayHeartbeat(gw1, clock.get(), true));
        publish("a");
        assertThat(deliveredToGw1).isEmpty();
        assertThat(router.sweepDeadGateways()).isEqualTo(1);
    }

    @Test
    void routesOfUnknownIncarnationsAreHonouredDuringTheGracePeriod() {
        GatewayRef early = new GatewayRef("gw-3", "inc-1");
        List<String> delivered = new CopyOnWriteArrayList<>();
        bus.consumeDeliveries(early, collect(delivered));
        bus.announceRoute(RouteChange.add(early, "early"));
        publish("early");
        assertThat(delivered).containsExactly("early");
        clock.addAndGet(EXPIRY + 1);
        publish("early");
        assertThat(delivered).hasSize(1);
    }

    @Test
    void aMessageForOneShareReachesOnlyThatGroup() throws Exception {
        List<String> shared = new CopyOnWriteArrayList<>();
        GatewayRef gw3 = new GatewayRef("gw-3", "inc-1");
        bus.consumeDeliveries(gw3, deliveries -> {
            deliveries.forEach(d -> shared.add(d.isShared()
                    ? d.group() + " " + d.filter() + " " + new String(d.message().payload())
                    : "plain " + d.message().topic()));
            return CompletableFuture.completedFuture(null);
        });
        heartbeat(gw3);
        bus.announceRoute(RouteChange.add(gw3, "$share/g/a/#"));
        bus.announceRoute(RouteChange.add(gw3, "$share/h/a/#"));
        bus.announceRoute(RouteChange.add(gw3, "a/b"));
        bus.publishToShare("g", "a/#", Envelope.of("a/b", "again".getBytes(), 1, false, "p"));
        assertThat(shared).containsExactly("g a/# again");
    }

    @Test
    void onTheMemoryBusAPublishIsDoneOnlyWhenTheGatewayHasTakenItsDelivery() {
        CompletableFuture<Void> room = new CompletableFuture<>();
        GatewayRef full = new GatewayRef("gw-full", "inc-1");
        bus.consumeDeliveries(full, deliveries -> room);
        heartbeat(full);
        bus.announceRoute(RouteChange.add(full, "busy/topic"));

        CompletableFuture<Void> published = bus.publish(Envelope.of("busy/topic", new byte[0], 1, false, "p"))
                .toCompletableFuture();
        assertThat(published).as("the subscriber has no room yet").isNotDone();
        room.complete(null);
        assertThat(published).isDone();
    }

    private static ShardListener recording(List<RouteChange> into) {
        return new ShardListener() {
            @Override
            public void onShardAssigned(int shard) {
            }

            @Override
            public void onRoute(int shard, RouteChange change) {
                into.add(change);
            }

            @Override
            public CompletionStage<Void> onMessage(ShardMessage message) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletionStage<Void> onShareMessage(ShardMessage message, String group, String filter) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public void onShardRevoked(int shard) {
            }
        };
    }
}
