package io.kmqtt.it;

import io.kmqtt.mqttbench.loss.LossReport;
import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.kmqtt.it.RawMqtt.connect5;
import static io.kmqtt.it.RawMqtt.packet;
import static io.kmqtt.it.RawMqtt.str;
import static io.kmqtt.it.RawMqtt.u16;
import static io.kmqtt.it.RawMqtt.varInt;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The standalone broker has no Kafka for a backlog to wait in: a subscriber whose queue is full
 * holds its publishers back (their acknowledgements, and at QoS 0 the reading of their sockets)
 * instead of dropping what they publish, and one that
 * stops acknowledging altogether stops holding them back after {@code mqtt.stuck-client-timeout}.
 * Queues are small here ({@code MQTT_MAX_QUEUED_MESSAGES} 100) so that they fill.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StandaloneBackPressureIT {

    private ChildProcess broker;
    private int port;
    private int httpPort;

    @BeforeAll
    void start() throws Exception {
        port = FreePorts.find();
        httpPort = FreePorts.find();
        broker = StandaloneBroker.start("back-pressure", port, Map.of("MQTT_MAX_QUEUED_MESSAGES", "100",
                "MQTT_STUCK_CLIENT_TIMEOUT", "2s", "QUARKUS_HTTP_PORT", Integer.toString(httpPort)));
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.stop();
        }
    }

    @Test
    void fourFullSpeedStreamsOf50000ArriveWhole() throws Exception {
        try (SequencedTraffic traffic = new SequencedTraffic()) {
            traffic.subscribe(port, "full-sub", "full/#", Duration.ZERO);
            CompletableFuture<?>[] streams = new CompletableFuture<?>[4];
            for (int i = 0; i < streams.length; i++) {
                streams[i] = traffic.publish(port, "full-pub-" + i, "full/" + i, 50_000, 100, Duration.ZERO);
            }
            CompletableFuture.allOf(streams).get(2, TimeUnit.MINUTES);
            LossReport report = traffic.awaitAllAcknowledgedReceived(Duration.ofSeconds(30));
            System.out.println(report.toMarkdown(10));
            assertThat(report.total().lostAcknowledged()).isZero();
            assertThat(report.total().received()).isEqualTo(200_000);
            assertThat(report.total().reordered()).isZero();
        }
    }

    /**
     * QoS 0 has no acknowledgement to hold back: a full queue stops the reading of its publishers'
     * sockets instead. Four publishers that write 50,000 QoS 0 PUBLISHes each as fast as TCP takes
     * them (as {@code mosquitto_pub -l} does), to one subscriber: before, it got 4.5-7 % of them and
     * the rest was dropped as queue_full; Mosquitto delivers all of them.
     */
    @Test
    void fourFullSpeedQos0StreamsArriveWholeBecauseTheirPublishersAreReadNoFasterThanTheSubscriberDrains() throws Exception {
        double droppedBefore = queueFullDrops();
        try (SequencedTraffic traffic = new SequencedTraffic()) {
            traffic.subscribe(port, "qos0-sub", "qos0/#", Duration.ZERO);
            CompletableFuture<?>[] streams = new CompletableFuture<?>[4];
            for (int i = 0; i < streams.length; i++) {
                String topic = "qos0/" + i;
                String clientId = "qos0-pub-" + i;
                streams[i] = CompletableFuture.runAsync(() -> publishQos0(clientId, topic, 50_000));
            }
            CompletableFuture.allOf(streams).get(2, TimeUnit.MINUTES);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            LossReport report = traffic.checker.report();
            while (report.total().received() < 200_000 && System.nanoTime() < deadline) {
                Thread.sleep(200);
                report = traffic.checker.report();
            }
            System.out.println(report.toMarkdown(10));
            assertThat(report.total().received()).isEqualTo(200_000);
            assertThat(report.total().duplicates()).isZero();
            assertThat(report.total().reordered()).isZero();
        }
        assertThat(queueFullDrops() - droppedBefore).as("QoS 0 dropped at a full queue").isZero();
    }

    /** The queue_full drop counter; a broker that has dropped nothing yet may not show it. */
    private double queueFullDrops() throws Exception {
        Scrape scrape = Scrape.of(httpPort);
        return scrape.has("mqtt_messages_dropped_total", "reason", "queue_full")
                ? scrape.value("mqtt_messages_dropped_total", "reason", "queue_full") : 0;
    }

    /** An MQTT 3.1.1 client that writes {@code count} QoS 0 PUBLISHes, numbered from 1, as fast as the socket takes them. */
    private void publishQos0(String clientId, String topic, int count) {
        try (RawMqtt publisher = new RawMqtt(port)) {
            publisher.send(RawMqtt.connect311(clientId));
            assertThat(publisher.read(4, Duration.ofSeconds(10))[3]).as("CONNACK return code").isZero();
            byte[] encodedTopic = str(topic);
            java.io.ByteArrayOutputStream batch = new java.io.ByteArrayOutputStream();
            for (int seq = 1; seq <= count; seq++) {
                batch.writeBytes(RawMqtt.publish311(0, encodedTopic, new byte[0],
                        Integer.toString(seq).getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
                if (seq % 1_000 == 0 || seq == count) {
                    publisher.send(batch.toByteArray());
                    batch.reset();
                }
            }
            publisher.send(new byte[]{(byte) 0xE0, 0});
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aStuckSubscriberHoldsItsPublisherBackOnlyUntilItCountsAsStuck() throws Exception {
        try (SequencedTraffic traffic = new SequencedTraffic();
             SequencedTraffic toStuck = new SequencedTraffic();
             RawMqtt never = new RawMqtt(port)) {
            long connected = System.nanoTime(); // it counts as stuck 2 s after its last acknowledgement, or its CONNECT
            never.send(connect5("never-acks-standalone", new byte[0]));
            never.readUntilClosed(Duration.ofMillis(500));
            never.send(packet(0x82, u16(1), varInt(0), str("stuck/#"), new byte[]{1}));
            never.readUntilClosed(Duration.ofMillis(500));
            traffic.subscribe(port, "unaffected-sub", "unaffected/#", Duration.ZERO);

            CompletableFuture<Void> stuckStream = toStuck.publish(port, "stuck-pub", "stuck/1", 2_000, 100, Duration.ZERO);
            CompletableFuture<Void> other = traffic.publish(port, "unaffected-pub", "unaffected/1", 20_000, 100,
                    Duration.ZERO);
            other.get(1, TimeUnit.MINUTES);
            assertThat(traffic.awaitAllAcknowledgedReceived(Duration.ofSeconds(30)).total().received())
                    .as("a publisher to other topics is not held back").isEqualTo(20_000);

            stuckStream.get(1, TimeUnit.MINUTES);
            assertThat(Duration.ofNanos(System.nanoTime() - connected)).as("held back until the client counted as stuck")
                    .isGreaterThan(Duration.ofSeconds(2));
            assertThat(Scrape.of(httpPort).value("mqtt_messages_dropped_total", "reason", "queue_full"))
                    .as("what the stuck client had no room for, counted").isPositive();
        }
    }
}
