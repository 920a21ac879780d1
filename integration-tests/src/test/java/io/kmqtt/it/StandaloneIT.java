package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The standalone broker, started the way README says (bin/broker), used by real clients. */
class StandaloneIT {

    private static ChildProcess broker;
    private static int port;

    @BeforeAll
    static void startBroker() throws Exception {
        port = FreePorts.find();
        Path log = Files.createDirectories(Cluster.ROOT.resolve("integration-tests/target")).resolve("standalone.log");
        broker = ChildProcess.start(List.of(Cluster.ROOT.resolve("bin/broker").toString()),
                Map.of("MQTT_TCP_PORT", Integer.toString(port), "QUARKUS_HTTP_PORT", "0", "MQTT_WS_PORT", "0",
                        "JAVA_OPTS", "-Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"), log);
        broker.awaitLogLine("listening on 127.0.0.1:" + port + " (TCP), authentication: none, anonymous clients allowed",
                Duration.ofSeconds(120));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.stop();
        }
    }

    @Test
    void mqtt311ClientReceivesWhatAnMqtt5ClientPublishes() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        MqttClient paho = new MqttClient("tcp://127.0.0.1:" + port, "paho-sub", new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        paho.connect(options);
        paho.subscribe("home/+/temperature", 1, (topic, message) ->
                received.add(topic + "=" + new String(message.getPayload(), StandardCharsets.UTF_8) + "@" + message.getQos()));

        Mqtt5BlockingClient publisher = Clients.connect(port, "hivemq-pub");
        Clients.publish(publisher, "home/kitchen/temperature", "21.5", MqttQos.AT_LEAST_ONCE);
        Clients.publish(publisher, "home/kitchen/humidity", "40", MqttQos.AT_LEAST_ONCE);
        Clients.publish(publisher, "home/garage/temperature", "9", MqttQos.EXACTLY_ONCE);

        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("home/kitchen/temperature=21.5@1");
        assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("home/garage/temperature=9@1");
        assertThat(received.poll(500, TimeUnit.MILLISECONDS)).isNull();
        publisher.disconnect();
        paho.disconnect();
        paho.close();
    }

    @Test
    void anMqtt5ClientWithoutAnIdIsToldTheIdAssignedToIt() {
        Mqtt5BlockingClient anonymous = Mqtt5Client.builder().serverHost("127.0.0.1").serverPort(port).buildBlocking();
        var connack = anonymous.connect();
        assertThat(connack.getAssignedClientIdentifier()).isPresent();
        assertThat(anonymous.getConfig().getClientIdentifier()).isPresent()
                .hasValueSatisfying(id -> assertThat(id.toString()).isEqualTo(connack.getAssignedClientIdentifier().get().toString()));
        anonymous.disconnect();
    }

    @Test
    void pahoPublishesAtEveryQos() throws Exception {
        Clients.Collector subscriber = new Clients.Collector(port, "qos-sub").subscribe("qos/#", MqttQos.EXACTLY_ONCE);
        MqttClient paho = new MqttClient("tcp://127.0.0.1:" + port, "paho-pub", new MemoryPersistence());
        paho.connect();
        for (int qos = 0; qos <= 2; qos++) {
            MqttMessage m = new MqttMessage(("q" + qos).getBytes(StandardCharsets.UTF_8));
            m.setQos(qos);
            paho.publish("qos/" + qos, m);
        }
        assertThat(subscriber.await(3, Duration.ofSeconds(10))).extracting(Clients::text).containsExactly("q0", "q1", "q2");
        paho.disconnect();
        paho.close();
        subscriber.client.disconnect();
    }

    @Test
    void mosquittoClientsWorkWhenInstalled() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/mosquitto_pub")), "mosquitto-clients not installed");
        Process sub = new ProcessBuilder("mosquitto_sub", "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-t", "mosq/#", "-q", "1", "-C", "1", "-W", "20", "-v").redirectErrorStream(true).start();
        Thread.sleep(1000); // let it subscribe
        Process pub = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-t", "mosq/hello", "-m", "from mosquitto", "-q", "1").redirectErrorStream(true).start();
        assertThat(pub.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pub.exitValue()).isZero();
        assertThat(sub.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(sub.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim())
                .isEqualTo("mosq/hello from mosquitto");
    }

    /**
     * Regression: two clients publishing to each other at once. Delivering from inside a publisher's
     * handler would take two connection locks in opposite orders and could deadlock.
     */
    @Test
    void twoClientsPublishingToEachOtherConcurrentlyBothReceiveEverything() throws Exception {
        // Below the per-client queue (1000) plus window (32): a larger burst is dropped oldest-first by design.
        int count = 900;
        Clients.Collector a = new Clients.Collector(port, "peer-a").subscribe("peer/a", MqttQos.AT_LEAST_ONCE);
        Clients.Collector b = new Clients.Collector(port, "peer-b").subscribe("peer/b", MqttQos.AT_LEAST_ONCE);
        java.util.concurrent.CompletableFuture<Void> aSends = java.util.concurrent.CompletableFuture.runAsync(() -> {
            for (int i = 0; i < count; i++) {
                a.client.toAsync().publishWith().topic("peer/b").payload(new byte[8]).qos(MqttQos.AT_LEAST_ONCE).send();
            }
        });
        java.util.concurrent.CompletableFuture<Void> bSends = java.util.concurrent.CompletableFuture.runAsync(() -> {
            for (int i = 0; i < count; i++) {
                b.client.toAsync().publishWith().topic("peer/a").payload(new byte[8]).qos(MqttQos.AT_LEAST_ONCE).send();
            }
        });
        aSends.get(30, TimeUnit.SECONDS);
        bSends.get(30, TimeUnit.SECONDS);
        assertThat(a.await(count, Duration.ofSeconds(30))).hasSize(count);
        assertThat(b.await(count, Duration.ofSeconds(30))).hasSize(count);
        a.client.disconnect();
        b.client.disconnect();
    }

    /** Regression: Netty 4.1.133 refused MQTT packets split over several TCP reads (netty#16776). */
    @Test
    void packetsSplitAcrossTcpSegmentsAreDecoded() throws Exception {
        Clients.Collector subscriber = new Clients.Collector(port, "frag-sub").subscribe("frag/t", MqttQos.AT_MOST_ONCE);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setTcpNoDelay(true);
            var out = socket.getOutputStream();
            var in = socket.getInputStream();
            // CONNECT, MQTT 3.1.1, clean session, keepalive 60, client id "frag"
            out.write(new byte[] {0x10, 16, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 4, 'f', 'r', 'a', 'g'});
            out.flush();
            byte[] connack = in.readNBytes(4);
            assertThat(connack).containsExactly(0x20, 2, 0, 0);
            // PUBLISH QoS 0 to "frag/t" with payload "split", sent in three pieces
            byte[] publish = {0x30, 13, 0, 6, 'f', 'r', 'a', 'g', '/', 't', 's', 'p', 'l', 'i', 't'};
            for (int[] range : new int[][] {{0, 1}, {1, 5}, {5, publish.length}}) {
                out.write(publish, range[0], range[1] - range[0]);
                out.flush();
                Thread.sleep(50);
            }
            assertThat(subscriber.await(1, Duration.ofSeconds(10))).extracting(Clients::text).containsExactly("split");
        }
        subscriber.client.disconnect();
    }

    @Test
    void sigtermDrainsClientsGraduallyThenStopsCleanly() throws Exception {
        int otherPort = FreePorts.find();
        Path log = Cluster.ROOT.resolve("integration-tests/target/standalone-sigterm.log");
        ChildProcess other = ChildProcess.start(List.of(Cluster.ROOT.resolve("bin/broker").toString()),
                Map.of("MQTT_TCP_PORT", Integer.toString(otherPort), "QUARKUS_HTTP_PORT", "0", "MQTT_WS_PORT", "0", "MQTT_DRAIN_DURATION", "2s",
                        "JAVA_OPTS", "-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"), log);
        other.awaitLogLine("listening on 127.0.0.1:" + otherPort, Duration.ofSeconds(120));

        int clients = 20;
        BlockingQueue<Long> disconnectedAt = new LinkedBlockingQueue<>();
        BlockingQueue<String> reasons = new LinkedBlockingQueue<>();
        for (int i = 0; i < clients; i++) {
            Mqtt5Client.builder().identifier("drained-" + i).serverHost("127.0.0.1").serverPort(otherPort)
                    .addDisconnectedListener(context -> {
                        disconnectedAt.add(System.nanoTime());
                        reasons.add(context.getCause() instanceof Mqtt5DisconnectException d
                                ? d.getMqttMessage().getReasonCode().name() : context.getCause().toString());
                    })
                    .buildBlocking().connect();
        }
        other.stop();
        assertThat(other.isAlive()).isFalse();
        assertThat(other.log()).contains("draining 20 client(s) over PT2S").contains("MQTT gateway standalone/").contains("stopped")
                .doesNotContain("ERROR");

        List<Long> times = new java.util.ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Long t = disconnectedAt.poll(10, TimeUnit.SECONDS);
            assertThat(t).as("client %d disconnected", i).isNotNull();
            times.add(t);
        }
        assertThat(reasons).containsOnly("SERVER_SHUTTING_DOWN");
        long spreadMillis = (java.util.Collections.max(times) - java.util.Collections.min(times)) / 1_000_000;
        assertThat(spreadMillis).as("disconnects spread over the drain duration").isBetween(1_200L, 5_000L);
    }
}
