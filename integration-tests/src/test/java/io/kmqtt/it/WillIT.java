package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.kmqtt.it.RawMqtt.concat;
import static io.kmqtt.it.RawMqtt.packet;
import static io.kmqtt.it.RawMqtt.str;
import static io.kmqtt.it.RawMqtt.varInt;
import static org.assertj.core.api.Assertions.assertThat;

/** Will messages: at once for MQTT 3.1.1 and on a v5 takeover, after the Will Delay Interval, or not at all when the client comes back in time. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class WillIT {

    private ChildProcess broker;
    private int port;

    @BeforeAll
    void start() throws Exception {
        port = FreePorts.find();
        broker = ListenersIT.startBroker("wills", port, Map.of());
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.stop();
        }
    }

    /** An MQTT 5 CONNECT with a will on the topic, its Will Delay Interval and the session's expiry. */
    private static byte[] connect5WithWill(String clientId, String willTopic, int willDelay, int sessionExpiry) {
        byte[] connectProps = concat(new byte[]{0x11}, intBytes(sessionExpiry));
        byte[] willProps = concat(new byte[]{0x18}, intBytes(willDelay));
        return packet(0x10, str("MQTT"), new byte[]{5, 0x02 | 0x04 | 0x08, 0, 60}, varInt(connectProps.length), connectProps,
                str(clientId), varInt(willProps.length), willProps, str(willTopic), str("gone:" + clientId));
    }

    private static byte[] intBytes(int v) {
        return new byte[]{(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    /** Connects, waits for CONNACK, then drops the TCP connection without DISCONNECT. */
    private void connectAndVanish(byte[] connect) throws Exception {
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(connect);
            assertThat(raw.read(1, Duration.ofSeconds(5))[0]).isEqualTo((byte) 0x20);
        }
    }

    @Test
    void anMqtt311WillIsPublishedAtOnceWhenTheConnectionIsLost() throws Exception {
        Clients.Collector watcher = new Clients.Collector(port, "w311-watch").subscribe("wills/311", MqttQos.AT_LEAST_ONCE);
        connectAndVanish(packet(0x10, str("MQTT"), new byte[]{4, 0x02 | 0x04 | 0x08, 0, 60}, str("dev-311"),
                str("wills/311"), str("gone:dev-311")));
        assertThat(watcher.await(1, Duration.ofSeconds(5))).extracting(Clients::text).containsExactly("gone:dev-311");
        watcher.client.disconnect();
    }

    @Test
    void aDelayedWillWaitsForItsDelay() throws Exception {
        Clients.Collector watcher = new Clients.Collector(port, "wd-watch").subscribe("wills/delayed", MqttQos.AT_LEAST_ONCE);
        long lost = System.nanoTime();
        connectAndVanish(connect5WithWill("dev-delayed", "wills/delayed", 2, 60));
        assertThat(watcher.await(1, Duration.ofMillis(1200))).as("nothing before the delay").isEmpty();
        assertThat(watcher.await(1, Duration.ofSeconds(5))).extracting(Clients::text).containsExactly("gone:dev-delayed");
        assertThat(Duration.ofNanos(System.nanoTime() - lost)).isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        watcher.client.disconnect();
    }

    @Test
    void theSessionEndingFirstSendsTheWillAtOnce() throws Exception {
        Clients.Collector watcher = new Clients.Collector(port, "ws-watch").subscribe("wills/session-end", MqttQos.AT_LEAST_ONCE);
        connectAndVanish(connect5WithWill("dev-short-session", "wills/session-end", 30, 0));
        assertThat(watcher.await(1, Duration.ofSeconds(3))).extracting(Clients::text).containsExactly("gone:dev-short-session");
        watcher.client.disconnect();
    }

    @Test
    void comingBackWithinTheDelayCancelsTheWill() throws Exception {
        Clients.Collector watcher = new Clients.Collector(port, "wc-watch").subscribe("wills/cancelled", MqttQos.AT_LEAST_ONCE);
        connectAndVanish(connect5WithWill("dev-back", "wills/cancelled", 2, 60));
        Clients.connect(port, "dev-back").disconnect();
        assertThat(watcher.await(1, Duration.ofSeconds(4))).isEmpty();
        assertThat(broker.log()).contains("will message of 'dev-back' not sent: the client connected again");
        watcher.client.disconnect();
    }

    @Test
    void aTakenOverConnectionSendsItsWillWhenItHasNoDelay() throws Exception {
        Clients.Collector watcher = new Clients.Collector(port, "wt-watch").subscribe("wills/takeover", MqttQos.AT_LEAST_ONCE);
        try (RawMqtt first = new RawMqtt(port)) {
            first.send(connect5WithWill("dev-twin", "wills/takeover", 0, 0));
            assertThat(first.read(1, Duration.ofSeconds(5))[0]).isEqualTo((byte) 0x20);
            Clients.connect(port, "dev-twin").disconnect();
            assertThat(watcher.await(1, Duration.ofSeconds(5))).extracting(Clients::text).containsExactly("gone:dev-twin");
        }
        watcher.client.disconnect();
    }
}
