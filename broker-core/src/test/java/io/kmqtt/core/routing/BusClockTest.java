package io.kmqtt.core.routing;

import io.kmqtt.core.bus.GatewayHeartbeat;
import io.kmqtt.core.bus.GatewayRef;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class BusClockTest {

    private final AtomicLong wall = new AtomicLong(1_000_000);
    private final BusClock clock = new BusClock(wall::get, 1_000);

    @Test
    void runsWithTheWallClockWhileEchoesArrive() {
        for (int i = 0; i < 10; i++) {
            wall.addAndGet(500);
            clock.echo();
        }
        assertThat(clock.getAsLong()).isEqualTo(1_005_000);
        assertThat(clock.stoppedMillis()).isZero();
    }

    @Test
    void standsStillOnceAnEchoIsLateAndRunsOnFromThereWhenEchoesResume() {
        clock.echo();
        wall.addAndGet(15_000); // the bus stalls for 15 s
        assertThat(clock.getAsLong()).as("stopped after the tolerance").isEqualTo(1_001_000);
        clock.echo();
        assertThat(clock.getAsLong()).isEqualTo(1_001_000);
        wall.addAndGet(300);
        assertThat(clock.getAsLong()).isEqualTo(1_001_300);
        assertThat(clock.stoppedMillis()).isEqualTo(14_000);
    }

    @Test
    void aGatewayThatHeartbeatedBeforeAStallIsNotDeadAfterIt() {
        GatewayLiveness liveness = new GatewayLiveness(4_000, clock);
        GatewayRef gw = new GatewayRef("gw-1", "inc-1");
        liveness.onHeartbeat(new GatewayHeartbeat(gw, wall.get(), false));
        clock.echo();
        wall.addAndGet(15_000);
        assertThat(liveness.isAlive(gw)).as("during the stall").isTrue();
        clock.echo();
        wall.addAndGet(500);
        assertThat(liveness.isAlive(gw)).as("just after it").isTrue();
        for (int i = 0; i < 8; i++) { // the bus flows again, but the gateway stays silent: it died
            wall.addAndGet(500);
            clock.echo();
        }
        assertThat(liveness.isAlive(gw)).as("silent for an expiry of running time").isFalse();
    }
}
