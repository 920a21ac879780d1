package io.kmqtt.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.kmqtt.testinfra.FreePorts;
import io.kmqtt.testinfra.RedisServer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Traffic of known size through an auth-service on Redis, a router and a gateway on a real Kafka,
 * then each service's /q/metrics scraped over HTTP: every counter moved by exactly what was sent.
 */
class MetricsIT {

    private static final int MESSAGES = 20;
    private static final int PAYLOAD_BYTES = 100;
    private static final int INFLIGHT_WINDOW = 4;
    private static final int MAX_QUEUED = 3;

    @Test
    void countersMoveByExactlyTheTrafficSent() throws Exception {
        try (RedisServer redis = RedisServer.start(); Cluster cluster = new Cluster(SharedKafka.bootstrapServers())) {
            redis.command("HSET", "mqtt_user:user1", "password", "123456");
            redis.command("HSET", "mqtt_acl:user1", "topic/device_user1/#", "3");
            redis.command("HSET", "mqtt_user:backend", "password", "s3cret", "is_superuser", "1");
            String auth = cluster.startAuthService(redis.url());
            int authPort = Integer.parseInt(auth.substring(auth.lastIndexOf(':') + 1));
            int routerPort = FreePorts.find();
            cluster.startRouter("router-1", Map.of("QUARKUS_HTTP_PORT", Integer.toString(routerPort)));
            int gatewayPort = FreePorts.find();
            Cluster.Gateway gw = cluster.startGateway("gw-metrics", Map.of("MQTT_AUTH_SERVICE_URL", auth,
                    "QUARKUS_HTTP_PORT", Integer.toString(gatewayPort),
                    "MQTT_INFLIGHT_WINDOW", Integer.toString(INFLIGHT_WINDOW),
                    "MQTT_INFLIGHT_WINDOW_MAX", Integer.toString(INFLIGHT_WINDOW),
                    "MQTT_MAX_QUEUED_MESSAGES", Integer.toString(MAX_QUEUED)));

            Scrape gw0 = Scrape.of(gatewayPort);
            Scrape router0 = Scrape.of(routerPort);
            Scrape auth0 = Scrape.of(authPort);

            // Two subscribers, one publisher: N messages of P bytes reach each subscriber once. The
            // subscriptions are QoS 0 so that the small window and queue set above (for the last part)
            // cannot drop any of these.
            Clients.Collector sub1 = new Clients.Collector(login(gw.port(), "sub-1", "backend", "s3cret"))
                    .subscribe("topic/device_user1/t_1", MqttQos.AT_MOST_ONCE);
            Clients.Collector sub2 = new Clients.Collector(login(gw.port(), "sub-2", "backend", "s3cret"))
                    .subscribe("topic/device_user1/t_1", MqttQos.AT_MOST_ONCE);
            Mqtt5BlockingClient device = login(gw.port(), "device-1", "user1", "123456");
            awaitRoutes(routerPort, 1); // a route takes effect once the router has read it, a moment after SUBACK
            byte[] payload = new byte[PAYLOAD_BYTES];
            Arrays.fill(payload, (byte) 'x');
            for (int i = 0; i < MESSAGES; i++) {
                device.publishWith().topic("topic/device_user1/t_1").payload(payload).qos(MqttQos.AT_LEAST_ONCE).send();
            }
            assertThat(sub1.await(MESSAGES, Duration.ofSeconds(30))).hasSize(MESSAGES);
            assertThat(sub2.await(MESSAGES, Duration.ofSeconds(30))).hasSize(MESSAGES);

            // A wrong password and a publish outside the ACL.
            catchThrowableOfType(Mqtt5ConnAckException.class, () -> login(gw.port(), "intruder", "user1", "nope"));
            // MQTT 5: PUBACK with 0x87 (not authorized), which the client reports as an error.
            catchThrowable(() -> device.publishWith().topic("topic/device_user2/t_1").payload(payload)
                    .qos(MqttQos.AT_LEAST_ONCE).send());

            int subscribers = 2;
            int deliveries = MESSAGES * subscribers;
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Scrape now = Scrape.of(gatewayPort);
                assertThat(delta(gw0, now, "mqtt_connects_total")).as("connects").isEqualTo(3);
                assertThat(delta(gw0, now, "mqtt_auth_total", "result", "success")).isEqualTo(3);
                assertThat(delta(gw0, now, "mqtt_auth_total", "result", "bad_credentials")).isEqualTo(1);
                // Where each CONNECT waited: all four reached the handler and the auth-service, the three accepted were announced.
                assertThat(delta(gw0, now, "mqtt_connect_stage_seconds_count", "stage", "wire")).isEqualTo(4);
                assertThat(delta(gw0, now, "mqtt_connect_stage_seconds_count", "stage", "auth")).isEqualTo(4);
                assertThat(delta(gw0, now, "mqtt_connect_stage_seconds_count", "stage", "announce")).isEqualTo(3);
                assertThat(delta(gw0, now, "mqtt_messages_in_total")).as("messages in").isEqualTo(MESSAGES);
                assertThat(delta(gw0, now, "mqtt_bytes_in_total")).as("bytes in").isEqualTo(MESSAGES * PAYLOAD_BYTES);
                assertThat(delta(gw0, now, "mqtt_messages_out_total")).as("messages out").isEqualTo(deliveries);
                assertThat(delta(gw0, now, "mqtt_deliveries_total")).as("deliveries").isEqualTo(deliveries);
                assertThat(delta(gw0, now, "mqtt_bytes_out_total")).as("bytes out").isEqualTo(deliveries * PAYLOAD_BYTES);
                assertThat(delta(gw0, now, "mqtt_delivery_latency_seconds_count")).as("latency samples").isEqualTo(deliveries);
                assertThat(delta(gw0, now, "mqtt_messages_dropped_total", "reason", "acl_denied")).isEqualTo(1);
                assertThat(delta(gw0, now, "mqtt_messages_dropped_total", "reason", "queue_full")).isZero();
                assertThat(now.value("mqtt_connections")).isEqualTo(3);
                assertThat(now.value("mqtt_subscriptions")).isEqualTo(2);
                assertThat(now.value("mqtt_subscription_filters")).isEqualTo(1);
            });
            Scrape gw1 = Scrape.of(gatewayPort);
            // Every sample is within the histogram's last bucket, and the sum is a plausible latency.
            assertThat(gw1.value("mqtt_delivery_latency_seconds_bucket", "le", "+Inf"))
                    .isEqualTo(gw1.value("mqtt_delivery_latency_seconds_count"));
            assertThat(gw1.value("mqtt_delivery_latency_seconds_sum")).isGreaterThanOrEqualTo(0).isLessThan(deliveries * 30.0);

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Scrape now = Scrape.of(routerPort);
                assertThat(delta(router0, now, "router_messages_in_total")).as("router messages in").isEqualTo(MESSAGES);
                // One delivery per matching gateway, not per subscriber.
                assertThat(delta(router0, now, "router_deliveries_out_total")).as("router deliveries").isEqualTo(MESSAGES);
                assertThat(delta(router0, now, "router_messages_unrouted_total")).isZero();
                assertThat(now.value("router_gateways_live")).isEqualTo(1);
            });

            Scrape authNow = Scrape.of(authPort);
            assertThat(delta(auth0, authNow, "auth_decisions_total", "outcome", "allow")).isEqualTo(3);
            assertThat(delta(auth0, authNow, "auth_decisions_total", "outcome", "bad_credentials")).isEqualTo(1);
            assertThat(delta(auth0, authNow, "auth_store_lookup_seconds_count", "store", "redis", "result", "found")).isEqualTo(4);

            // A subscriber that never acknowledges: W messages in flight, Q queued, the rest wait in the delivery
            // channel (the session falls behind it) instead of being dropped.
            Mqtt5BlockingClient slow = login(gw.port(), "slow-1", "backend", "s3cret");
            List<Mqtt5Publish> unacked = new CopyOnWriteArrayList<>();
            slow.toAsync().publishes(MqttGlobalPublishFilter.ALL, unacked::add, true);
            slow.subscribeWith().topicFilter("topic/device_user1/slow").qos(MqttQos.AT_LEAST_ONCE).send();
            awaitRoutes(routerPort, 2);
            int sent = 10;
            for (int i = 0; i < sent; i++) {
                device.publishWith().topic("topic/device_user1/slow").payload(payload).qos(MqttQos.AT_LEAST_ONCE).send();
            }
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Scrape now = Scrape.of(gatewayPort);
                assertThat(delta(gw1, now, "mqtt_messages_out_total")).isEqualTo(sent);
                assertThat(delta(gw1, now, "mqtt_deliveries_total")).isEqualTo(INFLIGHT_WINDOW);
                assertThat(delta(gw1, now, "mqtt_delivery_latency_seconds_count")).isEqualTo(INFLIGHT_WINDOW);
                assertThat(now.value("mqtt_messages_inflight")).isEqualTo(INFLIGHT_WINDOW);
                assertThat(now.value("mqtt_messages_queued")).isEqualTo(MAX_QUEUED);
                assertThat(delta(gw1, now, "mqtt_messages_dropped_total", "reason", "queue_full")).isZero();
                assertThat(now.value("mqtt_sessions_behind")).as("sessions behind the delivery channel").isEqualTo(1);
            });
            assertThat(unacked).hasSize(INFLIGHT_WINDOW);

            // The bus's Kafka clients export their metrics, consumer lag among them, tagged with their role.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Scrape g = Scrape.of(gatewayPort);
                assertThat(g.has("kafka_consumer_fetch_manager_records_lag_max", "role", "deliveries")).isTrue();
                assertThat(g.has("kafka_consumer_fetch_manager_records_lag", "role", "deliveries",
                        "topic", cluster.topicPrefix() + ".deliveries.gw-metrics")).isTrue();
                assertThat(g.has("kafka_producer_record_send_total", "role", "gateway-producer")).isTrue();
                Scrape r = Scrape.of(routerPort);
                assertThat(r.has("kafka_consumer_fetch_manager_records_lag", "role", "shards",
                        "topic", cluster.topicPrefix() + ".messages")).isTrue();
                assertThat(r.has("kafka_producer_record_send_total", "role", "router-producer")).isTrue();
            });

            slow.disconnect();
            device.disconnect();
            sub1.client.disconnect();
            sub2.client.disconnect();
        }
    }

    private static void awaitRoutes(int routerPort, int routes) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(Scrape.of(routerPort).value("router_routes")).as("routes held by the router").isEqualTo(routes));
    }

    private static double delta(Scrape before, Scrape after, String name, String... labels) {
        return after.value(name, labels) - (before.has(name, labels) ? before.value(name, labels) : 0);
    }

    private static Mqtt5BlockingClient login(int port, String clientId, String user, String password) {
        Mqtt5BlockingClient c = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port).buildBlocking();
        c.connectWith().cleanStart(true).simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
        return c;
    }
}
