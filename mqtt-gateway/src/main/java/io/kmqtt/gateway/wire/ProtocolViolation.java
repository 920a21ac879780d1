package io.kmqtt.gateway.wire;

/**
 * A packet the {@link PacketChecker} refused after CONNECT, on its way to the connection's
 * exception handler, which answers with a DISCONNECT carrying {@link #reasonCode()}.
 */
public final class ProtocolViolation extends RuntimeException {

    private final byte reasonCode;

    public ProtocolViolation(byte reasonCode, String why) {
        super(why, null, false, false);
        this.reasonCode = reasonCode;
    }

    /** The MQTT 5 reason code: 0x81 Malformed Packet or 0x82 Protocol Error. */
    public byte reasonCode() {
        return reasonCode;
    }
}
