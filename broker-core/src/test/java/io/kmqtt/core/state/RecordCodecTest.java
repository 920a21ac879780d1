package io.kmqtt.core.state;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordCodecTest {

    private static final String UNICODE = "kühl-клиент-日本-😀";

    private static ClientRecord client(String clientId, String username, List<ClientRecord.Subscription> subs) {
        return new ClientRecord(clientId, username, "gw-" + UNICODE, "inc-1", "[::1]:5555", 5, 60, false,
                ClientRecord.NEVER_EXPIRES, 1_700_000_000_000L, 1_700_000_123_456L, subs);
    }

    private static NodeRecord node(Map<String, Long> stats) {
        return new NodeRecord("gw-" + UNICODE, "gateway", "inc-2", "http://höst:8080", 1L, Long.MAX_VALUE, true, stats);
    }

    private static BanRecord ban() {
        return new BanRecord(BanRecord.Kind.USERNAME, UNICODE, "spam ✉", "admin:ö", 10L, 20L);
    }

    private static ClusterCommand command() {
        return new ClusterCommand(ClusterCommand.Type.SUBSCRIBE, UNICODE, "admin:ü", "a/+/#/日本", 2);
    }

    // ---- round trips ---------------------------------------------------------------------

    @Test
    void clientRecordRoundTripsNonAsciiStrings() {
        ClientRecord r = client(UNICODE, "ユーザー", List.of(new ClientRecord.Subscription("sensors/温度/#", 1)));
        assertThat(ClientRecord.decode(r.encode())).isEqualTo(r);
    }

    @Test
    void clientRecordRoundTripsEmptyStringsAndNoSubscriptions() {
        ClientRecord r = new ClientRecord("", "", "", "", "", 4, 0, true, 0, 0, 0, List.of());
        assertThat(ClientRecord.decode(r.encode())).isEqualTo(r);
    }

    @Test
    void clientRecordNullOptionalFieldsBecomeEmptyStrings() {
        ClientRecord r = new ClientRecord("c", null, "g", null, null, 4, 0, true, 0, 0, 0, List.of());
        ClientRecord decoded = ClientRecord.decode(r.encode());
        assertThat(decoded.username()).isEmpty();
        assertThat(decoded.incarnation()).isEmpty();
        assertThat(decoded.peer()).isEmpty();
    }

    @Test
    void clientRecordRoundTripsManySubscriptionsInOrder() {
        List<ClientRecord.Subscription> subs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            subs.add(ClientRecord.Subscription.of("t/" + i + "/ü", i % 3, i % 2 == 0, i % 5 == 0, i % 3));
        }
        ClientRecord r = client("c", "u", subs);
        assertThat(ClientRecord.decode(r.encode()).subscriptions()).containsExactlyElementsOf(subs);
    }

    @Test
    void nodeRecordRoundTripsNonAsciiAndManyStats() {
        Map<String, Long> stats = new HashMap<>();
        for (int i = 0; i < 500; i++) {
            stats.put("stat_" + i + "_ß", (long) i * 1_000_000_007L - 3);
        }
        stats.put("negative", Long.MIN_VALUE);
        NodeRecord r = node(stats);
        assertThat(NodeRecord.decode(r.encode())).isEqualTo(r);
    }

    @Test
    void nodeRecordRoundTripsEmptyStringsAndNoStats() {
        NodeRecord r = new NodeRecord("", "", "", "", 0, 0, false, Map.of());
        assertThat(NodeRecord.decode(r.encode())).isEqualTo(r);
    }

    @Test
    void banRecordRoundTripsEveryKind() {
        for (BanRecord.Kind kind : BanRecord.Kind.values()) {
            BanRecord r = new BanRecord(kind, UNICODE, "spam ✉", "admin:ö", 10L, 20L);
            assertThat(BanRecord.decode(r.encode())).isEqualTo(r);
        }
    }

    @Test
    void banRecordRoundTripsEmptyStrings() {
        BanRecord r = new BanRecord(BanRecord.Kind.PEERHOST, "", null, null, 0, 0);
        assertThat(BanRecord.decode(r.encode())).isEqualTo(new BanRecord(BanRecord.Kind.PEERHOST, "", "", "", 0, 0));
    }

    @Test
    void clusterCommandRoundTripsEveryType() {
        for (ClusterCommand.Type type : ClusterCommand.Type.values()) {
            ClusterCommand c = new ClusterCommand(type, UNICODE, "admin:ü", "a/+/#/日本", 2);
            assertThat(ClusterCommand.decode(c.encode())).isEqualTo(c);
        }
    }

    @Test
    void clusterCommandRoundTripsEmptyStrings() {
        ClusterCommand c = new ClusterCommand(ClusterCommand.Type.KICK, "", null, null, 0);
        assertThat(ClusterCommand.decode(c.encode())).isEqualTo(new ClusterCommand(ClusterCommand.Type.KICK, "", "", "", 0));
    }

    // ---- subscription options ------------------------------------------------------------

    @Test
    void subscriptionOptionsPackQosNoLocalRetainAsPublishedAndRetainHandling() {
        assertThat(ClientRecord.Subscription.of("f", 2, true, true, 2).options()).isEqualTo(0b10_1_1_10);
        assertThat(ClientRecord.Subscription.of("f", 0, false, false, 0).options()).isZero();
    }

    @Test
    void subscriptionOptionsSurviveEncodingForEveryCombination() {
        for (int qos = 0; qos <= 2; qos++) {
            for (int rh = 0; rh <= 2; rh++) {
                for (boolean noLocal : new boolean[] {false, true}) {
                    for (boolean rap : new boolean[] {false, true}) {
                        ClientRecord.Subscription s = ClientRecord.Subscription.of("f", qos, noLocal, rap, rh);
                        ClientRecord.Subscription d = ClientRecord.decode(client("c", "u", List.of(s)).encode())
                                .subscriptions().get(0);
                        assertThat(d.qos()).isEqualTo(qos);
                        assertThat(d.noLocal()).isEqualTo(noLocal);
                        assertThat(d.retainAsPublished()).isEqualTo(rap);
                        assertThat(d.retainHandling()).isEqualTo(rh);
                    }
                }
            }
        }
    }

    @Test
    void subscriptionOptionBitsDoNotLeakIntoEachOther() {
        ClientRecord.Subscription s = ClientRecord.Subscription.of("f", 7, false, false, 7);
        assertThat(s.qos()).isEqualTo(3);
        assertThat(s.noLocal()).isFalse();
        assertThat(s.retainAsPublished()).isFalse();
        assertThat(s.retainHandling()).isEqualTo(3);
    }

    private static SessionRecord session() {
        return new SessionRecord(UNICODE, "gw-1", "inc-ü", false, 7200, 1_700_000_000_123L,
                Map.of("a/+/#/日本", 0x2A, "$share/g/x", 1));
    }

    @Test
    void sessionRecordRoundTrips() {
        assertThat(SessionRecord.decode(session().encode())).isEqualTo(session());
    }

    @Test
    void releasedCommandCarriesTheSession() {
        ClusterCommand released = new ClusterCommand(ClusterCommand.Type.RELEASED, "c", "gw-1/i1", "gw-2/i2", 0,
                session().encode());
        ClusterCommand decoded = ClusterCommand.decode(released.encode());
        assertThat(decoded).isEqualTo(released);
        assertThat(SessionRecord.decode(decoded.session())).isEqualTo(session());
    }

    @Test
    void aVersion1CommandStillDecodes() {
        // version 1 had no session field: a rolling upgrade meets commands of older gateways
        byte[] v1 = new ClusterCommand(ClusterCommand.Type.KICK, "c", "admin:x", "", 0).encode();
        byte[] withoutSession = java.util.Arrays.copyOf(v1, v1.length - 4);
        withoutSession[0] = 1;
        assertThat(ClusterCommand.decode(withoutSession)).isEqualTo(new ClusterCommand(ClusterCommand.Type.KICK, "c", "admin:x", "", 0));
    }

    @Test
    void sessionExpiryCountsFromTheDisconnect() {
        SessionRecord s = session();
        assertThat(s.expiredAt(s.disconnectedAtMillis() + 7_199_999)).isFalse();
        assertThat(s.expiredAt(s.disconnectedAtMillis() + 7_200_000)).isTrue();
        SessionRecord connected = new SessionRecord("c", "gw", "i", true, 1, 0, Map.of());
        assertThat(connected.expiredAt(Long.MAX_VALUE)).as("a connected session never expires").isFalse();
    }

    // ---- rejection of bad input ----------------------------------------------------------

    private static final List<Function<byte[], ?>> DECODERS =
            List.of(ClientRecord::decode, NodeRecord::decode, BanRecord::decode, ClusterCommand::decode, SessionRecord::decode);

    private static List<byte[]> validEncodings() {
        return List.of(client(UNICODE, "u", List.of(ClientRecord.Subscription.of("a/b", 1, true, false, 1))).encode(),
                node(Map.of("messages_in", 5L)).encode(), ban().encode(), command().encode(), session().encode());
    }

    @Test
    void decodeRejectsUnknownVersionByte() {
        List<byte[]> encodings = validEncodings();
        for (int i = 0; i < DECODERS.size(); i++) {
            for (int version : new int[] {0, 3, 255}) {
                byte[] data = encodings.get(i).clone();
                data[0] = (byte) version;
                Function<byte[], ?> decoder = DECODERS.get(i);
                assertThatThrownBy(() -> decoder.apply(data))
                        .isExactlyInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("version");
            }
        }
    }

    @Test
    void decodeRejectsEveryTruncationWithIllegalArgument() {
        List<byte[]> encodings = validEncodings();
        for (int i = 0; i < DECODERS.size(); i++) {
            byte[] full = encodings.get(i);
            Function<byte[], ?> decoder = DECODERS.get(i);
            for (int length = 0; length < full.length; length++) {
                byte[] prefix = Arrays.copyOf(full, length);
                assertThatThrownBy(() -> decoder.apply(prefix))
                        .as("decoder %d, %d of %d bytes", i, length, full.length)
                        .isExactlyInstanceOf(IllegalArgumentException.class);
            }
        }
    }

    @Test
    void decodeRejectsStringLengthPastTheEnd() {
        byte[] data = new RecordCodec.Writer(1).writeInt(1000).writeByte('x').toBytes();
        for (Function<byte[], ?> decoder : List.<Function<byte[], ?>>of(ClientRecord::decode, NodeRecord::decode)) {
            assertThatThrownBy(() -> decoder.apply(data))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("past the record");
        }
        byte[] ban = new RecordCodec.Writer(1).writeByte(0).writeInt(Integer.MAX_VALUE).toBytes();
        assertThatThrownBy(() -> BanRecord.decode(ban)).isExactlyInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decodeRejectsNegativeStringLength() {
        byte[] data = new RecordCodec.Writer(1).writeByte(0).writeInt(-1).toBytes();
        assertThatThrownBy(() -> ClusterCommand.decode(data)).isExactlyInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decodeRejectsImpossibleSubscriptionAndStatCounts() {
        ClientRecord c = client("c", "u", List.of());
        byte[] clientBytes = c.encode();
        setLastInt(clientBytes, Integer.MAX_VALUE);
        assertThatThrownBy(() -> ClientRecord.decode(clientBytes)).isExactlyInstanceOf(IllegalArgumentException.class);
        setLastInt(clientBytes, -1);
        assertThatThrownBy(() -> ClientRecord.decode(clientBytes)).isExactlyInstanceOf(IllegalArgumentException.class);

        byte[] nodeBytes = node(Map.of()).encode();
        setLastInt(nodeBytes, Integer.MIN_VALUE);
        assertThatThrownBy(() -> NodeRecord.decode(nodeBytes)).isExactlyInstanceOf(IllegalArgumentException.class);
    }

    private static void setLastInt(byte[] data, int value) {
        int at = data.length - 4;
        data[at] = (byte) (value >>> 24);
        data[at + 1] = (byte) (value >>> 16);
        data[at + 2] = (byte) (value >>> 8);
        data[at + 3] = (byte) value;
    }

    @Test
    void decodeRejectsUnknownBanKindAndCommandType() {
        byte[] banBytes = ban().encode();
        banBytes[1] = (byte) BanRecord.Kind.values().length;
        assertThatThrownBy(() -> BanRecord.decode(banBytes)).isExactlyInstanceOf(IllegalArgumentException.class);

        byte[] commandBytes = command().encode();
        commandBytes[1] = (byte) 0xFF;
        assertThatThrownBy(() -> ClusterCommand.decode(commandBytes)).isExactlyInstanceOf(IllegalArgumentException.class);
    }

    // ---- keys and helpers ----------------------------------------------------------------

    @Test
    void clientKeyHoldsClientIdAndGatewayAndClientIdOfRecoversIt() {
        ClientRecord r = client("dev/1", "u", List.of());
        assertThat(r.key()).isEqualTo("dev/1\u0000gw-" + UNICODE);
        assertThat(ClientRecord.clientIdOf(r.key())).isEqualTo("dev/1");
        assertThat(ClientRecord.clientIdOf("no-separator")).isEqualTo("no-separator");
    }

    @Test
    void clientKeysOfOneClientSortTogetherBeforeLongerClientIds() {
        assertThat(ClientRecord.key("c1", "zz")).isLessThan(ClientRecord.key("c10", "aa"));
        assertThat(ClientRecord.key("c1", "aa")).isLessThan(ClientRecord.key("c1", "bb"));
    }

    @Test
    void banInForceUntilItsEndAndForeverWithZero() {
        BanRecord until = new BanRecord(BanRecord.Kind.CLIENTID, "c", "", "", 0, 1000);
        assertThat(until.inForce(999)).isTrue();
        assertThat(until.inForce(1000)).isFalse();
        assertThat(new BanRecord(BanRecord.Kind.CLIENTID, "c", "", "", 0, 0).inForce(Long.MAX_VALUE)).isTrue();
    }

    @Test
    void banKindFromApiNameAcceptsLowerCaseNamesOnly() {
        assertThat(BanRecord.Kind.fromApiName("peerhost")).isEqualTo(BanRecord.Kind.PEERHOST);
        assertThat(BanRecord.key(BanRecord.Kind.USERNAME, "bob")).isEqualTo("username:bob");
        for (String bad : new String[] {"CLIENTID", "ip", "", null}) {
            assertThatThrownBy(() -> BanRecord.Kind.fromApiName(bad)).isExactlyInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void nodeKeyAndMissingStatDefaultToZero() {
        NodeRecord r = node(Map.of("connections", 3L));
        assertThat(r.key()).isEqualTo("gateway:gw-" + UNICODE);
        assertThat(r.stat("connections")).isEqualTo(3);
        assertThat(r.stat("unknown")).isZero();
    }
}
