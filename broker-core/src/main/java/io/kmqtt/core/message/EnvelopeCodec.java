package io.kmqtt.core.message;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one binary encoding of {@link Envelope}, used on every Kafka topic that carries messages.
 *
 * <pre>
 * version   : 1 byte (= 1)
 * flags     : 1 byte  bits 0-1 qos, bit 2 retain, bit 3 has expiry, bit 4 has properties
 * createdAt : varlong (ms)
 * expiryAt  : varlong (ms), only with bit 3
 * topic, publisherId, originGateway : varint length + UTF-8
 * payload   : varint length + bytes
 * properties, only with bit 4:
 *   present : 1 byte bit 0 payload format, 1 content type, 2 response topic, 3 correlation data, 4 user properties
 *   then each present field in that order; user properties as varint count + (name, value) pairs
 * </pre>
 *
 * Unknown versions are rejected rather than guessed at: a newer writer must be rolled out after
 * every reader understands its format.
 */
public final class EnvelopeCodec {

    public static final byte VERSION = 1;

    private static final int FLAG_RETAIN = 1 << 2;
    private static final int FLAG_EXPIRY = 1 << 3;
    private static final int FLAG_PROPERTIES = 1 << 4;

    private EnvelopeCodec() {
    }

    public static byte[] encode(Envelope e) {
        byte[] topic = utf8(e.topic());
        byte[] publisher = utf8(e.publisherId());
        byte[] origin = utf8(e.originGateway());
        PublishProperties props = e.properties();
        boolean hasProps = !props.isEmpty();
        Writer w = new Writer(32 + topic.length + publisher.length + origin.length + e.payload().length
                + (hasProps ? estimateSize(props) : 0));
        int flags = e.qos() | (e.retain() ? FLAG_RETAIN : 0) | (e.expiryAtMillis() != 0 ? FLAG_EXPIRY : 0)
                | (hasProps ? FLAG_PROPERTIES : 0);
        w.writeByte(VERSION);
        w.writeByte(flags);
        w.writeVarLong(e.createdAtMillis());
        if (e.expiryAtMillis() != 0) {
            w.writeVarLong(e.expiryAtMillis());
        }
        w.writeBytes(topic);
        w.writeBytes(publisher);
        w.writeBytes(origin);
        w.writeBytes(e.payload());
        if (hasProps) {
            writeProperties(w, props);
        }
        return w.toByteArray();
    }

    public static Envelope decode(byte[] bytes) {
        Reader r = new Reader(bytes);
        int version = r.readByte();
        if (version != VERSION) {
            throw new IllegalArgumentException("unknown envelope version " + version + " (this reader knows "
                    + VERSION + ")");
        }
        int flags = r.readByte();
        long createdAt = r.readVarLong();
        long expiryAt = (flags & FLAG_EXPIRY) != 0 ? r.readVarLong() : 0;
        String topic = r.readString();
        String publisher = r.readString();
        String origin = r.readString();
        byte[] payload = r.readBytes();
        PublishProperties props = (flags & FLAG_PROPERTIES) != 0 ? readProperties(r) : PublishProperties.NONE;
        r.expectEnd();
        return new Envelope(topic, payload, flags & 0b11, (flags & FLAG_RETAIN) != 0, publisher, origin,
                createdAt, expiryAt, props);
    }

    private static void writeProperties(Writer w, PublishProperties p) {
        int present = (p.payloadFormatIndicator() != null ? 1 : 0)
                | (p.contentType() != null ? 1 << 1 : 0)
                | (p.responseTopic() != null ? 1 << 2 : 0)
                | (p.correlationData() != null ? 1 << 3 : 0)
                | (!p.userProperties().isEmpty() ? 1 << 4 : 0);
        w.writeByte(present);
        if (p.payloadFormatIndicator() != null) {
            w.writeByte(p.payloadFormatIndicator());
        }
        if (p.contentType() != null) {
            w.writeBytes(utf8(p.contentType()));
        }
        if (p.responseTopic() != null) {
            w.writeBytes(utf8(p.responseTopic()));
        }
        if (p.correlationData() != null) {
            w.writeBytes(p.correlationData());
        }
        if (!p.userProperties().isEmpty()) {
            w.writeVarLong(p.userProperties().size());
            for (UserProperty up : p.userProperties()) {
                w.writeBytes(utf8(up.name()));
                w.writeBytes(utf8(up.value()));
            }
        }
    }

    /** Upper bound of the encoded properties, so that encoding never grows its buffer. */
    private static int estimateSize(PublishProperties p) {
        int size = 16;
        size += p.contentType() == null ? 0 : 3 * p.contentType().length();
        size += p.responseTopic() == null ? 0 : 3 * p.responseTopic().length();
        size += p.correlationData() == null ? 0 : p.correlationData().length;
        for (UserProperty up : p.userProperties()) {
            size += 10 + 3 * (up.name().length() + up.value().length());
        }
        return size;
    }

    private static PublishProperties readProperties(Reader r) {
        int present = r.readByte();
        Integer pfi = (present & 1) != 0 ? r.readByte() : null;
        String contentType = (present & 1 << 1) != 0 ? r.readString() : null;
        String responseTopic = (present & 1 << 2) != 0 ? r.readString() : null;
        byte[] correlation = (present & 1 << 3) != 0 ? r.readBytes() : null;
        List<UserProperty> user = List.of();
        if ((present & 1 << 4) != 0) {
            int count = r.readLength();
            List<UserProperty> list = new ArrayList<>(Math.min(count, 64));
            for (int i = 0; i < count; i++) {
                list.add(new UserProperty(r.readString(), r.readString()));
            }
            user = list;
        }
        return new PublishProperties(pfi, contentType, responseTopic, correlation, user);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final class Writer {
        private byte[] buf;
        private int pos;

        Writer(int capacity) {
            buf = new byte[capacity];
        }

        void writeByte(int b) {
            ensure(1);
            buf[pos++] = (byte) b;
        }

        void writeVarLong(long v) {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[pos++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[pos++] = (byte) v;
        }

        void writeBytes(byte[] b) {
            writeVarLong(b.length);
            ensure(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
        }

        private void ensure(int n) {
            if (pos + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
            }
        }

        byte[] toByteArray() {
            return pos == buf.length ? buf : Arrays.copyOf(buf, pos);
        }
    }

    private static final class Reader {
        private final byte[] buf;
        private int pos;

        Reader(byte[] buf) {
            this.buf = buf;
        }

        int readByte() {
            if (pos >= buf.length) {
                throw truncated();
            }
            return buf[pos++] & 0xFF;
        }

        long readVarLong() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = readByte();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("malformed envelope: varint longer than 10 bytes");
        }

        int readLength() {
            long len = readVarLong();
            if (len < 0 || len > buf.length - pos) {
                throw truncated();
            }
            return (int) len;
        }

        byte[] readBytes() {
            int len = readLength();
            byte[] b = Arrays.copyOfRange(buf, pos, pos + len);
            pos += len;
            return b;
        }

        String readString() {
            int len = readLength();
            String s = new String(buf, pos, len, StandardCharsets.UTF_8);
            pos += len;
            return s;
        }

        void expectEnd() {
            if (pos != buf.length) {
                throw new IllegalArgumentException("malformed envelope: " + (buf.length - pos) + " trailing bytes");
            }
        }

        private IllegalArgumentException truncated() {
            return new IllegalArgumentException("malformed envelope: truncated at byte " + pos + " of " + buf.length);
        }
    }
}
