package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The gateway's listeners and connection limits, on the packaged standalone broker: MQTT over TLS
 * with required client certificates and over WebSocket beside plain TCP, the per-gateway
 * connection limit and the per-listener CONNECT rate limit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a blocking MQTT connect has no timeout of its own
class ListenersIT {

    private TestCertificates pki;
    private ChildProcess broker;
    private int tcp;
    private int ws;
    private int tls;

    @BeforeAll
    void start() throws Exception {
        pki = TestCertificates.create(Cluster.ROOT.resolve("integration-tests/target/pki"));
        tcp = FreePorts.find();
        ws = FreePorts.find();
        tls = FreePorts.find();
        Map<String, String> env = new HashMap<>();
        env.put("MQTT_WS_PORT", Integer.toString(ws));
        env.put("MQTT_TLS_ENABLED", "true");
        env.put("MQTT_TLS_PORT", Integer.toString(tls));
        env.put("MQTT_TLS_CERT_PATH", pki.path("server.pem").toString());
        env.put("MQTT_TLS_KEY_PATH", pki.path("server.key").toString());
        env.put("MQTT_TLS_TRUST_PATH", pki.path("ca.pem").toString());
        env.put("MQTT_TLS_CLIENT_AUTH", "required");
        broker = startBroker("listeners", tcp, env);
        broker.awaitLogLine("listening on 127.0.0.1:" + tls + " (TLS, client certificates required)", Duration.ofSeconds(30));
        broker.awaitLogLine("listening on 127.0.0.1:" + ws + " (WebSocket, path /mqtt)", Duration.ofSeconds(30));
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.stop();
        }
    }

    static ChildProcess startBroker(String name, int port, Map<String, String> extra) throws Exception {
        return StandaloneBroker.start(name, port, extra);
    }

    @Test
    void aClientWithACertificateSignedByTheTrustedCaTalksOverTls() throws Exception {
        Clients.Collector plain = new Clients.Collector(tcp, "plain-sub").subscribe("secure/#", MqttQos.AT_LEAST_ONCE);
        Mqtt5BlockingClient device = Mqtt5Client.builder().identifier("tls-device").serverHost("localhost").serverPort(tls)
                .sslConfig().trustManagerFactory(pki.trust()).keyManagerFactory(pki.clientKey()).applySslConfig()
                .buildBlocking();
        device.connect();
        Clients.publish(device, "secure/temp", "22", MqttQos.AT_LEAST_ONCE);
        assertThat(plain.await(1, Duration.ofSeconds(10))).extracting(Clients::text).containsExactly("22");
        device.disconnect();
        plain.client.disconnect();
    }

    @Test
    void aTlsClientWithoutACertificateIsRefused() throws Exception {
        Mqtt5BlockingClient anonymous = Mqtt5Client.builder().identifier("no-cert").serverHost("localhost").serverPort(tls)
                .sslConfig().trustManagerFactory(pki.trust()).applySslConfig().buildBlocking();
        assertThat(catchThrowable(anonymous::connect)).isNotNull();
        assertThat(anonymous.getState().isConnected()).isFalse();
    }

    @Test
    void plainMqttOnTheTlsPortIsRefused() {
        Mqtt5BlockingClient plain = Mqtt5Client.builder().identifier("plain-on-tls").serverHost("127.0.0.1").serverPort(tls)
                .buildBlocking();
        assertThat(catchThrowable(plain::connect)).isNotNull();
    }

    @Test
    void webSocketClientsAtPathMqttTalkToTcpClients() throws Exception {
        Mqtt5BlockingClient browser = Mqtt5Client.builder().identifier("ws-app").serverHost("127.0.0.1").serverPort(ws)
                .webSocketConfig().serverPath("mqtt").applyWebSocketConfig().buildBlocking();
        browser.connect();
        Clients.Collector app = new Clients.Collector(browser).subscribe("cmd/+", MqttQos.AT_LEAST_ONCE);
        Mqtt5BlockingClient device = Clients.connect(tcp, "tcp-device");
        Clients.publish(device, "cmd/light", "on", MqttQos.AT_LEAST_ONCE);
        assertThat(app.await(1, Duration.ofSeconds(10))).extracting(Clients::text).containsExactly("on");

        Clients.Collector tcpSide = new Clients.Collector(device).subscribe("state/+", MqttQos.AT_LEAST_ONCE);
        Clients.publish(browser, "state/light", "is-on", MqttQos.AT_LEAST_ONCE);
        assertThat(tcpSide.await(1, Duration.ofSeconds(10))).extracting(Clients::text).containsExactly("is-on");
        browser.disconnect();
        device.disconnect();
    }

    @Test
    void theGatewayRefusesConnectionsBeyondItsLimitWithQuotaExceeded() throws Exception {
        int port = FreePorts.find();
        ChildProcess limited = startBroker("limited", port, Map.of("MQTT_MAX_CONNECTIONS", "3"));
        try {
            List<Mqtt5BlockingClient> held = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                held.add(Clients.connect(port, "held-" + i));
            }
            Mqtt5ConnAckException v5 = catchThrowableOfType(Mqtt5ConnAckException.class, () -> Clients.connect(port, "fourth"));
            assertThat(v5.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.QUOTA_EXCEEDED);
            Mqtt3ConnAckException v3 = catchThrowableOfType(Mqtt3ConnAckException.class, () ->
                    Mqtt3Client.builder().identifier("fourth-v3").serverHost("127.0.0.1").serverPort(port).buildBlocking().connect());
            assertThat(v3.getMqttMessage().getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.SERVER_UNAVAILABLE);
            assertThat(limited.log()).contains("this gateway holds 3 connections, its limit (mqtt.max-connections)");

            held.get(0).disconnect();
            Thread.sleep(300);
            Clients.connect(port, "fourth").disconnect();
            held.subList(1, 3).forEach(Mqtt5BlockingClient::disconnect);
        } finally {
            limited.stop();
        }
    }

    @Test
    void aBurstOfConnectsBeyondTheRateLimitIsRefusedWithConnectionRateExceeded() throws Exception {
        int port = FreePorts.find();
        ChildProcess limited = startBroker("rate-limited", port, Map.of("MQTT_MAX_CONNECT_RATE", "5"));
        try {
            List<Mqtt5AsyncClient> clients = new ArrayList<>();
            List<CompletableFuture<?>> attempts = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                Mqtt5AsyncClient c = Mqtt5Client.builder().identifier("burst-" + i).serverHost("127.0.0.1").serverPort(port).buildAsync();
                clients.add(c);
                attempts.add(c.connect());
            }
            int accepted = 0;
            int rateExceeded = 0;
            for (CompletableFuture<?> a : attempts) {
                try {
                    a.join();
                    accepted++;
                } catch (CompletionException e) {
                    if (e.getCause() instanceof Mqtt5ConnAckException refused
                            && refused.getMqttMessage().getReasonCode() == Mqtt5ConnAckReasonCode.CONNECTION_RATE_EXCEEDED) {
                        rateExceeded++;
                    }
                }
            }
            // A full bucket holds 5; the burst takes well under a second here, so at most a few more refill.
            assertThat(accepted).isBetween(5, 15);
            assertThat(accepted + rateExceeded).isEqualTo(30);
            assertThat(limited.log()).contains("CONNECTs a second on the TCP listener (mqtt.max-connect-rate)");
            clients.forEach(c -> c.disconnect());
        } finally {
            limited.stop();
        }
    }
}
