package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3SubAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;
import io.kmqtt.testinfra.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The standalone broker authenticating against a real Redis loaded with a sample of the seed's
 * dataset by bin/load-users, driven by real MQTT 3.1.1 and 5.0 clients. Neither is told a password
 * hash: README's two commands, as written, must agree on one.
 */
class StandaloneAuthIT {

    private static RedisServer redis;
    private static ChildProcess broker;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
        loadSeedSample();
        port = FreePorts.find();
        broker = ChildProcess.start(List.of(Cluster.ROOT.resolve("bin/broker").toString()),
                Map.of("MQTT_TCP_PORT", Integer.toString(port), "QUARKUS_HTTP_PORT", "0", "MQTT_WS_PORT", "0",
                        "QUARKUS_REDIS_HOSTS", redis.url(),
                        "JAVA_OPTS", "-Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"),
                Cluster.ROOT.resolve("integration-tests/target/standalone-auth.log"));
        broker.awaitLogLine("anonymous clients refused", Duration.ofSeconds(120));
        assertThat(broker.log()).as("the start-up line names the scheme it checks with").contains("passwords hashed as sha256");
    }

    private static void loadSeedSample() throws Exception {
        String output = loadUsers(Map.of(), "--redis", redis.url(), "--users", "20", "--acl-users", "10");
        assertThat(output).contains("loaded: 30 commands",
                "stored 20 users, password hash sha256 (the broker's AUTH_PASSWORD_HASH must be the same)");
    }

    private static String loadUsers(Map<String, String> env, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Cluster.ROOT.resolve("bin/load-users").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("AUTH_PASSWORD_HASH");
        builder.environment().putAll(env);
        Process load = builder.start();
        String output = new String(load.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(load.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(load.exitValue()).as(output).isZero();
        return output;
    }

    /** Users stored with another scheme than the broker's are refused, and the broker's log says why, once. */
    @Test
    void usersStoredWithAnotherSchemeAreRefusedAndTheLogNamesTheSetting() throws Exception {
        java.nio.file.Path csv = java.nio.file.Files.createTempFile("plain-users", ".csv");
        java.nio.file.Files.writeString(csv, "legacy1,secret\nlegacy2,secret\n");
        assertThat(loadUsers(Map.of("AUTH_PASSWORD_HASH", "plain"), "--redis", redis.url(), "--csv", csv.toString()))
                .contains("stored 2 users, password hash plain");
        for (String user : List.of("legacy1", "legacy2")) {
            assertThat(catchThrowableOfType(Mqtt5ConnAckException.class, () -> login5("c-" + user, user, "secret"))
                    .getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        }
        broker.awaitLogLine("is not a sha256 hash (64 hex characters)", Duration.ofSeconds(10));
        assertThat(broker.log()).containsOnlyOnce("is not a sha256 hash").contains("AUTH_PASSWORD_HASH");
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.stop();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static Mqtt5Client v5(String clientId) {
        return Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port).build();
    }

    private static Mqtt3Client v3(String clientId) {
        return Mqtt3Client.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port).build();
    }

    private static Mqtt5BlockingClient login5(String clientId, String user, String password) {
        Mqtt5BlockingClient c = v5(clientId).toBlocking();
        c.connectWith().simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
        return c;
    }

    @Test
    void seedUserConnectsAndIsHeldToItsOwnTopics() throws Exception {
        Mqtt5BlockingClient mobile = login5("mobile7", "user7", "123456");
        Clients.Collector inbox = new Clients.Collector(mobile);
        assertThat(mobile.subscribeWith().topicFilter("topic/device_user7/t_1").qos(MqttQos.AT_LEAST_ONCE).send()
                .getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_1);

        Mqtt5SubAckException subDenied = catchThrowableOfType(Mqtt5SubAckException.class, () ->
                mobile.subscribeWith().topicFilter("topic/device_user8/t_1").send());
        assertThat(subDenied.getMqttMessage().getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);

        Mqtt5BlockingClient device = login5("device7", "user7", "123456");
        Clients.publish(device, "topic/device_user7/t_1", "21.5", MqttQos.AT_LEAST_ONCE);
        assertThat(inbox.await(1, Duration.ofSeconds(10))).extracting(Clients::text).containsExactly("21.5");

        Mqtt5PubAckException pubDenied = catchThrowableOfType(Mqtt5PubAckException.class, () ->
                Clients.publish(device, "topic/device_user8/t_1", "not yours", MqttQos.AT_LEAST_ONCE));
        assertThat(pubDenied.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        assertThat(device.getState().isConnected()).as("a denied publish does not disconnect").isTrue();
        device.disconnect();
        mobile.disconnect();
    }

    @Test
    void mqtt311DeniedSubscriptionGetsFailureCode() {
        Mqtt3BlockingClient c = v3("v3-user7").toBlocking();
        c.connectWith().simpleAuth().username("user7").password("123456".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
        Mqtt3SubAckException denied = catchThrowableOfType(Mqtt3SubAckException.class, () ->
                c.subscribeWith().topicFilter("topic/device_user8/#").send());
        assertThat(denied.getMqttMessage().getReturnCodes()).containsExactly(Mqtt3SubAckReturnCode.FAILURE);
        c.disconnect();
    }

    @Test
    void wrongPasswordUnknownUserAndAnonymousAreRefusedWithTheRightCodes() {
        assertThat(catchThrowableOfType(Mqtt5ConnAckException.class, () -> login5("bad5", "user7", "wrong"))
                .getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(catchThrowableOfType(Mqtt5ConnAckException.class, () -> login5("ghost5", "user999", "123456"))
                .getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(catchThrowableOfType(Mqtt5ConnAckException.class, () -> v5("anon5").toBlocking().connect())
                .getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);

        Mqtt3BlockingClient bad3 = v3("bad3").toBlocking();
        assertThat(catchThrowableOfType(Mqtt3ConnAckException.class, () -> bad3.connectWith().simpleAuth().username("user7")
                .password("wrong".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send())
                .getMqttMessage().getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(catchThrowableOfType(Mqtt3ConnAckException.class, () -> v3("anon3").toBlocking().connect())
                .getMqttMessage().getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);
    }

    /**
     * A CONNECT with only one of the User Name and Password flags carries credentials that are
     * checked (and here wrong), not an anonymous login: "bad user name or password", not "not
     * authorized". MQTT 5 allows either alone, MQTT 3.1.1 a user name alone.
     */
    @Test
    void aUserNameOrAPasswordAloneIsCheckedNotTakenForAnonymous() {
        assertThat(catchThrowableOfType(Mqtt5ConnAckException.class, () -> v5("name-only5").toBlocking().connectWith()
                .simpleAuth().username("user7").applySimpleAuth().send())
                .getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(catchThrowableOfType(Mqtt5ConnAckException.class, () -> v5("password-only5").toBlocking().connectWith()
                .simpleAuth().password("123456".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send())
                .getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(catchThrowableOfType(Mqtt3ConnAckException.class, () -> v3("name-only3").toBlocking().connectWith()
                .simpleAuth().username("user7").applySimpleAuth().send())
                .getMqttMessage().getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD);
    }

    @Test
    void redisOutageIsServerUnavailableAndTheBrokerRecovers() throws Exception {
        redis.kill();
        try {
            assertThat(catchThrowableOfType(Mqtt5ConnAckException.class, () -> login5("out5", "user7", "123456"))
                    .getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SERVER_UNAVAILABLE);
            Mqtt3BlockingClient out3 = v3("out3").toBlocking();
            assertThat(catchThrowableOfType(Mqtt3ConnAckException.class, () -> out3.connectWith().simpleAuth().username("user7")
                    .password("123456".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send())
                    .getMqttMessage().getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.SERVER_UNAVAILABLE);
        } finally {
            redis.restart();
            loadSeedSample();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Mqtt5BlockingClient back = null;
        while (back == null) {
            try {
                back = login5("back5", "user7", "123456");
            } catch (Mqtt5ConnAckException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
        assertThat(back.getState().isConnected()).isTrue();
        back.disconnect();
    }
}
