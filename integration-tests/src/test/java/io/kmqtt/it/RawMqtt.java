package io.kmqtt.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * MQTT packets as raw bytes, for what no client library will send, and a socket that reports what
 * the broker answered and whether it closed the connection.
 */
public final class RawMqtt implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawMqtt(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Sends bytes; a broker that already closed may make this fail, which callers may ignore. */
    RawMqtt send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** What the broker sent until it closed the connection or the time ran out. */
    record Outcome(byte[] received, boolean closed) {
        int firstType() {
            return received.length == 0 ? -1 : (received[0] & 0xF0) >> 4;
        }
    }

    Outcome readUntilClosed(Duration timeout) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] buf = new byte[4096];
        while (System.nanoTime() < deadline) {
            socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            try {
                int n = in.read(buf);
                if (n < 0) {
                    return new Outcome(got.toByteArray(), true);
                }
                got.write(buf, 0, n);
            } catch (SocketTimeoutException e) {
                break;
            } catch (IOException reset) {
                return new Outcome(got.toByteArray(), true); // connection reset: closed too
            }
        }
        return new Outcome(got.toByteArray(), false);
    }

    /** Reads exactly n bytes (for answers the test waits for before sending more). */
    byte[] read(int n, Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        return in.readNBytes(n);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** The packets in a byte stream, as (type, body) pairs; a trailing partial packet is left out. */
    static java.util.List<byte[]> packets(byte[] stream) {
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        int i = 0;
        while (i < stream.length) {
            int start = i++;
            int length = 0;
            int shift = 0;
            while (i < stream.length) {
                int b = stream[i++] & 0xFF;
                length |= (b & 0x7F) << shift;
                shift += 7;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            if (i + length > stream.length) {
                break;
            }
            out.add(java.util.Arrays.copyOfRange(stream, start, i + length));
            i += length;
        }
        return out;
    }

    /**
     * Reads n whole packets, each as its first byte followed by its body (the Remaining Length
     * left out), for tests that wait for each answer.
     */
    java.util.List<byte[]> readPackets(int n, Duration timeout) throws IOException {
        java.util.List<byte[]> packets = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] header = read(1, timeout);
            int length = 0;
            int shift = 0;
            while (true) {
                byte b = read(1, timeout)[0];
                length |= (b & 0x7F) << shift;
                shift += 7;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            packets.add(concat(header, read(length, timeout)));
        }
        return packets;
    }

    // ---- packet builders ------------------------------------------------------------------------

    public static byte[] varInt(int value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        do {
            int digit = value % 128;
            value /= 128;
            b.write(value > 0 ? digit | 0x80 : digit);
        } while (value > 0);
        return b.toByteArray();
    }

    public static byte[] str(String s) {
        return utf8(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A length-prefixed "UTF-8" string of these exact bytes (valid or not). */
    public static byte[] utf8(byte[] bytes) {
        return concat(new byte[]{(byte) (bytes.length >> 8), (byte) bytes.length}, bytes);
    }

    public static byte[] u16(int v) {
        return new byte[]{(byte) (v >> 8), (byte) v};
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    /** A packet: first byte, the minimal remaining length, the body. */
    public static byte[] packet(int firstByte, byte[]... body) {
        byte[] b = concat(body);
        return concat(new byte[]{(byte) firstByte}, varInt(b.length), b);
    }

    static byte[] connect311(String clientId) {
        return connect311(str(clientId));
    }

    static byte[] connect311(byte[] encodedClientId) {
        return packet(0x10, str("MQTT"), new byte[]{4, 0x02, 0, 60}, encodedClientId);
    }

    /** An MQTT 5 CONNECT with these raw CONNECT properties. */
    static byte[] connect5(String clientId, byte[] properties) {
        return packet(0x10, str("MQTT"), new byte[]{5, 0x02, 0, 60}, varInt(properties.length), properties, str(clientId));
    }

    static byte[] publish311(int flags, byte[] encodedTopic, byte[] packetIdIfQos, byte[] payload) {
        return packet(0x30 | flags, encodedTopic, packetIdIfQos, payload);
    }

    static byte[] publish5(int flags, byte[] encodedTopic, byte[] packetIdIfQos, byte[] properties, byte[] payload) {
        return packet(0x30 | flags, encodedTopic, packetIdIfQos, varInt(properties.length), properties, payload);
    }
}
