package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.kmqtt.it.RawMqtt.concat;
import static io.kmqtt.it.RawMqtt.connect311;
import static io.kmqtt.it.RawMqtt.connect5;
import static io.kmqtt.it.RawMqtt.packet;
import static io.kmqtt.it.RawMqtt.publish311;
import static io.kmqtt.it.RawMqtt.publish5;
import static io.kmqtt.it.RawMqtt.str;
import static io.kmqtt.it.RawMqtt.u16;
import static io.kmqtt.it.RawMqtt.utf8;
import static io.kmqtt.it.RawMqtt.varInt;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed and hostile input, as raw bytes, against the packaged broker. Every case must end with
 * the connection closed (after a failure CONNACK or DISCONNECT where MQTT 5 has one), within a few
 * seconds; afterwards the broker must still serve a normal client and its log must hold no leaked
 * exception.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MalformedInputIT {

    private static final Duration CLOSE_WITHIN = Duration.ofSeconds(5);

    private ChildProcess broker;
    private int port;

    @BeforeAll
    void start() throws Exception {
        port = FreePorts.find();
        broker = ListenersIT.startBroker("malformed", port, Map.of("MQTT_CONNECT_TIMEOUT", "2s"));
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.stop();
        }
    }

    /** After each case: the broker still serves, and nothing was thrown where it should not be. */
    @AfterEach
    void brokerIsStillHealthy() throws Exception {
        Mqtt5BlockingClient probe = Clients.connect(port, "probe");
        Clients.publish(probe, "probe/alive", "yes", MqttQos.AT_LEAST_ONCE);
        probe.disconnect();
        // Vert.x itself logs a client's undecodable bytes at ERROR (ConnectionBase); what must not
        // appear is an exception out of our own code, or one that means a broken invariant.
        assertThat(broker.log()).doesNotContain("NullPointerException", "ClassCastException",
                "IndexOutOfBoundsException", "\tat io.kmqtt.");
    }

    private RawMqtt.Outcome exchange(byte[]... packets) throws IOException {
        try (RawMqtt raw = new RawMqtt(port)) {
            for (byte[] p : packets) {
                try {
                    raw.send(p);
                } catch (IOException closedAlready) {
                    break;
                }
            }
            return raw.readUntilClosed(CLOSE_WITHIN);
        }
    }

    /** Connects with MQTT 3.1.1 (or 5), waits for CONNACK, then sends the rest. */
    private RawMqtt.Outcome afterConnect(boolean v5, byte[]... packets) throws IOException {
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(v5 ? connect5("c-" + System.nanoTime(), new byte[0]) : connect311("c-" + System.nanoTime()));
            byte[] connack = raw.read(v5 ? 5 : 4, Duration.ofSeconds(5));
            assertThat(connack[0]).as("CONNACK").isEqualTo((byte) 0x20);
            for (byte[] p : packets) {
                try {
                    raw.send(p);
                } catch (IOException closedAlready) {
                    break;
                }
            }
            return raw.readUntilClosed(CLOSE_WITHIN);
        }
    }

    private static void assertClosed(RawMqtt.Outcome o) {
        assertThat(o.closed()).as("connection closed by the broker").isTrue();
    }

    // ---- framing ------------------------------------------------------------------------------

    @Test
    void remainingLengthLargerThanTheBytesSentIsClosedByTheConnectTimeout() throws IOException {
        byte[] connect = connect311("short");
        byte[] truncated = concat(new byte[]{0x10}, varInt(200), java.util.Arrays.copyOfRange(connect, 2, connect.length));
        assertClosed(exchange(truncated));
    }

    @Test
    void aFiveByteRemainingLengthIsMalformed() throws IOException {
        assertClosed(exchange(new byte[]{0x10, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F}));
    }

    @Test
    void aFirstPacketThatIsNotConnectFollowedBy100MbIsClosedWithoutReadingIt() throws IOException {
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(packet(0x30, str("a/b"), "x".getBytes(StandardCharsets.UTF_8)));
            byte[] chunk = new byte[1 << 20];
            int sent = 0;
            try {
                for (; sent < 100; sent++) {
                    raw.send(chunk);
                }
            } catch (IOException closed) {
                // the broker hung up: what we want
            }
            RawMqtt.Outcome o = raw.readUntilClosed(CLOSE_WITHIN);
            assertThat(o.closed() || sent < 100).as("closed before taking 100 MB").isTrue();
        }
    }

    // ---- CONNECT --------------------------------------------------------------------------------

    @Test
    void invalidUtf8InAClientIdIsRefused() throws IOException {
        assertClosed(exchange(connect311(utf8(new byte[]{'a', (byte) 0xC3, 0x28}))));
    }

    @Test
    void nullCharacterInAClientIdIsRefused() throws IOException {
        assertClosed(exchange(connect311(utf8(new byte[]{'a', 0, 'b'}))));
    }

    @Test
    void aSurrogateInAClientIdIsRefused() throws IOException {
        assertClosed(exchange(connect311(utf8(new byte[]{'a', (byte) 0xED, (byte) 0xA0, (byte) 0x80}))));
    }

    @Test
    void aDuplicatedOnceOnlyPropertyIsAProtocolError() throws IOException {
        byte[] twoSessionExpiries = concat(new byte[]{0x11, 0, 0, 0, 10}, new byte[]{0x11, 0, 0, 0, 20});
        assertClosed(exchange(connect5("dup-prop", twoSessionExpiries)));
    }

    @Test
    void invalidUtf8InAUserPropertyIsRefused() throws IOException {
        byte[] badUserProperty = concat(new byte[]{0x26}, utf8(new byte[]{(byte) 0xFF}), str("v"));
        assertClosed(exchange(connect5("bad-prop", badUserProperty)));
    }

    @Test
    void aSecondConnectIsAProtocolViolation() throws IOException {
        assertClosed(afterConnect(false, connect311("again")));
    }

    @Test
    void aClientSendingConnackOrSubackIsClosed() throws IOException {
        assertClosed(afterConnect(false, new byte[]{0x20, 0x02, 0x00, 0x00}));
        assertClosed(afterConnect(false, packet(0x90, u16(1), new byte[]{0})));
    }

    // ---- PUBLISH --------------------------------------------------------------------------------

    @Test
    void aWildcardInAPublishTopicIsRefused() throws IOException {
        assertClosed(afterConnect(false, publish311(0, str("a/+/c"), new byte[0], "x".getBytes(StandardCharsets.UTF_8))));
        assertClosed(afterConnect(true, publish5(0, str("a/#"), new byte[0], new byte[0], new byte[0])));
    }

    @Test
    void anEmptyTopicWithoutAnAliasIsAProtocolError() throws IOException {
        assertClosed(afterConnect(true, publish5(0, str(""), new byte[0], new byte[0], "x".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void invalidUtf8OrNullInAPublishTopicIsRefused() throws IOException {
        assertClosed(afterConnect(false, publish311(0, utf8(new byte[]{'a', (byte) 0xC0, (byte) 0xAF}), new byte[0], new byte[0])));
        assertClosed(afterConnect(false, publish311(0, utf8(new byte[]{'a', 0, 'b'}), new byte[0], new byte[0])));
    }

    @Test
    void packetIdZeroIsAProtocolError() throws IOException {
        assertClosed(afterConnect(false, publish311(0x02, str("a/b"), u16(0), "x".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void qos3IsMalformed() throws IOException {
        assertClosed(afterConnect(false, publish311(0x06, str("a/b"), u16(1), "x".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void aSubscriptionIdentifierInAClientPublishIsAProtocolError() throws IOException {
        assertClosed(afterConnect(true, publish5(0, str("a/b"), new byte[0], concat(new byte[]{0x0B}, varInt(7)),
                "x".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void aTopicOf65000SlashesIsRefused() throws IOException {
        assertClosed(afterConnect(false, publish311(0, str("/".repeat(65_000)), new byte[0], new byte[0])));
    }

    @Test
    void aHugeNumberOfUserPropertiesDoesNotHurtTheBroker() throws IOException {
        byte[] one = concat(new byte[]{0x26}, str("k"), str("v"));
        byte[] many = new byte[one.length * 30_000];
        for (int i = 0; i < 30_000; i++) {
            System.arraycopy(one, 0, many, i * one.length, one.length);
        }
        // 210 KB of properties: under the 256 KB packet limit, so it may be accepted; or refused. Either way, no harm.
        RawMqtt.Outcome o = afterConnect(true, publish5(0, str("props/many"), new byte[0], many, new byte[0]));
        assertThat(o.received().length).isLessThan(64);
    }

    @Test
    void repeatedQos2PacketIdsWithoutPubrelAreAcknowledgedButDeliveredOnce() throws Exception {
        Clients.Collector sub = new Clients.Collector(port, "qos2-watch").subscribe("q2/#", MqttQos.EXACTLY_ONCE);
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(connect311("qos2-repeat"));
            raw.read(4, Duration.ofSeconds(5));
            for (int i = 0; i < 50; i++) {
                raw.send(publish311(0x04 | (i > 0 ? 0x08 : 0), str("q2/x"), u16(7), "once".getBytes(StandardCharsets.UTF_8)));
            }
            byte[] pubrecs = raw.read(4 * 50, Duration.ofSeconds(10));
            for (int i = 0; i < 50; i++) {
                assertThat(pubrecs[i * 4]).as("PUBREC %d", i).isEqualTo((byte) 0x50);
            }
        }
        assertThat(sub.await(2, Duration.ofSeconds(3))).extracting(Clients::text).containsExactly("once");
        sub.client.disconnect();
    }

    // ---- SUBSCRIBE / UNSUBSCRIBE ----------------------------------------------------------------

    @Test
    void reservedFlagBitsInSubscribeAreMalformed() throws IOException {
        assertClosed(afterConnect(false, packet(0x80, u16(1), str("a/b"), new byte[]{0})));
    }

    @Test
    void mixingSharedAndNormalSubscriptionsIsAnsweredPerFilter() throws IOException {
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(connect311("share-mix"));
            raw.read(4, Duration.ofSeconds(5));
            raw.send(packet(0x82, u16(3), str("$share/g/a/b"), new byte[]{1}, str("a/b"), new byte[]{1}));
            byte[] suback = raw.read(6, Duration.ofSeconds(5));
            assertThat(suback[0]).isEqualTo((byte) 0x90);
            assertThat(suback[5]).as("normal filter granted QoS 1").isEqualTo((byte) 1);
            raw.send(packet(0xA2, u16(4), str("$share/g/a/b"), str("a/b")));
            byte[] unsuback = raw.read(4, Duration.ofSeconds(5));
            assertThat(unsuback[0]).isEqualTo((byte) 0xB0);
            RawMqtt.Outcome o = raw.readUntilClosed(Duration.ofMillis(500));
            assertThat(o.closed()).as("still connected").isFalse();
        }
    }
}
