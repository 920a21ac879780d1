package io.kmqtt.core.state;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One process's latest status: what it is, where its HTTP API is, and its counters. Gateways and
 * routers write one every {@code stats interval}; a node whose record is older than a few
 * intervals is down.
 *
 * @param kind     {@code gateway} or {@code router}
 * @param httpUrl  base URL of its HTTP port (health, metrics, the gateway's client details), may be empty
 * @param stats    counters (monotonic totals such as {@code messages_in}) and gauges (such as
 *                 {@code connections}); rates are derived by readers from two records
 */
public record NodeRecord(
        String id,
        String kind,
        String incarnation,
        String httpUrl,
        long startedAtMillis,
        long updatedAtMillis,
        boolean leaving,
        Map<String, Long> stats) {

    private static final int VERSION = 1;

    public NodeRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        incarnation = incarnation == null ? "" : incarnation;
        httpUrl = httpUrl == null ? "" : httpUrl;
        stats = Map.copyOf(stats);
    }

    public String key() {
        return key(kind, id);
    }

    public static String key(String kind, String id) {
        return kind + ":" + id;
    }

    public long stat(String name) {
        return stats.getOrDefault(name, 0L);
    }

    public byte[] encode() {
        RecordCodec.Writer w = new RecordCodec.Writer(VERSION)
                .writeString(id).writeString(kind).writeString(incarnation).writeString(httpUrl)
                .writeLong(startedAtMillis).writeLong(updatedAtMillis).writeBoolean(leaving).writeInt(stats.size());
        stats.forEach((name, value) -> w.writeString(name).writeLong(value));
        return w.toBytes();
    }

    public static NodeRecord decode(byte[] data) {
        RecordCodec.Reader r = new RecordCodec.Reader(data, VERSION, "node");
        String id = r.readString();
        String kind = r.readString();
        String incarnation = r.readString();
        String httpUrl = r.readString();
        long startedAt = r.readLong();
        long updatedAt = r.readLong();
        boolean leaving = r.readBoolean();
        int count = r.readInt();
        if (count < 0 || count > data.length) {
            throw new IllegalArgumentException("node record claims " + count + " stats");
        }
        Map<String, Long> stats = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            stats.put(r.readString(), r.readLong());
        }
        return new NodeRecord(id, kind, incarnation, httpUrl, startedAt, updatedAt, leaving, stats);
    }
}
