package io.kmqtt.core.bus;

import io.kmqtt.core.message.Envelope;

/**
 * A message as a router reads it from its shard: where it sits in the shard's log, decoded, and as
 * the log holds it, so that a delivery can forward those bytes instead of encoding them again.
 *
 * <p>The position ({@code shard}, {@code offset}) identifies the message across every copy of it a
 * router sends: a gateway that sees a shard's offsets go backwards knows it is looking at copies
 * (two routers routing one shard during a handover) and drops them.
 *
 * @param shard   the shard (messages partition) it was published to
 * @param offset  its position in that shard's log; on the memory bus a counter of its own
 * @param message the decoded message
 * @param encoded the message as stored in the log ({@link io.kmqtt.core.message.EnvelopeCodec}), or
 *                null where the bus keeps objects (the memory bus)
 */
public record ShardMessage(int shard, long offset, Envelope message, byte[] encoded) {
}
