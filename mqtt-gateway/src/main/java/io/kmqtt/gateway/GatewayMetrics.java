package io.kmqtt.gateway;

import io.kmqtt.gateway.session.ClientSession;
import io.kmqtt.gateway.session.LocalSubscriptions;
import io.kmqtt.gateway.session.SessionRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.codec.TooLongFrameException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's Prometheus metrics. Every meter is created here, once; the hot path only
 * increments counters it holds in fields (or in enum-keyed arrays), and the gauges over all
 * sessions are computed when Prometheus scrapes, not per message.
 */
@ApplicationScoped
public class GatewayMetrics {

    public enum DropReason { QUEUE_FULL, EXPIRED, TOO_LARGE, NO_SUBSCRIBERS, BUS_UNAVAILABLE, INVALID_TOPIC, ACL_DENIED,
        /** the session store (Redis) refused a message for a disconnected persistent session */
        STORE_UNAVAILABLE,
        /** a client more than mqtt.max-behind-messages behind its gateway's delivery channel: the oldest are dropped */
        BACKLOG_FULL }

    public enum AuthResult { SUCCESS, BAD_CREDENTIALS, NOT_AUTHORIZED, UNAVAILABLE }

    /** The waits of a CONNECT between its arrival and its CONNACK. */
    public enum ConnectStage {
        /** from the TCP accept to the decoded CONNECT (the client's send, a PROXY header, the event loop's turn) */
        WIRE,
        /** the credential store's answer (auth-service, Redis or the users file) */
        AUTH,
        /** the TAKEOVER announcement's write to the bus, which CONNACK waits for */
        ANNOUNCE }

    private final Counter connects;
    private final Counter messagesIn;
    private final Counter bytesIn;
    private final Counter messagesOut;
    private final Counter deliveries;
    private final Counter bytesOut;
    private final Timer deliveryLatency;
    private final Map<DropReason, Counter> dropped = new EnumMap<>(DropReason.class);
    private final Map<AuthResult, Counter> auth = new EnumMap<>(AuthResult.class);
    private final Map<ConnectStage, Timer> connectStages = new EnumMap<>(ConnectStage.class);

    @Inject
    public GatewayMetrics(MeterRegistry registry, SessionRegistry sessions, LocalSubscriptions subscriptions) {
        connects = registry.counter("mqtt.connects");
        messagesIn = registry.counter("mqtt.messages.in");
        bytesIn = registry.counter("mqtt.bytes.in");
        messagesOut = registry.counter("mqtt.messages.out");
        deliveries = Counter.builder("mqtt.deliveries")
                .description("PUBLISH packets written to subscribers").register(registry);
        bytesOut = Counter.builder("mqtt.bytes.out")
                .description("payload bytes of the PUBLISH packets written to subscribers").register(registry);
        // Publish-to-delivery latency: from the publishing gateway's accept time (Envelope.createdAtMillis)
        // to the write on the subscriber's connection. Across gateways it includes their clock skew.
        deliveryLatency = Timer.builder("mqtt.delivery.latency")
                .description("time from a PUBLISH accepted by a gateway to its write to a subscriber")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        for (DropReason reason : DropReason.values()) {
            dropped.put(reason, registry.counter("mqtt.messages.dropped", "reason", reason.name().toLowerCase(Locale.ROOT)));
        }
        for (AuthResult result : AuthResult.values()) {
            auth.put(result, registry.counter("mqtt.auth", "result", result.name().toLowerCase(Locale.ROOT)));
        }
        for (ConnectStage stage : ConnectStage.values()) {
            connectStages.put(stage, Timer.builder("mqtt.connect.stage")
                    .description("how long a CONNECT waited at one stage before its CONNACK")
                    .tag("stage", stage.name().toLowerCase(Locale.ROOT))
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(30))
                    .register(registry));
        }
        Gauge.builder("mqtt.connections", sessions, SessionRegistry::size).register(registry);
        Gauge.builder("mqtt.subscription.filters", subscriptions, LocalSubscriptions::filterCount).register(registry);
        Gauge.builder("mqtt.subscriptions", sessions, GatewayMetrics::subscriptionCount)
                .description("subscriptions of the connected sessions").register(registry);
        Gauge.builder("mqtt.messages.inflight", sessions, GatewayMetrics::inflightCount)
                .description("QoS 1 and 2 messages sent to subscribers and not yet acknowledged").register(registry);
        Gauge.builder("mqtt.messages.queued", sessions, GatewayMetrics::queuedCount)
                .description("messages waiting behind the sessions' in-flight windows").register(registry);
    }

    public void connected() {
        connects.increment();
    }

    public void messageIn(int payloadBytes) {
        messagesIn.increment();
        bytesIn.increment(payloadBytes);
    }

    /** Messages handed to sessions by the dispatcher (before queueing; drops after this are counted apart). */
    public void messagesOut(int count) {
        if (count > 0) {
            messagesOut.increment(count);
        }
    }

    /** One PUBLISH written to a subscriber: its payload size and the message's accept time at its gateway. */
    public void delivered(int payloadBytes, long createdAtMillis, long nowMillis) {
        deliveries.increment();
        bytesOut.increment(payloadBytes);
        deliveryLatency.record(Math.max(0, nowMillis - createdAtMillis), TimeUnit.MILLISECONDS);
    }

    public void authenticated(AuthResult result) {
        auth.get(result).increment();
    }

    /** A CONNECT waited this long at one stage: started at {@code startNanos} (System.nanoTime()), ended now. */
    public void connectStage(ConnectStage stage, long startNanos) {
        connectStages.get(stage).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    public void dropped(DropReason reason, int count) {
        dropped.get(reason).increment(count);
    }

    /**
     * Counts what a connection error says about a packet. Vert.x reports a packet over
     * {@code mqtt.max-message-size} (Netty's decoder fails with {@link TooLongFrameException}) only to
     * the exception handlers of the server (before CONNECT) and of the endpoint, so this must be
     * called from both; MQTT 5 clients are told the limit in CONNACK and do not send such packets.
     *
     * @return true if the error was a refused packet and was counted
     */
    public boolean connectionError(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TooLongFrameException) {
                dropped.get(DropReason.TOO_LARGE).increment();
                return true;
            }
        }
        return false;
    }

    private static double inflightCount(SessionRegistry sessions) {
        long sum = 0;
        for (ClientSession s : sessions.all()) {
            sum += s.outbound().inflightCount();
        }
        return sum;
    }

    private static double queuedCount(SessionRegistry sessions) {
        long sum = 0;
        for (ClientSession s : sessions.all()) {
            sum += s.outbound().queueLength();
        }
        return sum;
    }

    private static double subscriptionCount(SessionRegistry sessions) {
        long sum = 0;
        for (ClientSession s : sessions.all()) {
            sum += s.subscriptions().size();
        }
        return sum;
    }
}
