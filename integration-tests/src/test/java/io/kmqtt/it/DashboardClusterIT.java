package io.kmqtt.it;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard served by a cluster's admin API (its own process, reading the cluster from Kafka):
 * the nodes of every gateway and router, and a client on one gateway kicked from the page.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardClusterIT {

    private static final String PASSWORD = "admin-pass-1";

    private Cluster cluster;
    private Cluster.Gateway gw1;
    private Browser browser;
    private String admin;

    @RegisterExtension
    final Browser.ScreenshotOnFailure screenshots = new Browser.ScreenshotOnFailure(() -> browser);

    @BeforeAll
    void start() throws Exception {
        cluster = new Cluster(SharedKafka.bootstrapServers());
        cluster.startRouter("router-1");
        gw1 = cluster.startGateway("gw-1");
        cluster.startGateway("gw-2");
        admin = cluster.startAdminApi(PASSWORD, Map.of("ADMIN_MONITOR_INTERVAL", "1s"));
        browser = Browser.start();
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theOverviewListsEveryNodeAndAClientOnAGatewayIsKickedFromItsPage() throws Exception {
        browser.signIn(admin, "admin", PASSWORD);
        browser.route("#/overview");
        for (String node : new String[] {"gw-1", "gw-2", "router-1"}) {
            browser.awaitText("tr[data-node='" + node + "']", "running");
        }

        CompletableFuture<Mqtt5DisconnectReasonCode> reason = new CompletableFuture<>();
        Mqtt5BlockingClient device = Mqtt5Client.builder().identifier("cluster-dash-1").serverHost("127.0.0.1")
                .serverPort(gw1.port()).addDisconnectedListener(ctx -> reason.complete(
                        ctx.getCause() instanceof Mqtt5DisconnectException d ? d.getMqttMessage().getReasonCode() : null))
                .buildBlocking();
        device.connect();
        browser.awaitListed(admin, PASSWORD, "cluster-dash-1");
        browser.route("#/clients?clientid_prefix=cluster-dash");
        browser.awaitText("tr[data-clientid='cluster-dash-1']", "gw-1");
        browser.route("#/clients/cluster-dash-1");
        browser.awaitText("#client-fields", "gw-1");
        browser.click("#kick button");
        browser.click("#kick button");
        assertThat(reason.get(5, TimeUnit.SECONDS)).isEqualTo(Mqtt5DisconnectReasonCode.ADMINISTRATIVE_ACTION);
        browser.awaitText(".alert-error", "Not found");
    }
}
