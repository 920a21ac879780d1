package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.kmqtt.it.RawMqtt.concat;
import static io.kmqtt.it.RawMqtt.connect5;
import static io.kmqtt.it.RawMqtt.packet;
import static io.kmqtt.it.RawMqtt.str;
import static io.kmqtt.it.RawMqtt.u16;
import static io.kmqtt.it.RawMqtt.varInt;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * MQTT 5 per-connection features, driven with raw bytes where client libraries decide for
 * themselves: the client's Receive Maximum and Maximum Packet Size, and topic aliases.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class FlowControlIT {

    private ChildProcess broker;
    private int port;

    @BeforeAll
    void start() throws Exception {
        port = FreePorts.find();
        broker = ListenersIT.startBroker("flow-control", port, Map.of());
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.stop();
        }
    }

    /** Connects with these CONNECT properties and subscribes at QoS 1; returns the open connection. */
    private RawMqtt subscriber(String clientId, byte[] connectProperties, String filter) throws Exception {
        RawMqtt raw = new RawMqtt(port);
        raw.send(connect5(clientId, connectProperties));
        assertThat(RawMqtt.packets(raw.readUntilClosed(Duration.ofMillis(500)).received())).hasSize(1);
        raw.send(packet(0x82, u16(1), varInt(0), str(filter), new byte[]{1}));
        assertThat(RawMqtt.packets(raw.readUntilClosed(Duration.ofMillis(500)).received()).get(0)[0]).isEqualTo((byte) 0x90);
        return raw;
    }

    private static long publishes(List<byte[]> packets) {
        return packets.stream().filter(p -> (p[0] & 0xF0) == 0x30).count();
    }

    @Test
    void neverMoreUnacknowledgedPublishesThanTheClientsReceiveMaximum() throws Exception {
        try (RawMqtt slow = subscriber("slow-reader", new byte[]{0x21, 0, 2}, "flow/rm")) {
            Mqtt5BlockingClient publisher = Clients.connect(port, "rm-pub");
            for (int i = 0; i < 6; i++) {
                Clients.publish(publisher, "flow/rm", "m" + i, MqttQos.AT_LEAST_ONCE);
            }
            List<byte[]> got = RawMqtt.packets(slow.readUntilClosed(Duration.ofSeconds(2)).received());
            assertThat(publishes(got)).as("PUBLISHes before any PUBACK").isEqualTo(2);

            // Acknowledge them: the next two come.
            for (byte[] p : got) {
                int idAt = 2 + 2 + ((p[2] & 0xFF) << 8 | (p[3] & 0xFF)); // fixed header (2), topic length (2) + topic
                slow.send(concat(new byte[]{0x40, 2}, new byte[]{p[idAt], p[idAt + 1]}));
            }
            assertThat(publishes(RawMqtt.packets(slow.readUntilClosed(Duration.ofSeconds(2)).received()))).isEqualTo(2);
            publisher.disconnect();
        }
    }

    @Test
    void aMessageLargerThanTheClientsMaximumPacketSizeIsNotSentToIt() throws Exception {
        try (RawMqtt small = subscriber("small-buffer", new byte[]{0x27, 0, 0, 0, 100}, "flow/mps")) {
            Mqtt5BlockingClient publisher = Clients.connect(port, "mps-pub");
            Clients.publish(publisher, "flow/mps", "x".repeat(500), MqttQos.AT_MOST_ONCE);
            Clients.publish(publisher, "flow/mps", "fits", MqttQos.AT_MOST_ONCE);
            List<byte[]> got = RawMqtt.packets(small.readUntilClosed(Duration.ofSeconds(2)).received());
            assertThat(got).hasSize(1);
            assertThat(got.get(0).length).isLessThanOrEqualTo(100);
            assertThat(new String(got.get(0), java.nio.charset.StandardCharsets.UTF_8)).endsWith("fits");
            publisher.disconnect();
        }
    }

    @Test
    void topicAliasesSetByAClientAreResolvedAndAnOutOfRangeAliasIsRefused() throws Exception {
        Clients.Collector sub = new Clients.Collector(port, "alias-sub").subscribe("alias/#", MqttQos.AT_MOST_ONCE);
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(connect5("alias-pub", new byte[0]));
            byte[] connack = RawMqtt.packets(raw.readUntilClosed(Duration.ofMillis(500)).received()).get(0);
            assertThat(indexOf(connack, new byte[]{0x22, 0, 64})).as("Topic Alias Maximum 64 in CONNACK").isPositive();

            byte[] alias1 = {0x23, 0, 1};
            raw.send(RawMqtt.publish5(0, str("alias/one"), new byte[0], alias1, "first".getBytes()));
            raw.send(RawMqtt.publish5(0, str(""), new byte[0], alias1, "second".getBytes()));
            assertThat(sub.await(2, Duration.ofSeconds(5))).extracting(p -> p.getTopic() + "=" + Clients.text(p))
                    .containsExactly("alias/one=first", "alias/one=second");

            raw.send(RawMqtt.publish5(0, str("alias/two"), new byte[0], new byte[]{0x23, 0, 65}, "x".getBytes()));
            RawMqtt.Outcome o = raw.readUntilClosed(Duration.ofSeconds(5));
            assertThat(o.closed()).isTrue();
            assertThat(o.received().length).isGreaterThan(2);
            assertThat(o.received()[0]).as("DISCONNECT").isEqualTo((byte) 0xE0);
            assertThat(o.received()[2]).as("reason 0x94 Topic Alias invalid").isEqualTo((byte) 0x94);
        }
        sub.client.disconnect();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
