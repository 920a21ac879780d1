package io.kmqtt.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.kmqtt.mqttbench.loss.LossReport;
import io.kmqtt.mqttbench.loss.StreamLoss;
import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.KafkaServer;
import io.kmqtt.testinfra.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.kmqtt.it.RawMqtt.connect5;
import static io.kmqtt.it.RawMqtt.packet;
import static io.kmqtt.it.RawMqtt.str;
import static io.kmqtt.it.RawMqtt.u16;
import static io.kmqtt.it.RawMqtt.varInt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PUBACK means delivered: every QoS 1 message the cluster acknowledged reaches its subscribers,
 * through a full-speed stream, a burst after Kafka stalled, a router killed mid-stream and the
 * subscriber's gateway killed mid-stream; and a subscriber that never acknowledges holds up nobody
 * else and holds a bounded amount of the gateway's memory. Every message is counted
 * ({@link SequencedTraffic}). The gateways keep small queues here ({@code MQTT_MAX_QUEUED_MESSAGES}
 * 200), so that subscribers fall behind and take messages back from the delivery channel.
 *
 * <p>Its own Kafka broker, since one test stops it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DeliveryGuaranteesIT {

    private static final Duration SESSION = Duration.ofMinutes(5);

    private KafkaServer kafka;

    @BeforeAll
    void startKafka() throws Exception {
        kafka = KafkaServer.start();
    }

    @AfterAll
    void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static void assertNothingAcknowledgedLost(LossReport report) {
        System.out.println(report.toMarkdown(10));
        assertThat(report.total().lostAcknowledged()).as("acknowledged messages that never arrived").isZero();
        assertThat(report.total().received()).isPositive();
    }

    @Test
    void aFullSpeedStreamOf50000ArrivesWhole() throws Exception {
        try (Cluster cluster = new Cluster(kafka.bootstrapServers()).withEnv("MQTT_MAX_QUEUED_MESSAGES", "200");
             SequencedTraffic traffic = new SequencedTraffic()) {
            cluster.startRouter("router-1");
            Cluster.Gateway gw = cluster.startGateway("gw-1");
            traffic.subscribe(gw.port(), "stream-sub", "stream/#", Duration.ZERO);
            traffic.publish(gw.port(), "stream-pub", "stream/1", 50_000, 200, Duration.ZERO).get(3, TimeUnit.MINUTES);
            LossReport report = traffic.awaitAllAcknowledgedReceived(Duration.ofSeconds(60));
            assertNothingAcknowledgedLost(report);
            assertThat(report.total().received()).isEqualTo(50_000);
            assertThat(report.total().reordered()).isZero();
        }
    }

    @Test
    void aBurstAfterKafkaStalledFor15SecondsArrivesWhole() throws Exception {
        try (Cluster cluster = new Cluster(kafka.bootstrapServers()).withEnv("MQTT_MAX_QUEUED_MESSAGES", "200");
             SequencedTraffic traffic = new SequencedTraffic()) {
            cluster.startRouter("router-1");
            cluster.startRouter("router-2");
            Cluster.Gateway gw = cluster.startGateway("gw-1");
            traffic.subscribe(gw.port(), "stall-sub", "stall/#", SESSION);
            List<CompletableFuture<Void>> streams = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                // 4 x 250 msg/s; up to 1,000 each unacknowledged while Kafka is stopped: the burst after it
                streams.add(traffic.publish(gw.port(), "stall-pub-" + t, "stall/" + t, 6_000, 1_000, Duration.ofMillis(4)));
            }
            Thread.sleep(5_000);
            kafka.pause();
            Thread.sleep(15_000);
            kafka.resume();
            CompletableFuture.allOf(streams.toArray(CompletableFuture[]::new)).get(3, TimeUnit.MINUTES);
            assertNothingAcknowledgedLost(traffic.awaitAllAcknowledgedReceived(Duration.ofSeconds(90)));
        } finally {
            kafka.resume(); // whatever happened, the next test needs Kafka
        }
    }

    @Test
    void aRouterKilledMidStreamLosesNothingAndItsTopicsAreSilentForSecondsOnly() throws Exception {
        try (Cluster cluster = new Cluster(kafka.bootstrapServers()).withEnv("MQTT_MAX_QUEUED_MESSAGES", "200");
             SequencedTraffic traffic = new SequencedTraffic()) {
            ChildProcess doomed = cluster.startRouter("router-1");
            cluster.startRouter("router-2");
            Cluster.Gateway gw1 = cluster.startGateway("gw-1");
            Cluster.Gateway gw2 = cluster.startGateway("gw-2");
            traffic.subscribe(gw2.port(), "router-kill-sub", "rk/#", SESSION);
            List<CompletableFuture<Void>> streams = new ArrayList<>();
            for (int t = 0; t < 6; t++) { // six topics: both routers own some of them
                streams.add(traffic.publish(gw1.port(), "rk-pub-" + t, "rk/" + t, 3_000, 100, Duration.ofMillis(6)));
            }
            Thread.sleep(6_000);
            doomed.kill();
            CompletableFuture.allOf(streams.toArray(CompletableFuture[]::new)).get(3, TimeUnit.MINUTES);
            LossReport report = traffic.awaitAllAcknowledgedReceived(Duration.ofSeconds(60));
            assertNothingAcknowledgedLost(report);
            // Its shards move after ROUTER_ROUTER_EXPIRY (2 s in tests) plus a heartbeat and the route load.
            for (StreamLoss topic : report.streams()) {
                assertThat(topic.longestSilenceMs()).as("longest silence on %s", topic.stream()).isLessThan(5_000);
            }
        }
    }

    @Test
    void theSubscribersGatewayKilledMidStreamAndItsSessionResumedElsewhereLosesNothing() throws Exception {
        try (Cluster cluster = new Cluster(kafka.bootstrapServers()).withEnv("MQTT_MAX_QUEUED_MESSAGES", "200");
             SequencedTraffic traffic = new SequencedTraffic()) {
            cluster.startRouter("router-1");
            Cluster.Gateway publishers = cluster.startGateway("gw-pub");
            Cluster.Gateway doomed = cluster.startGateway("gw-doomed");
            Cluster.Gateway heir = cluster.startGateway("gw-heir");
            traffic.subscribe(doomed.port(), "moving-sub", "gk/#", SESSION);
            List<CompletableFuture<Void>> streams = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                streams.add(traffic.publish(publishers.port(), "gk-pub-" + t, "gk/" + t, 4_000, 100, Duration.ofMillis(5)));
            }
            Thread.sleep(5_000);
            doomed.process().kill();
            Thread.sleep(1_000); // the client notices and comes back through another gateway
            traffic.resume(heir.port(), "moving-sub", SESSION);
            CompletableFuture.allOf(streams.toArray(CompletableFuture[]::new)).get(3, TimeUnit.MINUTES);
            LossReport report = traffic.awaitAllAcknowledgedReceived(Duration.ofSeconds(60));
            System.out.println("duplicates after the gateway kill: " + report.total().duplicates());
            assertNothingAcknowledgedLost(report);
        }
    }

    /**
     * The subscriber moves between two live gateways eight times mid-stream: four times it
     * disconnects and resumes at once through the other one (its session parked there for a moment),
     * four times it connects through the other one while still connected (a takeover). Messages the
     * routers sent to the old holder just before they heard of the move must reach the new one.
     */
    @Test
    void aSubscriberMovingBetweenLiveGatewaysMidStreamLosesNothing() throws Exception {
        try (RedisServer redis = RedisServer.start();
             Cluster cluster = new Cluster(kafka.bootstrapServers()).withEnv("SESSION_REDIS_URL", redis.url())
                     // A cold gateway's first resumption can take seconds here: no queue limit to hit meanwhile.
                     .withEnv("SESSION_MAX_QUEUED_MESSAGES", "100000");
             SequencedTraffic traffic = new SequencedTraffic()) {
            cluster.startRouter("router-1");
            cluster.startRouter("router-2");
            Cluster.Gateway publishers = cluster.startGateway("gw-pub");
            Cluster.Gateway[] holders = {cluster.startGateway("gw-a"), cluster.startGateway("gw-b")};
            Mqtt5AsyncClient sub = traffic.subscribe(holders[0].port(), "mover", "mv/#", SESSION);
            List<CompletableFuture<Void>> streams = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                streams.add(traffic.publish(publishers.port(), "mv-pub-" + t, "mv/" + t, 2_000, 100, Duration.ofMillis(8)));
            }
            Thread.sleep(2_000);
            for (int move = 1; move <= 8; move++) {
                if (move % 2 == 1) {
                    sub.disconnect().get(5, TimeUnit.SECONDS);
                }
                sub = traffic.resume(holders[move % 2].port(), "mover", SESSION);
                Thread.sleep(1_200);
            }
            CompletableFuture.allOf(streams.toArray(CompletableFuture[]::new)).get(3, TimeUnit.MINUTES);
            LossReport report = traffic.awaitAllAcknowledgedReceived(Duration.ofSeconds(60));
            System.out.println("duplicates after eight moves: " + report.total().duplicates());
            for (int t = 0; t < 4; t++) {
                System.out.println("mv/" + t + " lost: " + traffic.checker.stream("mv/" + t).lostRanges(20));
            }
            for (Cluster.Gateway holder : holders) { // no_subscribers: copies the new holder got too, or losses
                Scrape.of(holder.httpPort()).text().lines().filter(l -> l.startsWith("mqtt_messages_dropped_total"))
                        .forEach(l -> System.out.println(holder.id() + ": " + l));
            }
            assertNothingAcknowledgedLost(report);
            assertThat(report.total().received()).isEqualTo(8_000);
        }
    }

    @Test
    void aGatewayPausedLongerThanItsExpiryAnnouncesItsRoutesAgain() throws Exception {
        try (Cluster cluster = new Cluster(kafka.bootstrapServers());
             SequencedTraffic traffic = new SequencedTraffic()) {
            ChildProcess router = cluster.startRouter("router-1");
            Cluster.Gateway publishers = cluster.startGateway("gw-pub");
            Cluster.Gateway paused = cluster.startGateway("gw-paused");
            traffic.subscribe(paused.port(), "paused-sub", "gp/#", Duration.ZERO);
            // Twice ROUTER_GATEWAY_EXPIRY: the router judges the gateway dead and removes its routes.
            paused.process().pause();
            router.awaitLogLine("routes of dead gateway gw-paused", Duration.ofSeconds(30));
            paused.process().resume();
            paused.process().awaitLogLine("announced this gateway's 1 routes again", Duration.ofSeconds(30));
            Thread.sleep(1_000); // the router reads the route a moment after it is durable
            traffic.publish(publishers.port(), "gp-pub", "gp/1", 2_000, 100, Duration.ofMillis(1)).get(2, TimeUnit.MINUTES);
            LossReport report = traffic.awaitAllAcknowledgedReceived(Duration.ofSeconds(30));
            assertNothingAcknowledgedLost(report);
            assertThat(report.total().received()).isEqualTo(2_000);
        }
    }

    @Test
    void aSubscriberThatNeverAcknowledgesHoldsUpNobodyAndABoundedPartOfMemory() throws Exception {
        try (Cluster cluster = new Cluster(kafka.bootstrapServers()).withEnv("MQTT_MAX_QUEUED_MESSAGES", "200");
             SequencedTraffic traffic = new SequencedTraffic();
             SequencedTraffic flood = new SequencedTraffic()) {
            cluster.startRouter("router-1");
            Cluster.Gateway gw = cluster.startGateway("gw-1");
            try (RawMqtt never = new RawMqtt(gw.port())) {
                never.send(connect5("never-acks", new byte[0]));
                never.readUntilClosed(Duration.ofMillis(500));
                never.send(packet(0x82, u16(1), varInt(0), str("fate/#"), new byte[]{1}));
                never.readUntilClosed(Duration.ofMillis(500));
                traffic.subscribe(gw.port(), "healthy-sub", "fate/healthy", Duration.ZERO);

                // The healthy subscriber's stream, and 20 MB that the stuck client receives and never
                // acknowledges, through the same gateway at the same time.
                CompletableFuture<Void> healthy = traffic.publish(gw.port(), "healthy-pub", "fate/healthy", 20_000, 100,
                        Duration.ZERO);
                CompletableFuture<Void> stuck = flood.publish(gw.port(), "flood-pub", "fate/stuck", 20_000, 100,
                        Duration.ZERO, 1_000);
                CompletableFuture.allOf(healthy, stuck).get(3, TimeUnit.MINUTES);
                LossReport report = traffic.awaitAllAcknowledgedReceived(Duration.ofSeconds(60));
                assertNothingAcknowledgedLost(report);
                assertThat(report.total().received()).isEqualTo(20_000);

                JsonNode stuckClient = clientDetails(gw, "never-acks");
                assertThat(stuckClient.get("mqueue_len").asInt()).as("held in memory").isLessThanOrEqualTo(200);
                assertThat(stuckClient.get("behind_cnt").asInt()).as("left waiting in the delivery channel")
                        .isGreaterThan(15_000);
            }
        }
    }

    /**
     * A QoS 0 subscriber that stops reading its socket: what does not fit in the kernel's buffers
     * waits in the delivery channel, not in the gateway's write buffer, and arrives, all of it, in
     * order, once the client reads again.
     */
    @Test
    void aSubscriberThatStopsReadingWaitsInTheChannelNotInMemoryAndGetsEverythingWhenItReadsAgain() throws Exception {
        int count = 30_000;
        try (Cluster cluster = new Cluster(kafka.bootstrapServers()).withEnv("MQTT_MAX_QUEUED_MESSAGES", "200");
             SequencedTraffic flood = new SequencedTraffic()) {
            cluster.startRouter("router-1");
            Cluster.Gateway gw = cluster.startGateway("gw-1");
            try (RawMqtt slow = new RawMqtt(gw.port())) {
                slow.send(connect5("stops-reading", new byte[0]));
                slow.readPackets(1, Duration.ofSeconds(5)); // CONNACK
                slow.send(packet(0x82, u16(1), varInt(0), str("pause/#"), new byte[]{0}));
                slow.readPackets(1, Duration.ofSeconds(5)); // SUBACK
                // Once a probe arrives, the router has the route: every message of the flood is routed.
                Mqtt5BlockingClient prober = Clients.connect(gw.port(), "pause-probe");
                await().atMost(Duration.ofSeconds(20)).until(() -> {
                    Clients.publish(prober, "pause/probe", "probe", MqttQos.AT_LEAST_ONCE);
                    return slow.readUntilClosed(Duration.ofMillis(500)).received().length > 0;
                });
                slow.readUntilClosed(Duration.ofMillis(1_500)); // probes still on their way
                prober.disconnect();

                // 30 MB at QoS 0 while it reads nothing: the kernel's socket buffers hold about a third.
                flood.publish(gw.port(), "pause-pub", "pause/t", count, 100, Duration.ZERO, 1_000)
                        .get(3, TimeUnit.MINUTES);
                JsonNode stopped = clientDetails(gw, "stops-reading");
                assertThat(stopped.get("mqueue_len").asInt()).as("held in memory").isLessThanOrEqualTo(200);
                assertThat(stopped.get("behind_cnt").asInt()).as("left waiting in the delivery channel")
                        .isGreaterThan(10_000);

                // Each of the 30,000, once and in order: a loss would leave readPackets waiting, and fail it.
                List<byte[]> got = slow.readPackets(count, Duration.ofSeconds(60));
                for (int i = 0; i < count; i++) {
                    assertThat(got.get(i)[0] & 0xFF).as("PUBLISH at QoS 0").isEqualTo(0x30);
                    assertThat(sequenceOf(got.get(i))).as("message %d", i + 1).isEqualTo(i + 1);
                }
            }
        }
    }

    /** What the gateway reports about one of its clients (the admin API's source), printed for the log. */
    private static JsonNode clientDetails(Cluster.Gateway gw, String clientId) throws Exception {
        String details = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + gw.httpPort() + "/internal/v1/clients/" + clientId)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        System.out.println(clientId + ": " + details);
        return new ObjectMapper().readTree(details);
    }

    /**
     * The sequence number {@link SequencedTraffic} wrote at the start of the payload of an MQTT 5
     * QoS 0 PUBLISH (first byte, then topic, properties length, payload; no packet id).
     */
    private static int sequenceOf(byte[] publish) {
        int topicLength = ((publish[1] & 0xFF) << 8) | (publish[2] & 0xFF);
        int at = 3 + topicLength + 1; // a one-byte properties length: these PUBLISHes carry none
        int seq = 0;
        while (at < publish.length && publish[at] != ' ') {
            seq = seq * 10 + (publish[at++] - '0');
        }
        return seq;
    }
}
