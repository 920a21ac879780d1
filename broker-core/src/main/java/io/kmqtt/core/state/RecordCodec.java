package io.kmqtt.core.state;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The binary layout of cluster-state records: a version byte, then fields in a fixed order;
 * strings as a length and UTF-8 bytes. A reader rejects a version it does not know.
 */
final class RecordCodec {

    private RecordCodec() {
    }

    static final class Writer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        private final DataOutputStream out = new DataOutputStream(bytes);

        Writer(int version) {
            writeByte(version);
        }

        Writer writeByte(int v) {
            try {
                out.writeByte(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Writer writeInt(int v) {
            try {
                out.writeInt(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Writer writeLong(long v) {
            try {
                out.writeLong(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Writer writeBoolean(boolean v) {
            return writeByte(v ? 1 : 0);
        }

        Writer writeString(String s) {
            byte[] b = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
            writeInt(b.length);
            bytes.writeBytes(b);
            return this;
        }

        Writer writeBytes(byte[] b) {
            writeInt(b.length);
            bytes.writeBytes(b);
            return this;
        }

        byte[] toBytes() {
            return bytes.toByteArray();
        }
    }

    static final class Reader {
        private final DataInputStream in;
        private final int version;

        Reader(byte[] data, int expectedVersion, String what) {
            this(data, expectedVersion, expectedVersion, what);
        }

        /** A reader of every version from oldest to newest (a newer writer adds fields at the end). */
        Reader(byte[] data, int oldestVersion, int newestVersion, String what) {
            this.in = new DataInputStream(new ByteArrayInputStream(data));
            this.version = readByte();
            if (version < oldestVersion || version > newestVersion) {
                throw new IllegalArgumentException(what + " record version " + version + " is not known (expected "
                        + oldestVersion + (oldestVersion == newestVersion ? "" : " to " + newestVersion) + ")");
            }
        }

        int version() {
            return version;
        }

        byte[] readBytes() {
            int length = readInt();
            try {
                if (length < 0 || length > in.available()) {
                    throw new IllegalArgumentException("field of " + length + " bytes runs past the record");
                }
                return in.readNBytes(length);
            } catch (IOException e) {
                throw truncated(e);
            }
        }

        int readByte() {
            try {
                return in.readUnsignedByte();
            } catch (IOException e) {
                throw truncated(e);
            }
        }

        int readInt() {
            try {
                return in.readInt();
            } catch (IOException e) {
                throw truncated(e);
            }
        }

        long readLong() {
            try {
                return in.readLong();
            } catch (IOException e) {
                throw truncated(e);
            }
        }

        boolean readBoolean() {
            return readByte() != 0;
        }

        String readString() {
            int length = readInt();
            try {
                if (length < 0 || length > in.available()) {
                    throw new IllegalArgumentException("string of " + length + " bytes runs past the record");
                }
                return new String(in.readNBytes(length), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw truncated(e);
            }
        }

        private static IllegalArgumentException truncated(IOException e) {
            return new IllegalArgumentException("record is truncated", e);
        }
    }
}
