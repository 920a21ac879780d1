package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.kmqtt.testinfra.RedisServer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Gateways asking a separate auth-service over HTTP, which reads a real Redis. */
class DistributedAuthIT {

    @Test
    void gatewaysAuthenticateThroughTheAuthServiceAndEnforceItsAcl() throws Exception {
        try (RedisServer redis = RedisServer.start(); Cluster cluster = new Cluster(SharedKafka.bootstrapServers())) {
            redis.command("HSET", "mqtt_user:user1", "password", "123456");
            redis.command("HSET", "mqtt_acl:user1", "topic/device_user1/t_1", "3");
            redis.command("HSET", "mqtt_user:backend", "password", "s3cret", "is_superuser", "1");
            String auth = cluster.startAuthService(redis.url());
            cluster.startRouter("router-1");
            Map<String, String> withAuth = Map.of("MQTT_AUTH_SERVICE_URL", auth);
            Cluster.Gateway gw1 = cluster.startGateway("gw-1", withAuth);
            Cluster.Gateway gw2 = cluster.startGateway("gw-2", withAuth);
            assertThat(gw1.process().log()).contains("authentication: auth-service at " + auth, "anonymous clients refused");

            Mqtt5BlockingClient backend = login(gw1.port(), "backend-1", "backend", "s3cret");
            Clients.Collector everything = new Clients.Collector(backend).subscribe("topic/#", MqttQos.AT_LEAST_ONCE);
            Mqtt5BlockingClient device = login(gw2.port(), "device-1", "user1", "123456");
            Clients.publish(device, "topic/device_user1/t_1", "up", MqttQos.AT_LEAST_ONCE);
            assertThat(everything.await(1, Duration.ofSeconds(20))).extracting(Clients::text).containsExactly("up");

            assertThat(catchThrowableOfType(Mqtt5ConnAckException.class, () -> login(gw2.port(), "d", "user1", "nope"))
                    .getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
            assertThat(catchThrowableOfType(Mqtt5ConnAckException.class, () ->
                    Mqtt5Client.builder().identifier("anon").serverHost("127.0.0.1").serverPort(gw1.port()).buildBlocking().connect())
                    .getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
            device.disconnect();
            backend.disconnect();
        }
    }

    @Test
    void gatewaysReadingRedisThemselvesDecideAsTheAuthServiceDoes() throws Exception {
        try (RedisServer redis = RedisServer.start(); Cluster cluster = new Cluster(SharedKafka.bootstrapServers())) {
            redis.command("HSET", "mqtt_user:user1", "password", "123456");
            redis.command("HSET", "mqtt_acl:user1", "topic/device_user1/t_1", "3");
            redis.command("HSET", "mqtt_user:user2", "password", "123456");
            redis.command("HSET", "mqtt_acl:user2", "topic/device_user2/t_1", "3");
            redis.command("HSET", "mqtt_user:backend", "password", "s3cret", "is_superuser", "1");
            cluster.startRouter("router-1");
            Map<String, String> withRedis = Map.of("MQTT_AUTH_REDIS_URL", redis.url(), "MQTT_AUTH_REDIS_PASSWORD_HASH", "plain",
                    "MQTT_WARM_UP_CONNECTS", "200");
            Cluster.Gateway gw1 = cluster.startGateway("gw-1", withRedis);
            Cluster.Gateway gw2 = cluster.startGateway("gw-2", withRedis);
            assertThat(gw1.process().log()).contains("authentication: Redis at " + redis.url() + " (in the gateway",
                    "anonymous clients refused", "warmed up: 200 CONNECTs");

            Mqtt5BlockingClient backend = login(gw1.port(), "backend-1", "backend", "s3cret");
            Clients.Collector everything = new Clients.Collector(backend).subscribe("topic/#", MqttQos.AT_LEAST_ONCE);
            Mqtt5BlockingClient device = login(gw2.port(), "device-1", "user1", "123456");
            Mqtt5BlockingClient mobile = login(gw1.port(), "mobile-1", "user1", "123456");
            Mqtt5BlockingClient other = login(gw2.port(), "device-2", "user2", "123456");
            Clients.publish(device, "topic/device_user1/t_1", "up", MqttQos.AT_LEAST_ONCE);
            // user2's rules allow only its own topics: its publish to user1's is dropped (MQTT 5: PUBACK 0x87)
            Mqtt5PubAckException denied = catchThrowableOfType(Mqtt5PubAckException.class, () ->
                    Clients.publish(other, "topic/device_user1/t_1", "not mine", MqttQos.AT_LEAST_ONCE));
            assertThat(denied.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            Clients.publish(other, "topic/device_user2/t_1", "mine", MqttQos.AT_LEAST_ONCE);
            assertThat(everything.await(2, Duration.ofSeconds(20))).extracting(Clients::text).containsExactly("up", "mine");

            assertThat(catchThrowableOfType(Mqtt5ConnAckException.class, () -> login(gw2.port(), "d", "user1", "nope"))
                    .getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
            assertThat(catchThrowableOfType(Mqtt5ConnAckException.class, () -> login(gw2.port(), "d", "$warm-up", "warm-up"))
                    .getMqttMessage().getReasonCode()).as("the warm-up's user is no user").isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
            assertThat(catchThrowableOfType(Mqtt5ConnAckException.class, () ->
                    Mqtt5Client.builder().identifier("anon").serverHost("127.0.0.1").serverPort(gw1.port()).buildBlocking().connect())
                    .getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);

            // Redis gone: "server unavailable", never "bad credentials"
            redis.kill();
            assertThat(catchThrowableOfType(Mqtt5ConnAckException.class, () -> login(gw2.port(), "d2", "user1", "123456"))
                    .getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SERVER_UNAVAILABLE);
            device.disconnect();
            mobile.disconnect();
            other.disconnect();
            backend.disconnect();
        }
    }

    private static Mqtt5BlockingClient login(int port, String clientId, String user, String password) {
        Mqtt5BlockingClient c = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port).buildBlocking();
        c.connectWith().simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
        return c;
    }
}
