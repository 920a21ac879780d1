package io.kmqtt.core.state;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A client as one gateway sees it: who, from where, with which session settings and
 * subscriptions. Written by the gateway at CONNECT, at every (un)subscribe and at disconnect.
 *
 * <p>The key holds the gateway too, so that two gateways never overwrite each other's entry for
 * the same client id (a client that reconnects elsewhere before its old connection is noticed as
 * closed). Readers take the newest connected entry of a client id.
 *
 * @param sessionExpirySeconds MQTT 5 Session Expiry Interval; for MQTT 3.1.1 0 with clean session,
 *                             {@link #NEVER_EXPIRES} without
 * @param disconnectedAtMillis 0 while connected
 */
public record ClientRecord(
        String clientId,
        String username,
        String gatewayId,
        String incarnation,
        String peer,
        int protocolVersion,
        int keepAliveSeconds,
        boolean cleanStart,
        long sessionExpirySeconds,
        long connectedAtMillis,
        long disconnectedAtMillis,
        List<Subscription> subscriptions) {

    private static final int VERSION = 1;
    public static final long NEVER_EXPIRES = 0xFFFFFFFFL;

    /**
     * One subscription.
     *
     * @param options the MQTT 5 subscription options byte: QoS in bits 0-1, No Local bit 2, Retain
     *                As Published bit 3, Retain Handling bits 4-5
     */
    public record Subscription(String filter, int options) {
        public Subscription {
            Objects.requireNonNull(filter, "filter");
        }

        public static Subscription of(String filter, int qos, boolean noLocal, boolean retainAsPublished, int retainHandling) {
            return new Subscription(filter, (qos & 3) | (noLocal ? 4 : 0) | (retainAsPublished ? 8 : 0) | ((retainHandling & 3) << 4));
        }

        public int qos() {
            return options & 3;
        }

        public boolean noLocal() {
            return (options & 4) != 0;
        }

        public boolean retainAsPublished() {
            return (options & 8) != 0;
        }

        public int retainHandling() {
            return (options >> 4) & 3;
        }
    }

    public ClientRecord {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(gatewayId, "gatewayId");
        username = username == null ? "" : username;
        incarnation = incarnation == null ? "" : incarnation;
        peer = peer == null ? "" : peer;
        subscriptions = List.copyOf(subscriptions);
    }

    public boolean connected() {
        return disconnectedAtMillis == 0;
    }

    public String key() {
        return key(clientId, gatewayId);
    }

    /** Client id first, so that a sorted table lists a client's entries together and in client-id order. */
    public static String key(String clientId, String gatewayId) {
        return clientId + '\u0000' + gatewayId;
    }

    /** The client id part of a key. */
    public static String clientIdOf(String key) {
        int end = key.lastIndexOf('\u0000');
        return end < 0 ? key : key.substring(0, end);
    }

    public byte[] encode() {
        RecordCodec.Writer w = new RecordCodec.Writer(VERSION)
                .writeString(clientId).writeString(username).writeString(gatewayId).writeString(incarnation)
                .writeString(peer).writeByte(protocolVersion).writeInt(keepAliveSeconds).writeBoolean(cleanStart)
                .writeLong(sessionExpirySeconds).writeLong(connectedAtMillis).writeLong(disconnectedAtMillis)
                .writeInt(subscriptions.size());
        for (Subscription s : subscriptions) {
            w.writeString(s.filter()).writeByte(s.options());
        }
        return w.toBytes();
    }

    public static ClientRecord decode(byte[] data) {
        RecordCodec.Reader r = new RecordCodec.Reader(data, VERSION, "client");
        String clientId = r.readString();
        String username = r.readString();
        String gatewayId = r.readString();
        String incarnation = r.readString();
        String peer = r.readString();
        int protocolVersion = r.readByte();
        int keepAlive = r.readInt();
        boolean cleanStart = r.readBoolean();
        long expiry = r.readLong();
        long connectedAt = r.readLong();
        long disconnectedAt = r.readLong();
        int count = r.readInt();
        if (count < 0 || count > data.length) {
            throw new IllegalArgumentException("client record claims " + count + " subscriptions");
        }
        List<Subscription> subs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            subs.add(new Subscription(r.readString(), r.readByte()));
        }
        return new ClientRecord(clientId, username, gatewayId, incarnation, peer, protocolVersion, keepAlive, cleanStart,
                expiry, connectedAt, disconnectedAt, subs);
    }
}
