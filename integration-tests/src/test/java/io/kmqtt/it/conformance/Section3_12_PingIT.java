package io.kmqtt.it.conformance;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.kmqtt.it.conformance.Wire.ANSWER;
import static io.kmqtt.it.conformance.Wire.PINGREQ;
import static io.kmqtt.it.conformance.Wire.PINGRESP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 3.12 PINGREQ / 3.13 PINGRESP, and the Keep Alive they serve (3.1.2.10): the server
 * answers every PINGREQ, and closes a connection that stays silent for one and a half times its
 * Keep Alive.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Section3_12_PingIT {

    /**
     * Lateness allowed on top of 1.5 x Keep Alive for the close to reach the client: timer
     * granularity and scheduling on a busy machine.
     */
    private static final Duration SLACK = Duration.ofMillis(300);

    private static Broker broker;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start("3_12-ping");
        port = broker.port;
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    /** MQTT 3.1.1 [MQTT-3.12.4-1]: the server answers a PINGREQ with a PINGRESP (d0 00), every time. */
    @Test
    void mqtt_3_12_4_1_v311_pingreqIsAnsweredWithPingresp() throws Exception {
        try (Wire w = Wire.connect311(port, "ping-311")) {
            for (int i = 0; i < 3; i++) {
                w.send(PINGREQ);
                assertThat(w.expect(ANSWER).encoded()).containsExactly(0xD0, 0x00);
            }
        }
    }

    /** MQTT 5.0 [MQTT-3.12.4-1]: the same for an MQTT 5 connection. */
    @Test
    void mqtt_3_12_4_1_v5_pingreqIsAnsweredWithPingresp() throws Exception {
        try (Wire w = Wire.connect5(port, "ping-5")) {
            w.send(PINGREQ);
            assertThat(w.expect(ANSWER).encoded()).containsExactly(0xD0, 0x00);
        }
    }

    /**
     * MQTT 3.1.1 and 5.0 [MQTT-3.1.2-24] (same id in both): a client that sends nothing for one and
     * a half times its Keep Alive is disconnected as if the network had failed. Keep Alive 2 s
     * (1.5 x = 3 s), one MQTT 3.1.1 and one MQTT 5 connection watched at once; not closed before
     * the Keep Alive itself.
     */
    @Test
    void mqtt_3_1_2_24_silentClientIsDisconnectedAfterOneAndAHalfKeepAlives() throws Exception {
        try (Wire v311 = Wire.open311(port); Wire v5 = Wire.open5(port)) {
            v311.send(Wire.connect311("keepalive-2-311", true, 2));
            v5.send(Wire.connect5("keepalive-2-5", true, 2, new byte[0]));
            long connected = System.nanoTime();
            assertThat(v311.expect(Wire.CONNACK).returnCode()).isZero();
            assertThat(v5.expect(Wire.CONNACK).returnCode()).isZero();
            Duration limit = Duration.ofSeconds(3).plus(SLACK);
            CompletableFuture<Duration> closed311 = CompletableFuture.supplyAsync(() -> closedAfter(v311, connected, limit));
            CompletableFuture<Duration> closed5 = CompletableFuture.supplyAsync(() -> closedAfter(v5, connected, limit));
            for (var closed : List.of(closed311, closed5)) {
                Duration after = closed.get(10, TimeUnit.SECONDS);
                assertThat(after).as("closed within 3 s + %s (%s)", SLACK, closed == closed5 ? "MQTT 5" : "MQTT 3.1.1")
                        .isNotNull();
                assertThat(after).as("not before the Keep Alive").isGreaterThanOrEqualTo(Duration.ofSeconds(2));
            }
        }
    }

    /** When the broker closed the connection, counted from connected; null if not within limit. */
    private static Duration closedAfter(Wire w, long connected, Duration limit) {
        try {
            w.awaitClose(limit.minusNanos(System.nanoTime() - connected));
            return w.isClosed() ? Duration.ofNanos(System.nanoTime() - connected) : null;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.1.2-24] with Keep Alive 1 s: the server disconnects a client silent for
     * 1.5 s.
     */
    @Test
    void mqtt_3_1_2_24_v311_keepAliveOfOneSecondIsEnforcedAfterOneAndAHalfSeconds() throws Exception {
        try (Wire w = Wire.open311(port)) {
            w.send(Wire.connect311("keepalive-1", true, 1));
            long connected = System.nanoTime();
            assertThat(w.expect(Wire.CONNACK).returnCode()).isZero();
            w.awaitClose(Duration.ofMillis(1500).plus(SLACK).minusNanos(System.nanoTime() - connected));
            Duration after = Duration.ofNanos(System.nanoTime() - connected);
            assertThat(w.isClosed()).as("closed within 1.5 s + %s", SLACK).isTrue();
            assertThat(after).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-3.1.2-24] (and [MQTT-3.1.2-23], the client's side): any control packet within
     * the Keep Alive keeps the connection open: PINGREQ and PUBLISH alternating every 0.6 s for
     * 2.4 s with Keep Alive 1 s.
     */
    @Test
    void mqtt_3_1_2_24_v311_aClientSendingWithinItsKeepAliveStaysConnected() throws Exception {
        try (Wire w = Wire.open311(port)) {
            w.send(Wire.connect311("keepalive-busy", true, 1));
            assertThat(w.expect(Wire.CONNACK).returnCode()).isZero();
            int pings = 0;
            for (int i = 0; i < 4; i++) {
                Thread.sleep(600);
                if (i % 2 == 0) {
                    w.send(PINGREQ);
                    pings++;
                } else {
                    w.send(Wire.publish311("keepalive/busy", 0, false, false, 0, "tick"));
                }
            }
            List<Wire.Packet> got = w.collect(Duration.ofMillis(300));
            assertThat(got).extracting(Wire.Packet::type).containsOnly(PINGRESP).hasSize(pings);
            assertThat(w.isClosed()).as("still connected after 2.4 s with Keep Alive 1 s").isFalse();
        }
    }
}
