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
 */
public record ClusterCommand(Type type, String clientId, String origin, String filter, int qos) {

    private static final int VERSION = 1;

    public enum Type {
        /** Disconnect the client (admin kick, MQTT 5 reason 0x98 Administrative action). */
        KICK,
        /** The client connected at another gateway: disconnect the old connection (0x8E Session taken over). */
        TAKEOVER,
        /** Subscribe the client on behalf of an operator. */
        SUBSCRIBE,
        /** Unsubscribe the client on behalf of an operator. */
        UNSUBSCRIBE
    }

    public ClusterCommand {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(clientId, "clientId");
        origin = origin == null ? "" : origin;
        filter = filter == null ? "" : filter;
    }

    public byte[] encode() {
        return new RecordCodec.Writer(VERSION).writeByte(type.ordinal()).writeString(clientId).writeString(origin)
                .writeString(filter).writeByte(qos).toBytes();
    }

    public static ClusterCommand decode(byte[] data) {
        RecordCodec.Reader r = new RecordCodec.Reader(data, VERSION, "command");
        int type = r.readByte();
        if (type >= Type.values().length) {
            throw new IllegalArgumentException("command type " + type + " is not known");
        }
        return new ClusterCommand(Type.values()[type], r.readString(), r.readString(), r.readString(), r.readByte());
    }
}
