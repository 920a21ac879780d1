package io.kmqtt.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;
import io.kmqtt.testinfra.RedisServer;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The dashboard of the standalone broker (bin/broker, with Redis for MQTT users), driven in
 * headless chromium like an operator would, checked against real MQTT clients.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardIT {

    private static final String PASSWORD = "admin-pass-1";

    private RedisServer redis;
    private ChildProcess broker;
    private Browser browser;
    private int mqttPort;
    private int wsPort;
    private String base;

    @RegisterExtension
    final Browser.ScreenshotOnFailure screenshots = new Browser.ScreenshotOnFailure(() -> browser);

    @BeforeAll
    void start() throws Exception {
        redis = RedisServer.start();
        mqttPort = FreePorts.find();
        int httpPort = FreePorts.find();
        wsPort = FreePorts.find();
        broker = StandaloneBroker.start("dashboard-standalone", mqttPort, Map.of(
                "QUARKUS_HTTP_PORT", Integer.toString(httpPort), "MQTT_WS_PORT", Integer.toString(wsPort),
                "QUARKUS_REDIS_HOSTS", redis.url(), "AUTH_PASSWORD_HASH", "plain", "MQTT_ALLOW_ANONYMOUS", "true",
                "ADMIN_BOOTSTRAP_PASSWORD", PASSWORD, "ADMIN_MONITOR_INTERVAL", "1s", "MQTT_STATS_INTERVAL", "1s",
                "ADMIN_PASSWORD_ITERATIONS", "10000"));
        base = "http://127.0.0.1:" + httpPort;
        broker.awaitLogLine("Listening on: " + base, Duration.ofSeconds(60));
        browser = Browser.start();
        browser.signIn(base, "admin", PASSWORD);
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
        if (broker != null) {
            broker.stop();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aConnectedClientIsListedAndAKickDisconnectsIt() throws Exception {
        CompletableFuture<Void> lost = new CompletableFuture<>();
        Mqtt5BlockingClient device = Mqtt5Client.builder().identifier("dash-kick-1").serverHost("127.0.0.1")
                .serverPort(mqttPort).addDisconnectedListener(ctx -> lost.complete(null)).buildBlocking();
        device.connect();
        browser.awaitListed(base, PASSWORD, "dash-kick-1");

        browser.route("#/clients?clientid_prefix=dash-kick");
        browser.awaitText("#clients tbody", "dash-kick-1");
        browser.awaitText("tr[data-clientid='dash-kick-1']", "connected");

        browser.click("tr[data-clientid='dash-kick-1'] kmq-confirm button");
        browser.click("tr[data-clientid='dash-kick-1'] kmq-confirm button"); // the second click confirms
        browser.awaitText(".alert-ok", "dash-kick-1 was disconnected");
        lost.get(5, TimeUnit.SECONDS);
        browser.awaitText("#clients tbody", "No client matches");
    }

    @Test
    void aClientsPageShowsItsConnectionAndSubscriptions() {
        Clients.Collector device = new Clients.Collector(mqttPort, "dash-detail-1").subscribe("farm/+/temp", MqttQos.AT_LEAST_ONCE);
        try {
            browser.awaitListed(base, PASSWORD, "dash-detail-1", "farm/+/temp");
            browser.route("#/clients/dash-detail-1");
            browser.awaitText("#protocol", "MQTT 5.0");
            browser.awaitText("#address", "127.0.0.1:");
            browser.awaitText("#keepalive", "30 s");
            browser.awaitText("#subscriptions", "farm/+/temp");
            browser.awaitText("#inflight", "0");
        } finally {
            device.client.disconnect();
        }
    }

    @Test
    void aMessagePublishedFromThePublishPageReachesAnMqttClient() throws Exception {
        Clients.Collector subscriber = new Clients.Collector(mqttPort, "dash-sub-1").subscribe("dash/pub/#", MqttQos.AT_LEAST_ONCE);
        try {
            browser.route("#/publish");
            browser.type("#publish-form input[name=topic]", "dash/pub/kitchen");
            browser.type("#publish-form textarea[name=payload]", "21.5 °C");
            browser.click("#add-property");
            browser.type(".prop-name", "origin");
            browser.type(".prop-value", "dashboard");
            browser.click("#publish");
            browser.awaitText(".alert-ok", "Published to dash/pub/kitchen");

            List<Mqtt5Publish> got = subscriber.await(1, Duration.ofSeconds(10));
            assertThat(got).extracting(Clients::text).containsExactly("21.5 °C");
            assertThat(got.get(0).getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
            assertThat(got.get(0).getUserProperties().asList()).anySatisfy(p -> {
                assertThat(p.getName().toString()).isEqualTo("origin");
                assertThat(p.getValue().toString()).isEqualTo("dashboard");
            });
        } finally {
            subscriber.client.disconnect();
        }
    }

    @Test
    void aRetainedMessageIsShownAsTextOrHexAndDeleted() {
        Mqtt5BlockingClient publisher = Clients.connect(mqttPort, "dash-retainer");
        publisher.publishWith().topic("dash/retained/state").payload("on".getBytes(StandardCharsets.UTF_8)).retain(true)
                .qos(MqttQos.AT_LEAST_ONCE).send();
        publisher.disconnect();

        browser.route("#/retained?topic_prefix=dash/retained/");
        browser.awaitText("#retained tbody", "dash/retained/state");
        browser.click("tr[data-topic='dash/retained/state'] a");
        browser.awaitText("#payload", "on");
        browser.click("#retained-message .row button:nth-of-type(2)"); // Hex
        browser.awaitText("#payload", "6f 6e");
        browser.click("#delete-retained button");
        browser.click("#delete-retained button");
        browser.awaitText(".alert-ok", "was deleted");
        browser.awaitText("#retained tbody", "No retained message matches");

        Clients.Collector late = new Clients.Collector(mqttPort, "dash-late").subscribe("dash/retained/#", MqttQos.AT_LEAST_ONCE);
        try {
            assertThat(late.await(1, Duration.ofSeconds(1))).as("the retained message is gone").isEmpty();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        } finally {
            late.client.disconnect();
        }
    }

    @Test
    void aBanAddedOnTheBansPageRefusesTheConnect() {
        browser.route("#/banned");
        browser.select("#ban-form select[name=as]", "client id");
        browser.type("#ban-form input[name=who]", "dash-banned-1");
        browser.type("#ban-form input[name=reason]", "stolen");
        browser.click("#ban-form button[type=submit]");
        browser.awaitText("#bans tbody", "dash-banned-1");

        browser.awaitTrue(Duration.ofSeconds(10), "the gateway refuses the banned client id", () ->
                refusal("dash-banned-1", null, null) == Mqtt5ConnAckReasonCode.BANNED);

        browser.click("tr[data-who='dash-banned-1'] kmq-confirm button");
        browser.click("tr[data-who='dash-banned-1'] kmq-confirm button");
        browser.awaitText(".alert-ok", "was lifted");
        browser.awaitTrue(Duration.ofSeconds(10), "the client id may connect again", () ->
                refusal("dash-banned-1", null, null) == Mqtt5ConnAckReasonCode.SUCCESS);
    }

    @Test
    void aUserCreatedOnTheUsersPageConnectsWithItsPassword() {
        browser.route("#/users");
        browser.type("#user-form input[name=username]", "dash-alice");
        browser.type("#user-form input[name=password]", "alice-pw-1");
        browser.click("#user-form button[type=submit]");
        browser.awaitText("h1", "dash-alice"); // the new user's page
        browser.type("#rule-form input[name=filter]", "alice/#");
        browser.click("#rule-form button[type=submit]");
        browser.awaitText("#acl", "alice/#");

        assertThat(refusal("dash-alice-device", "dash-alice", "alice-pw-1")).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        assertThat(refusal("dash-alice-device", "dash-alice", "wrong")).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);

        browser.route("#/users?like=dash-");
        browser.awaitText("#users", "dash-alice");
    }

    @Test
    void theOverviewChartsMoveUnderLoad() throws Exception {
        browser.route("#/overview");
        browser.awaitText("#nodes", "standalone");
        AtomicBoolean loading = new AtomicBoolean(true);
        Mqtt5BlockingClient publisher = Clients.connect(mqttPort, "dash-load");
        Thread load = new Thread(() -> {
            long end = System.nanoTime() + Duration.ofSeconds(25).toNanos();
            while (loading.get() && System.nanoTime() < end) {
                Clients.publish(publisher, "dash/load", "x", MqttQos.AT_MOST_ONCE);
                try {
                    Thread.sleep(5); // about 200 messages a second
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        load.start();
        try {
            browser.awaitTrue(Duration.ofSeconds(20), "the messages chart shows messages coming in",
                    () -> lastValue("#chart-messages", "in /s") > 10);
            browser.awaitTrue(Duration.ofSeconds(10), "the connections chart counts the publisher",
                    () -> lastValue("#chart-connections", "connections") >= 1);
            assertThat(Integer.parseInt(String.valueOf(browser.script(
                    "return document.querySelector('#chart-messages').dataset.points")))).isGreaterThan(1);
        } finally {
            loading.set(false);
            load.join(5000);
            publisher.disconnect();
        }
    }

    @Test
    void theWebSocketClientSubscribesAndReceives() {
        browser.route("#/websocket");
        browser.type("#ws-connect input[name=url]", "ws://127.0.0.1:" + wsPort + "/mqtt");
        browser.click("#ws-connect-button");
        browser.awaitText("#ws-status", "connected");
        browser.type("#ws-subscribe input[name=topic]", "dash/ws/#");
        browser.click("#ws-subscribe button");
        browser.awaitText(".alert-ok", "Subscribed to dash/ws/#");

        Mqtt5BlockingClient device = Clients.connect(mqttPort, "dash-ws-device");
        Clients.publish(device, "dash/ws/door", "open", MqttQos.AT_LEAST_ONCE);
        device.disconnect();
        browser.awaitText("#ws-messages", "dash/ws/door");
        browser.awaitText("#ws-messages", "open");
        browser.click("#ws-disconnect");
        browser.awaitText("#ws-status", "disconnected");
    }

    /** A viewer opened by an address with credentials: sees the clients, no button, and 403 from the API. */
    @Test
    void aViewerSeesEverythingAndChangesNothing() {
        given().baseUri(base).auth().preemptive().basic("admin", PASSWORD).contentType(ContentType.JSON)
                .body(Map.of("username", "dash-viewer", "password", "viewer-pw-1", "role", "viewer"))
                .post("/api/v1/admins").then().statusCode(200);
        Mqtt5BlockingClient device = Clients.connect(mqttPort, "dash-seen-1");
        browser.awaitListed(base, PASSWORD, "dash-seen-1");
        Browser viewer = null;
        try {
            viewer = Browser.start();
            viewer.open(base.replace("http://", "http://dash-viewer:viewer-pw-1@") + "/dashboard/#/clients?clientid_prefix=dash-seen");
            viewer.awaitText("#role", "viewer");
            viewer.awaitText("#clients tbody", "dash-seen-1");
            assertThat(viewer.all("kmq-confirm")).as("no kick button").isEmpty();
            viewer.route("#/banned");
            viewer.await("#bans");
            assertThat(viewer.all("#ban-form")).as("no ban form").isEmpty();

            Object status = viewer.asyncScript("const done = arguments[arguments.length - 1];"
                    + "fetch(location.origin + '/api/v1/clients/dash-seen-1', {method: 'DELETE', headers: {"
                    + "Authorization: 'Basic ' + btoa('dash-viewer:viewer-pw-1'), 'X-Requested-With': 'XMLHttpRequest'}})"
                    + ".then(r => done(r.status))");
            assertThat(status).isEqualTo(403L);
            assertThat(device.getState().isConnected()).isTrue();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } finally {
            if (viewer != null) {
                viewer.close();
            }
            device.disconnect();
        }
    }

    @Test
    void aWrongPasswordIsToldOnTheFormWithoutTheBrowsersDialog() throws Exception {
        try (Browser other = Browser.start()) {
            other.open(base + "/dashboard/#/clients");
            other.type("input[name=username]", "admin");
            other.type("input[name=password]", "not-the-password");
            other.click("form.signin-card button[type=submit]");
            other.awaitText(".signin-card .alert-error", "Wrong user name or password");
        }
    }

    /** The newest value a chart plots for one series (its element keeps it in data-last). */
    private double lastValue(String chart, String series) {
        Object v = browser.script("const d = document.querySelector(arguments[0])?.dataset.last;"
                + "return d ? (JSON.parse(d)[arguments[1]] ?? -1) : -1", chart, series);
        return ((Number) v).doubleValue();
    }

    private Mqtt5ConnAckReasonCode refusal(String clientId, String username, String password) {
        Mqtt5BlockingClient c = Clients.unconnected(mqttPort, clientId);
        Mqtt5ConnAckException e = catchThrowableOfType(Mqtt5ConnAckException.class, () -> {
            if (username == null) {
                c.connect();
            } else {
                c.connectWith().simpleAuth().username(username).password(password.getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth().send();
            }
            c.disconnect();
        });
        return e == null ? Mqtt5ConnAckReasonCode.SUCCESS : e.getMqttMessage().getReasonCode();
    }
}
