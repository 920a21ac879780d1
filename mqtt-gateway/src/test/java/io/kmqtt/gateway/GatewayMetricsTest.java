package io.kmqtt.gateway;

import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.InMemoryMessageBus;
import io.kmqtt.gateway.GatewayMetrics.DropReason;
import io.kmqtt.gateway.session.LocalSubscriptions;
import io.kmqtt.gateway.session.SessionRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class GatewayMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    // Held here: a gauge keeps only a weak reference to what it reads, and a collected one reads NaN.
    private final SessionRegistry sessions = new SessionRegistry();
    private final LocalSubscriptions subscriptions = new LocalSubscriptions(new InMemoryMessageBus(),
            new GatewayRef("gw-test", "1"));
    private final GatewayMetrics metrics = new GatewayMetrics(registry, sessions, subscriptions);

    @Test
    void aDeliveryCountsThePacketItsBytesAndItsLatencySinceTheGatewayAcceptedIt() {
        metrics.delivered(100, 1_000, 1_250);
        metrics.delivered(50, 2_000, 1_990); // another gateway's clock ahead of ours: never negative

        assertThat(registry.get("mqtt.deliveries").counter().count()).isEqualTo(2);
        assertThat(registry.get("mqtt.bytes.out").counter().count()).isEqualTo(150);
        Timer latency = registry.get("mqtt.delivery.latency").timer();
        assertThat(latency.count()).isEqualTo(2);
        assertThat(latency.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(250);
        assertThat(latency.max(TimeUnit.MILLISECONDS)).isEqualTo(250);
    }

    @Test
    void aPacketOverTheSizeLimitIsCountedAsTooLargeAndOtherConnectionErrorsAreNot() {
        assertThat(metrics.connectionError(new DecoderException(new TooLongFrameException("too large message: 300000 bytes"))))
                .isTrue();
        assertThat(metrics.connectionError(new TooLongFrameException("too large"))).isTrue();
        assertThat(metrics.connectionError(new IOException("Connection reset by peer"))).isFalse();

        assertThat(registry.get("mqtt.messages.dropped").tag("reason", "too_large").counter().count()).isEqualTo(2);
    }

    @Test
    void everyDropReasonHasItsCounterFromTheStart() {
        for (DropReason reason : DropReason.values()) {
            assertThat(registry.get("mqtt.messages.dropped").tag("reason", reason.name().toLowerCase()).counter().count())
                    .isZero();
        }
        assertThat(registry.get("mqtt.messages.inflight").gauge().value()).isZero();
        assertThat(registry.get("mqtt.messages.queued").gauge().value()).isZero();
    }
}
