package io.kmqtt.gateway;

import io.kmqtt.gateway.session.LocalSubscriptions;
import io.kmqtt.gateway.session.SessionRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/** The gateway's Prometheus metrics. Counters are created once; the hot path only increments. */
@ApplicationScoped
public class GatewayMetrics {

    public enum DropReason { QUEUE_FULL, EXPIRED, NO_SUBSCRIBERS, BUS_UNAVAILABLE, INVALID_TOPIC, ACL_DENIED }

    public enum AuthResult { SUCCESS, BAD_CREDENTIALS, NOT_AUTHORIZED, UNAVAILABLE }

    private final Counter connects;
    private final Counter messagesIn;
    private final Counter bytesIn;
    private final Counter messagesOut;
    private final Map<DropReason, Counter> dropped = new EnumMap<>(DropReason.class);
    private final Map<AuthResult, Counter> auth = new EnumMap<>(AuthResult.class);

    @Inject
    public GatewayMetrics(MeterRegistry registry, SessionRegistry sessions, LocalSubscriptions subscriptions) {
        connects = registry.counter("mqtt.connects");
        messagesIn = registry.counter("mqtt.messages.in");
        bytesIn = registry.counter("mqtt.bytes.in");
        messagesOut = registry.counter("mqtt.messages.out");
        for (DropReason reason : DropReason.values()) {
            dropped.put(reason, registry.counter("mqtt.messages.dropped", "reason", reason.name().toLowerCase(Locale.ROOT)));
        }
        for (AuthResult result : AuthResult.values()) {
            auth.put(result, registry.counter("mqtt.auth", "result", result.name().toLowerCase(Locale.ROOT)));
        }
        Gauge.builder("mqtt.connections", sessions, SessionRegistry::size).register(registry);
        Gauge.builder("mqtt.subscription.filters", subscriptions, LocalSubscriptions::filterCount).register(registry);
    }

    public void connected() {
        connects.increment();
    }

    public void messageIn(int payloadBytes) {
        messagesIn.increment();
        bytesIn.increment(payloadBytes);
    }

    public void messagesOut(int count) {
        if (count > 0) {
            messagesOut.increment(count);
        }
    }

    public void authenticated(AuthResult result) {
        auth.get(result).increment();
    }

    public void dropped(DropReason reason, int count) {
        dropped.get(reason).increment(count);
    }
}
