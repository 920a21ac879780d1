package io.kmqtt.core.state;

import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.EnvelopeCodec;

import java.util.Objects;

/**
 * The will message of a connection, as its gateway holds it: written when the client connects with
 * a will, removed when the connection ends normally or the will has been published or cancelled.
 * If the gateway dies first, the routers publish it (see {@code OrphanedWills}).
 *
 * <p>Keyed like {@link ClientRecord}, by client id and gateway, so that gateways never overwrite
 * each other's entries for a client that moved.
 *
 * @param delaySeconds how long after the connection is lost the will is published: MQTT 5
 *                     min(Will Delay Interval, Session Expiry Interval), 0 for MQTT 3.1.1
 * @param will         the message, with its MQTT 5 properties; its timestamps are set again when
 *                     it is published
 */
public record WillRecord(String clientId, GatewayRef owner, long delaySeconds, Envelope will) {

    private static final int VERSION = 1;

    public WillRecord {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(will, "will");
    }

    public String key() {
        return ClientRecord.key(clientId, owner.id());
    }

    public byte[] encode() {
        return new RecordCodec.Writer(VERSION).writeString(clientId).writeString(owner.id())
                .writeString(owner.incarnation()).writeLong(delaySeconds).writeBytes(EnvelopeCodec.encode(will)).toBytes();
    }

    public static WillRecord decode(byte[] data) {
        RecordCodec.Reader r = new RecordCodec.Reader(data, VERSION, "will");
        String clientId = r.readString();
        GatewayRef owner = new GatewayRef(r.readString(), r.readString());
        long delay = r.readLong();
        return new WillRecord(clientId, owner, delay, EnvelopeCodec.decode(r.readBytes()));
    }
}
