package io.kmqtt.core.state;

import java.util.Locale;
import java.util.Objects;

/**
 * A ban: clients matching it are refused at CONNECT (MQTT 5 0x8A Banned, 3.1.1 0x05 Not
 * authorized) until it expires.
 *
 * @param untilMillis wall-clock end of the ban, 0 for never
 */
public record BanRecord(Kind kind, String value, String reason, String by, long atMillis, long untilMillis) {

    private static final int VERSION = 1;

    /** What a ban matches; the names are the admin API's ({@code as} in EMQX). */
    public enum Kind {
        CLIENTID, USERNAME, PEERHOST;

        public String apiName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind fromApiName(String name) {
            for (Kind k : values()) {
                if (k.apiName().equals(name)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("'" + name + "' is not one of clientid, username, peerhost");
        }
    }

    public BanRecord {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(value, "value");
        reason = reason == null ? "" : reason;
        by = by == null ? "" : by;
    }

    public String key() {
        return key(kind, value);
    }

    public static String key(Kind kind, String value) {
        return kind.apiName() + ":" + value;
    }

    public boolean inForce(long nowMillis) {
        return untilMillis == 0 || nowMillis < untilMillis;
    }

    public byte[] encode() {
        return new RecordCodec.Writer(VERSION).writeByte(kind.ordinal()).writeString(value).writeString(reason)
                .writeString(by).writeLong(atMillis).writeLong(untilMillis).toBytes();
    }

    public static BanRecord decode(byte[] data) {
        RecordCodec.Reader r = new RecordCodec.Reader(data, VERSION, "ban");
        int kind = r.readByte();
        if (kind >= Kind.values().length) {
            throw new IllegalArgumentException("ban kind " + kind + " is not known");
        }
        return new BanRecord(Kind.values()[kind], r.readString(), r.readString(), r.readString(), r.readLong(), r.readLong());
    }
}
