package io.kmqtt.it;

import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MQTT 5 Server Keep Alive is enforced, not only announced: a client told 1 s (it asked for 60)
 * that stays silent is disconnected with 0x8D after 1.5 s; one that pings in time stays.
 */
class ServerKeepAliveIT {

    private static ChildProcess broker;
    private static int port;

    @BeforeAll
    static void startBroker() throws Exception {
        port = FreePorts.find();
        broker = StandaloneBroker.start("server-keep-alive", port, Map.of("MQTT_MAX_KEEP_ALIVE", "1"));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.stop();
        }
    }

    @Test
    void aSilentClientIsDisconnectedAfterOneAndAHalfServerKeepAlives() throws Exception {
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(RawMqtt.connect5("ska-silent", new byte[0]));
            long connectedAt = System.nanoTime();
            RawMqtt.Outcome outcome = raw.readUntilClosed(Duration.ofSeconds(5));
            long millis = (System.nanoTime() - connectedAt) / 1_000_000;
            assertThat(outcome.closed()).isTrue();
            List<byte[]> packets = RawMqtt.packets(outcome.received());
            assertThat(packets).hasSize(2);
            assertThat(indexOf(packets.get(0), new byte[]{0x13, 0, 1})).as("Server Keep Alive 1 in CONNACK").isPositive();
            assertThat(packets.get(1)[0] & 0xFF).as("DISCONNECT").isEqualTo(0xE0);
            assertThat(packets.get(1)[2] & 0xFF).as("0x8D Keep Alive timeout").isEqualTo(0x8D);
            assertThat(millis).as("after 1.5 s, checked every 0.5 s").isBetween(1_400L, 2_800L);
        }
    }

    @Test
    void aClientThatPingsInTimeStays() throws Exception {
        try (RawMqtt raw = new RawMqtt(port)) {
            raw.send(RawMqtt.connect5("ska-pinging", new byte[0]));
            raw.read(2, Duration.ofSeconds(5));
            for (int i = 0; i < 6; i++) {
                Thread.sleep(500);
                raw.send(new byte[]{(byte) 0xC0, 0});
            }
            RawMqtt.Outcome outcome = raw.readUntilClosed(Duration.ofMillis(500));
            assertThat(outcome.closed()).as("still connected after 3.5 s").isFalse();
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
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
