package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A gateway never runs out of open files: with {@code ulimit -n 700} (a reserve of 256), it takes
 * 444 clients, refuses the next CONNECT with "server unavailable", keeps at most 572 TCP
 * connections open in all (those beyond are closed before they send a byte), and still works for
 * the clients it has and for a new one once others leave. Before, at this machine's limit, an event
 * loop blocked for good on the first class it had to load from a jar.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ConnectionLimitIT {

    private static final int OPEN_FILES = 700;
    private static final int CLIENTS = 444;
    private static final int SOCKETS = 572;

    private ChildProcess broker;
    private int port;

    @BeforeAll
    void start() throws Exception {
        port = FreePorts.find();
        broker = StandaloneBroker.startWithOpenFiles("connection-limit", port, OPEN_FILES);
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.stop();
        }
    }

    @Test
    void clientsAndSocketsStopShortOfTheOpenFilesLimit() throws Exception {
        List<RawMqtt> held = new ArrayList<>();
        try {
            int accepted = 0;
            int refused = 0;
            for (int i = 0; i < CLIENTS + 20; i++) {
                RawMqtt c = new RawMqtt(port);
                held.add(c);
                c.send(RawMqtt.connect311("limit-" + i));
                byte[] connack = c.read(4, Duration.ofSeconds(10));
                assertThat(connack).hasSize(4);
                if (connack[3] == 0) {
                    accepted++;
                } else {
                    assertThat(connack[3]).as("CONNACK return code").isEqualTo((byte) 3); // server unavailable
                    refused++;
                }
            }
            assertThat(accepted).isEqualTo(CLIENTS);
            assertThat(refused).isEqualTo(20);

            // TCP connections that send nothing: kept up to the socket limit, closed at once beyond it.
            // (The 20 refused above were closed by the broker and count no more.)
            Thread.sleep(500); // the broker's closes of the refused ones
            List<RawMqtt> silent = new ArrayList<>();
            for (int i = 0; i < SOCKETS - CLIENTS + 50; i++) {
                RawMqtt c = new RawMqtt(port);
                held.add(c);
                silent.add(c);
            }
            Thread.sleep(500);
            int closedAtOnce = 0;
            for (RawMqtt c : silent) { // all within mqtt.connect-timeout (10 s), which would close them all
                if (c.readUntilClosed(Duration.ofMillis(20)).closed()) {
                    closedAtOnce++;
                }
            }
            assertThat(closedAtOnce).isEqualTo(50);
            assertThat(broker.log()).contains("TCP connections open, this gateway's limit");

            // Room again: a new client connects, subscribes and gets its own QoS 1 message.
            for (RawMqtt c : silent) {
                c.close();
            }
            held.get(0).close();
            // The gateway hears of the close a moment later: until then the late client is still over quota.
            AtomicReference<Mqtt5BlockingClient> late = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                try {
                    late.set(Clients.connect(port, "limit-late"));
                    return true;
                } catch (Mqtt5ConnAckException quotaExceeded) {
                    return false;
                }
            });
            Mqtt5BlockingClient client = late.get();
            try (Mqtt5BlockingClient.Mqtt5Publishes publishes = client.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
                client.subscribeWith().topicFilter("limit/late").qos(MqttQos.AT_LEAST_ONCE).send();
                client.publishWith().topic("limit/late").qos(MqttQos.AT_LEAST_ONCE)
                        .payload("still here".getBytes(StandardCharsets.UTF_8)).send();
                Mqtt5Publish got = publishes.receive(10, TimeUnit.SECONDS).orElseThrow();
                assertThat(new String(got.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("still here");
            }
            client.disconnect();
        } finally {
            for (RawMqtt c : held) {
                c.close();
            }
        }
    }
}
