package io.kmqtt.mqttbench.chaos;

import io.kmqtt.mqttbench.loss.SequencedPayload;
import io.netty.buffer.ByteBuf;

/**
 * A chaos message's payload: a {@link SequencedPayload} (creation time, topic index as the
 * publisher id, sequence number within its row) followed by the row it was created in and the
 * run's id, then zero padding. Messages of another run (a persistent session left over) are told
 * apart by the run id; a message is counted in the row it was created in, whenever it arrives.
 */
record ChaosPayload(long createdMicros, int topic, long seq, int row, int run) {

    static final int ROW_OFFSET = SequencedPayload.MIN_SIZE;
    static final int RUN_OFFSET = ROW_OFFSET + Integer.BYTES;
    static final int MIN_SIZE = RUN_OFFSET + Integer.BYTES;

    void write(ByteBuf buf, int size) {
        buf.writeLong(createdMicros);
        buf.writeInt(topic);
        buf.writeLong(seq);
        buf.writeInt(row);
        buf.writeInt(run);
        buf.writeZero(Math.max(0, size - MIN_SIZE));
    }

    /** The payload's fields, or null if it is too short to be a chaos payload. */
    static ChaosPayload read(ByteBuf payload) {
        if (payload.readableBytes() < MIN_SIZE) {
            return null;
        }
        int at = payload.readerIndex();
        return new ChaosPayload(payload.getLong(at + SequencedPayload.SENT_MICROS_OFFSET),
                payload.getInt(at + SequencedPayload.PUBLISHER_OFFSET), payload.getLong(at + SequencedPayload.SEQUENCE_OFFSET),
                payload.getInt(at + ROW_OFFSET), payload.getInt(at + RUN_OFFSET));
    }
}
