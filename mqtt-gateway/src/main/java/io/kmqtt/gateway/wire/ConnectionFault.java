package io.kmqtt.gateway.wire;

/**
 * Why the wire layer ends a connection after its CONNECT: a packet the {@link PacketChecker}
 * refused, or silence beyond the keep alive ({@link KeepAlive}). It travels to the connection's
 * exception handler, which answers with a DISCONNECT carrying {@link #reasonCode()}.
 */
public final class ConnectionFault extends RuntimeException {

    private final byte reasonCode;

    public ConnectionFault(byte reasonCode, String why) {
        super(why, null, false, false);
        this.reasonCode = reasonCode;
    }

    /** The MQTT 5 reason code: 0x81 Malformed Packet, 0x82 Protocol Error or 0x8D Keep Alive timeout. */
    public byte reasonCode() {
        return reasonCode;
    }
}
