package io.kmqtt.core.state;

import java.util.Objects;

/**
 * An order broadcast to every gateway; the one holding the client carries it out, the others
 * ignore it.
 *
 * @param origin  who sent it: a gateway's {@code id/incarnation} for a takeover (so that the
 *                sender ignores its own), {@code admin:<user>} for the admin API
 * @param filter  the topic filter, for SUBSCRIBE and UNSUBSCRIBE
 * @param qos     the QoS, for SUBSCRIBE
 * @param session for RELEASED: the released session's {@link SessionRecord} as its holder last knew
 *                it (its subscriptions are newer than the sessions table may yet show); else empty
 */
public record ClusterCommand(Type type, String clientId, String origin, String filter, int qos, byte[] session) {

    /** Version 2 added the session. */
    private static final int VERSION = 2;

    public ClusterCommand(Type type, String clientId, String origin, String filter, int qos) {
        this(type, clientId, origin, filter, qos, new byte[0]);
    }

    public enum Type {
        /** Disconnect the client (admin kick, MQTT 5 reason 0x98 Administrative action). */
        KICK,
        /** The client connected at another gateway: disconnect the old connection (0x8E Session taken over). */
        TAKEOVER,
        /** Subscribe the client on behalf of an operator. */
        SUBSCRIBE,
        /** Unsubscribe the client on behalf of an operator. */
        UNSUBSCRIBE,
        /**
         * The client connected at another gateway with a clean start: disconnect the old connection
         * and discard its session, without saving what it had in flight.
         */
        TAKEOVER_DISCARD,
        /**
         * The gateway that held the client's session has saved what it had queued and in flight to
         * the offline queue: the gateway named in {@code filter} may now read it.
         */
        RELEASED,
        /** End the client's disconnected persistent session (admin API); the gateway parking it drops it. */
        DISCARD_SESSION
    }

    public ClusterCommand {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(clientId, "clientId");
        origin = origin == null ? "" : origin;
        filter = filter == null ? "" : filter;
        session = session == null ? new byte[0] : session;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterCommand c && type == c.type && clientId.equals(c.clientId) && origin.equals(c.origin)
                && filter.equals(c.filter) && qos == c.qos && java.util.Arrays.equals(session, c.session);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, clientId, origin, filter, qos, java.util.Arrays.hashCode(session));
    }

    public byte[] encode() {
        return new RecordCodec.Writer(VERSION).writeByte(type.ordinal()).writeString(clientId).writeString(origin)
                .writeString(filter).writeByte(qos).writeBytes(session).toBytes();
    }

    public static ClusterCommand decode(byte[] data) {
        RecordCodec.Reader r = new RecordCodec.Reader(data, 1, VERSION, "command");
        int type = r.readByte();
        if (type >= Type.values().length) {
            throw new IllegalArgumentException("command type " + type + " is not known");
        }
        return new ClusterCommand(Type.values()[type], r.readString(), r.readString(), r.readString(), r.readByte(),
                r.version() >= 2 ? r.readBytes() : new byte[0]);
    }
}
