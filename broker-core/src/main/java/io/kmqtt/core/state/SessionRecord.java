package io.kmqtt.core.state;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A persistent session (MQTT 3.1.1 clean session 0, MQTT 5 Session Expiry Interval above 0), as
 * the sessions table holds it: who holds it, when it ends, and its subscriptions. Keyed by client id.
 *
 * <p>The owner is the gateway responsible for the session: the one its connection is on, or the
 * one it was on when it disconnected (that gateway keeps collecting its messages). When the owner
 * is dead, the routers collect them instead.
 *
 * @param ownerId              the owning gateway's id
 * @param ownerIncarnation     the owning gateway's incarnation (its run)
 * @param connected            a connection holds the session now
 * @param expirySeconds        Session Expiry Interval: how long it outlives its connection
 * @param disconnectedAtMillis when the connection ended, wall clock; 0 while connected
 * @param subscriptions        filter to subscription options ({@link io.kmqtt.core.topic.SubscriptionOptions})
 * @param subscriptionIds      filter to MQTT 5 Subscription Identifier, for the subscriptions that have one
 */
public record SessionRecord(String clientId, String ownerId, String ownerIncarnation, boolean connected,
                            long expirySeconds, long disconnectedAtMillis, Map<String, Integer> subscriptions,
                            Map<String, Integer> subscriptionIds) {

    /** A session whose subscriptions have no Subscription Identifiers. */
    public SessionRecord(String clientId, String ownerId, String ownerIncarnation, boolean connected,
                         long expirySeconds, long disconnectedAtMillis, Map<String, Integer> subscriptions) {
        this(clientId, ownerId, ownerIncarnation, connected, expirySeconds, disconnectedAtMillis, subscriptions, Map.of());
    }

    private static final int VERSION = 1;

    public SessionRecord {
        Objects.requireNonNull(clientId, "clientId");
        ownerId = ownerId == null ? "" : ownerId;
        ownerIncarnation = ownerIncarnation == null ? "" : ownerIncarnation;
        subscriptions = Map.copyOf(subscriptions);
        subscriptionIds = Map.copyOf(subscriptionIds);
    }

    /** The Subscription Identifier of the subscription to this filter; 0 for none. */
    public int subscriptionId(String filter) {
        return subscriptionIds.getOrDefault(filter, 0);
    }

    /** The session has ended: disconnected longer ago than its expiry interval. */
    public boolean expiredAt(long nowMillis) {
        return !connected && nowMillis - disconnectedAtMillis >= expirySeconds * 1000L;
    }

    /** When a disconnected session ends, wall clock. */
    public long expiresAtMillis() {
        return disconnectedAtMillis + expirySeconds * 1000L;
    }

    public byte[] encode() {
        RecordCodec.Writer w = new RecordCodec.Writer(VERSION).writeString(clientId).writeString(ownerId)
                .writeString(ownerIncarnation).writeBoolean(connected).writeLong(expirySeconds)
                .writeLong(disconnectedAtMillis).writeInt(subscriptions.size());
        subscriptions.forEach((filter, options) -> w.writeString(filter).writeByte(options).writeInt(subscriptionId(filter)));
        return w.toBytes();
    }

    public static SessionRecord decode(byte[] data) {
        RecordCodec.Reader r = new RecordCodec.Reader(data, VERSION, "session");
        String clientId = r.readString();
        String ownerId = r.readString();
        String incarnation = r.readString();
        boolean connected = r.readBoolean();
        long expiry = r.readLong();
        long disconnectedAt = r.readLong();
        int count = r.readInt();
        if (count < 0 || count > data.length) {
            throw new IllegalArgumentException("session record claims " + count + " subscriptions");
        }
        Map<String, Integer> subs = new LinkedHashMap<>();
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String filter = r.readString();
            subs.put(filter, r.readByte());
            int id = r.readInt();
            if (id != 0) {
                ids.put(filter, id);
            }
        }
        return new SessionRecord(clientId, ownerId, incarnation, connected, expiry, disconnectedAt, subs, ids);
    }
}
