package io.kmqtt.mqttbench.loss;

import java.nio.ByteBuffer;

/**
 * The payload of a sequenced message, big-endian: the send time (microseconds since the epoch, this
 * machine's clock), the publisher's id, the sequence number, then zero padding up to the size asked
 * for. The send time comes first so that readers of plain timestamped payloads read it too.
 */
public final class SequencedPayload {

    public static final int SENT_MICROS_OFFSET = 0;
    public static final int PUBLISHER_OFFSET = 8;
    public static final int SEQUENCE_OFFSET = 12;
    /** The smallest sequenced payload. */
    public static final int MIN_SIZE = 20;

    private SequencedPayload() {
    }

    public static byte[] encode(int publisher, long seq, long sentMicros, int size) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(MIN_SIZE, size));
        b.putLong(SENT_MICROS_OFFSET, sentMicros).putInt(PUBLISHER_OFFSET, publisher).putLong(SEQUENCE_OFFSET, seq);
        return b.array();
    }

    /** True if the payload is long enough to be a sequenced one. */
    public static boolean fits(ByteBuffer payload) {
        return payload.remaining() >= MIN_SIZE;
    }

    public static long sentMicros(ByteBuffer payload) {
        return payload.getLong(payload.position() + SENT_MICROS_OFFSET);
    }

    public static int publisher(ByteBuffer payload) {
        return payload.getInt(payload.position() + PUBLISHER_OFFSET);
    }

    public static long sequence(ByteBuffer payload) {
        return payload.getLong(payload.position() + SEQUENCE_OFFSET);
    }
}
