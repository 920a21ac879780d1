package io.kmqtt.admin.state;

import io.kmqtt.core.state.ClientRecord;
import io.kmqtt.core.state.ClientRecord.Subscription;
import io.kmqtt.core.state.NodeRecord;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ClientDirectoryTest {

    private static final ClientDirectory.Query ALL = new ClientDirectory.Query(null, null, null, null);

    private final long now = System.currentTimeMillis();
    private final NodeDirectory nodes = new NodeDirectory(60_000);
    private final ClientDirectory clients = new ClientDirectory(nodes);

    ClientDirectoryTest() {
        liveGateway("g1", "run1");
        liveGateway("g2", "run1");
    }

    private void liveGateway(String id, String incarnation) {
        NodeRecord r = new NodeRecord(id, "gateway", incarnation, "", now - 1_000, now, false, Map.of());
        nodes.onPut(r.key(), r.encode());
    }

    private static ClientRecord entry(String clientId, String gateway, String incarnation, String username,
                                      long connectedAt, long disconnectedAt, long expiry, String... filters) {
        List<Subscription> subs = Arrays.stream(filters).map(f -> Subscription.of(f, 1, false, false, 0)).toList();
        return new ClientRecord(clientId, username, gateway, incarnation, "10.0.0.1:1883", 5, 60, expiry == 0, expiry,
                connectedAt, disconnectedAt, subs);
    }

    /** A connected client on a live run of g1. */
    private static ClientRecord connected(String clientId, String... filters) {
        return entry(clientId, "g1", "run1", "user", 100, 0, 0, filters);
    }

    private ClientRecord put(ClientRecord r) {
        clients.onPut(r.key(), r.encode());
        return r;
    }

    private List<String> ids(ClientDirectory.Query query) {
        return clients.list(query, 1, 100).data().stream().map(c -> c.record().clientId()).toList();
    }

    private ClientDirectory.Client only(String clientId) {
        return clients.find(clientId).orElseThrow();
    }

    // ---- listing -------------------------------------------------------------------------

    @Test
    void listsInClientIdOrderWithPaging() {
        for (String id : List.of("c3", "c1", "c5", "c2", "c4")) {
            put(connected(id));
        }
        Page<ClientDirectory.Client> page = clients.list(ALL, 2, 2);
        assertThat(page.data()).extracting(c -> c.record().clientId()).containsExactly("c3", "c4");
        assertThat(page.meta()).isEqualTo(new Page.Meta(2, 2, 5, true));
    }

    @Test
    void filtersByUsername() {
        put(entry("a", "g1", "run1", "alice", 100, 0, 0));
        put(entry("b", "g1", "run1", "bob", 100, 0, 0));
        assertThat(ids(new ClientDirectory.Query("bob", null, null, null))).containsExactly("b");
    }

    @Test
    void filtersByClientIdPrefix() {
        for (String id : List.of("app", "dev/1", "dev/2", "dev", "devx", "e")) {
            put(connected(id));
        }
        assertThat(ids(new ClientDirectory.Query(null, "dev/", null, null))).containsExactly("dev/1", "dev/2");
        assertThat(ids(new ClientDirectory.Query(null, "dev", null, null))).containsExactly("dev", "dev/1", "dev/2", "devx");
        assertThat(ids(new ClientDirectory.Query(null, "", null, null))).hasSize(6);
    }

    @Test
    void filtersByGateway() {
        put(entry("a", "g1", "run1", "u", 100, 0, 0));
        put(entry("b", "g2", "run1", "u", 100, 0, 0));
        assertThat(ids(new ClientDirectory.Query(null, null, "g2", null))).containsExactly("b");
    }

    @Test
    void filtersByConnected() {
        put(connected("on"));
        put(entry("off", "g1", "run1", "u", 100, 200, 3600));
        assertThat(ids(new ClientDirectory.Query(null, null, null, true))).containsExactly("on");
        assertThat(ids(new ClientDirectory.Query(null, null, null, false))).containsExactly("off");
    }

    @Test
    void filterCountsOnlyMatches() {
        put(entry("a", "g1", "run1", "alice", 100, 0, 0));
        put(entry("b", "g1", "run1", "bob", 100, 0, 0));
        put(entry("c", "g1", "run1", "alice", 100, 0, 0));
        Page<ClientDirectory.Client> page = clients.list(new ClientDirectory.Query("alice", null, null, null), 1, 1);
        assertThat(page.meta()).isEqualTo(new Page.Meta(1, 1, 2, true));
    }

    // ---- one client, several entries -----------------------------------------------------

    @Test
    void clientOnTwoLiveGatewaysShowsOnceWithTheNewerConnection() {
        put(entry("c", "g1", "run1", "u", 200, 0, 0));
        put(entry("c", "g2", "run1", "u", 100, 0, 0));
        assertThat(clients.list(ALL, 1, 10).data()).extracting(c -> c.record().gatewayId()).containsExactly("g1");
        assertThat(clients.list(ALL, 1, 10).meta().count()).isEqualTo(1);
    }

    @Test
    void newerConnectionWinsWhicheverGatewaySortsFirst() {
        put(entry("c", "g1", "run1", "u", 100, 0, 0));
        put(entry("c", "g2", "run1", "u", 200, 0, 0));
        assertThat(only("c").record().gatewayId()).isEqualTo("g2");
    }

    @Test
    void connectedEntryWinsOverANewerDisconnectedOne() {
        put(entry("c", "g1", "run1", "u", 100, 0, 3600));
        put(entry("c", "g2", "run1", "u", 200, 300, 3600));
        ClientDirectory.Client c = only("c");
        assertThat(c.connected()).isTrue();
        assertThat(c.record().gatewayId()).isEqualTo("g1");
    }

    // ---- liveness ------------------------------------------------------------------------

    @Test
    void connectedEntryOfAPreviousGatewayRunIsHiddenWithACleanSession() {
        put(entry("c", "g1", "run0", "u", 100, 0, 0));
        assertThat(clients.find("c")).isEmpty();
        assertThat(clients.list(ALL, 1, 10).data()).isEmpty();
    }

    @Test
    void connectedEntryOfAPreviousGatewayRunIsHiddenEvenWithAPersistentSessionBecauseSessionsDoNotOutliveGatewaysYet() {
        put(entry("c", "g1", "run0", "u", 100, 0, 3600));
        assertThat(clients.find("c")).isEmpty();
    }

    @Test
    void connectedEntryOnAnUnknownGatewayIsHiddenWithACleanSession() {
        put(entry("c", "g9", "run1", "u", 100, 0, 0));
        assertThat(clients.find("c")).isEmpty();
    }

    @Test
    void disconnectedEntryIsListedAsDisconnected() {
        put(entry("c", "g1", "run1", "u", 100, 200, 3600));
        ClientDirectory.Client c = only("c");
        assertThat(c.connected()).isFalse();
        assertThat(c.record().disconnectedAtMillis()).isEqualTo(200);
    }

    @Test
    void liveConnectedEntryIsConnected() {
        put(connected("c"));
        assertThat(only("c").connected()).isTrue();
    }

    // ---- find ----------------------------------------------------------------------------

    @Test
    void findDoesNotMatchALongerClientIdWithTheSamePrefix() {
        put(connected("c10"));
        put(connected("c1x"));
        assertThat(clients.find("c1")).isEmpty();
        put(connected("c1"));
        assertThat(only("c1").record().clientId()).isEqualTo("c1");
    }

    @Test
    void removedEntryIsNoLongerFound() {
        ClientRecord r = put(connected("c"));
        clients.onRemove(r.key());
        assertThat(clients.find("c")).isEmpty();
        assertThat(clients.size()).isZero();
    }

    @Test
    void undecodableEntryIsSkipped() {
        clients.onPut(ClientRecord.key("c", "g1"), new byte[] {1, 0, 0});
        assertThat(clients.size()).isZero();
    }

    // ---- routes and subscription count ---------------------------------------------------

    @Test
    void routesMapEachFilterToTheGatewaysOfItsSubscribers() {
        put(connected("a", "t/#", "x"));
        put(connected("b", "t/#"));
        put(entry("c", "g2", "run1", "u", 100, 0, 0, "t/#"));
        assertThat(clients.routes()).containsOnlyKeys("t/#", "x");
        assertThat(clients.routes().get("t/#")).isEqualTo(Map.of("g1", 2, "g2", 1));
        assertThat(clients.routes().get("x")).isEqualTo(Map.of("g1", 1));
    }

    @Test
    void routeDisappearsWhenItsLastSubscriberIsRemoved() {
        ClientRecord a = put(connected("a", "t/#"));
        ClientRecord b = put(connected("b", "t/#"));
        clients.onRemove(a.key());
        assertThat(clients.routes().get("t/#")).isEqualTo(Map.of("g1", 1));
        clients.onRemove(b.key());
        assertThat(clients.routes()).isEmpty();
    }

    @Test
    void routeDisappearsWhenTheEntryIsReplacedWithoutThatSubscription() {
        put(connected("a", "old", "kept"));
        put(connected("a", "kept", "new"));
        assertThat(clients.routes()).containsOnlyKeys("kept", "new");
        assertThat(clients.routes().get("kept")).isEqualTo(Map.of("g1", 1));
    }

    @Test
    void routesLeaveWhenTheClientDisconnects() {
        put(connected("a", "t/#"));
        put(entry("a", "g1", "run1", "user", 100, 200, 3600, "t/#"));
        assertThat(clients.routes()).isEmpty();
    }

    @Test
    void subscriptionCountCountsSubscriptionsOfConnectedEntries() {
        ClientRecord a = put(connected("a", "1", "2", "3"));
        put(connected("b", "1"));
        put(entry("c", "g1", "run1", "u", 100, 200, 3600, "1", "2"));
        assertThat(clients.subscriptionCount()).isEqualTo(4);
        put(connected("a", "1"));
        assertThat(clients.subscriptionCount()).isEqualTo(2);
        clients.onRemove(a.key());
        assertThat(clients.subscriptionCount()).isEqualTo(1);
    }

    // ---- stale keys ----------------------------------------------------------------------

    @Test
    void staleKeysIsEmptyUntilBothDirectoriesCaughtUp() {
        put(entry("c", "g1", "run0", "u", 100, 0, 0));
        assertThat(clients.staleKeys(now)).isEmpty();
        clients.onCaughtUp();
        assertThat(clients.staleKeys(now)).isEmpty();
        nodes.onCaughtUp();
        assertThat(clients.staleKeys(now)).containsExactly(ClientRecord.key("c", "g1"));
    }

    @Test
    void staleKeysIsEmptyWhenOnlyTheNodesCaughtUp() {
        put(entry("c", "g1", "run0", "u", 100, 0, 0));
        nodes.onCaughtUp();
        assertThat(clients.staleKeys(now)).isEmpty();
    }

    @Test
    void staleKeysNamesConnectionsOfDeadGatewayRunsOnly() {
        ClientRecord oldRun = put(entry("a", "g1", "run0", "u", 100, 0, 0));
        ClientRecord oldPersistent = put(entry("b", "g1", "run0", "u", 100, 0, 3600)); // its session died with the run
        put(entry("c", "g1", "run1", "u", 100, 0, 0));     // live
        put(entry("d", "g9", "run1", "u", 100, 0, 0));     // gateway never heard of: not known to be dead
        clients.onCaughtUp();
        nodes.onCaughtUp();
        assertThat(clients.staleKeys(now)).containsExactlyInAnyOrder(oldRun.key(), oldPersistent.key());
    }

    @Test
    void staleKeysNamesConnectionsOfASilentGateway() {
        ClientRecord r = put(entry("a", "g1", "run1", "u", 100, 0, 0));
        clients.onCaughtUp();
        nodes.onCaughtUp();
        assertThat(clients.staleKeys(now)).isEmpty();
        assertThat(clients.staleKeys(now + 60_000)).containsExactly(r.key());
    }

    @Test
    void staleKeysNamesExpiredDisconnectedSessions() {
        ClientRecord expired = put(entry("a", "g1", "run1", "u", 100, now - 10_000, 5));
        put(entry("b", "g1", "run1", "u", 100, now - 10_000, 60));
        put(entry("c", "g1", "run1", "u", 100, 1, ClientRecord.NEVER_EXPIRES));
        ClientRecord clean = put(entry("d", "g1", "run1", "u", 100, now, 0));
        clients.onCaughtUp();
        nodes.onCaughtUp();
        assertThat(clients.staleKeys(now)).containsExactlyInAnyOrder(expired.key(), clean.key());
    }
}
