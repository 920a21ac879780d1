package io.kmqtt.admin.state;

import io.kmqtt.core.state.NodeRecord;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class NodeDirectoryTest {

    private static final long EXPIRY = 30_000;
    private static final long NOW = 1_000_000;

    private final NodeDirectory nodes = new NodeDirectory(EXPIRY);

    private static NodeRecord gateway(String id, String incarnation, long updatedAt, boolean leaving, long messagesIn) {
        return new NodeRecord(id, "gateway", incarnation, "", 0, updatedAt, leaving, Map.of("messages_in", messagesIn));
    }

    private void put(NodeRecord r) {
        nodes.onPut(r.key(), r.encode());
    }

    private NodeDirectory.Status status(String id) {
        return nodes.find("gateway", id).orElseThrow();
    }

    @Test
    void rateIsTheCounterDeltaPerSecondBetweenTheLastTwoRecords() {
        put(gateway("g1", "i1", 10_000, false, 100));
        put(gateway("g1", "i1", 12_000, false, 300));
        assertThat(status("g1").rate("messages_in")).isCloseTo(100.0, within(1e-9));
    }

    @Test
    void rateUsesOnlyTheLatestTwoRecords() {
        put(gateway("g1", "i1", 10_000, false, 0));
        put(gateway("g1", "i1", 11_000, false, 1_000));
        put(gateway("g1", "i1", 15_000, false, 1_400));
        assertThat(status("g1").rate("messages_in")).isCloseTo(100.0, within(1e-9));
    }

    @Test
    void rateIsZeroWithOneRecord() {
        put(gateway("g1", "i1", 10_000, false, 100));
        assertThat(status("g1").rate("messages_in")).isZero();
    }

    @Test
    void rateIsZeroAcrossIncarnations() {
        put(gateway("g1", "i1", 10_000, false, 100));
        put(gateway("g1", "i2", 12_000, false, 5_000));
        assertThat(status("g1").rate("messages_in")).isZero();
    }

    @Test
    void rateIsZeroWhenTheCounterWentBackOrTimeDidNotAdvance() {
        put(gateway("g1", "i1", 10_000, false, 500));
        put(gateway("g1", "i1", 12_000, false, 100));
        assertThat(status("g1").rate("messages_in")).isZero();
        put(gateway("g1", "i1", 12_000, false, 900));
        assertThat(status("g1").rate("messages_in")).isZero();
    }

    @Test
    void isLiveUntilTheExpiry() {
        assertThat(nodes.isLive(gateway("g", "i", NOW - EXPIRY + 1, false, 0), NOW)).isTrue();
        assertThat(nodes.isLive(gateway("g", "i", NOW - EXPIRY, false, 0), NOW)).isFalse();
    }

    @Test
    void aLeavingNodeIsNotLive() {
        assertThat(nodes.isLive(gateway("g", "i", NOW, true, 0), NOW)).isFalse();
    }

    @Test
    void gatewayLiveOnlyForItsCurrentLiveIncarnation() {
        put(gateway("g1", "i2", NOW, false, 0));
        assertThat(nodes.gatewayLive("g1", "i2", NOW)).isTrue();
        assertThat(nodes.gatewayLive("g1", "i1", NOW)).isFalse();
        assertThat(nodes.gatewayLive("unknown", "i2", NOW)).isFalse();
        assertThat(nodes.gatewayLive("g1", "i2", NOW + EXPIRY)).isFalse();
    }

    @Test
    void gatewayLiveIgnoresRoutersOfTheSameId() {
        NodeRecord router = new NodeRecord("g1", "router", "i1", "", 0, NOW, false, Map.of());
        nodes.onPut(router.key(), router.encode());
        assertThat(nodes.gatewayLive("g1", "i1", NOW)).isFalse();
        assertThat(nodes.gatewayDead("g1", "i1", NOW)).isFalse();
    }

    @Test
    void gatewayDeadWhenReplacedSilentOrLeaving() {
        put(gateway("g1", "i2", NOW, false, 0));
        assertThat(nodes.gatewayDead("g1", "i2", NOW)).isFalse();
        assertThat(nodes.gatewayDead("g1", "i1", NOW)).isTrue();
        assertThat(nodes.gatewayDead("g1", "i2", NOW + EXPIRY)).isTrue();
        put(gateway("g1", "i2", NOW, true, 0));
        assertThat(nodes.gatewayDead("g1", "i2", NOW)).isTrue();
    }

    @Test
    void anUnknownGatewayIsNeitherLiveNorDead() {
        assertThat(nodes.gatewayDead("never-seen", "i1", NOW)).isFalse();
    }

    @Test
    void removedNodeIsForgotten() {
        NodeRecord r = gateway("g1", "i1", NOW, false, 0);
        put(r);
        nodes.onRemove(r.key());
        assertThat(nodes.find("gateway", "g1")).isEmpty();
        assertThat(nodes.all()).isEmpty();
    }

    @Test
    void undecodableRecordIsSkipped() {
        nodes.onPut("gateway:bad", new byte[] {9, 9});
        assertThat(nodes.all()).isEmpty();
    }

    @Test
    void caughtUpOnlyAfterOnCaughtUp() {
        assertThat(nodes.caughtUp()).isFalse();
        nodes.onCaughtUp();
        assertThat(nodes.caughtUp()).isTrue();
    }
}
