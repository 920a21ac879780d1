package io.kmqtt.it.conformance;

import io.kmqtt.it.RawMqtt;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static io.kmqtt.it.RawMqtt.concat;
import static io.kmqtt.it.RawMqtt.packet;
import static io.kmqtt.it.RawMqtt.str;
import static io.kmqtt.it.RawMqtt.u16;
import static io.kmqtt.it.RawMqtt.varInt;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One MQTT connection spoken in raw bytes, for what client libraries hide: packet identifiers,
 * fixed-header flags (DUP, QoS, RETAIN), CONNACK return codes and the Session Present flag, reason
 * codes, and packets no library will send. It reads whole packets, and tells whether and when the
 * broker closed the connection.
 *
 * <p>The static methods build packets; nothing is validated, so invalid packets can be built too.
 */
final class Wire implements AutoCloseable {

    /** How long a test watches for something that must not arrive. */
    static final Duration QUIET = Duration.ofMillis(400);
    /** How long an expected answer may take. */
    static final Duration ANSWER = Duration.ofSeconds(5);

    static final int CONNACK = 2;
    static final int PUBLISH = 3;
    static final int PUBACK = 4;
    static final int PUBREC = 5;
    static final int PUBREL = 6;
    static final int PUBCOMP = 7;
    static final int SUBACK = 9;
    static final int UNSUBACK = 11;
    static final int PINGRESP = 13;
    static final int DISCONNECT = 14;

    static final byte[] PINGREQ = {(byte) 0xC0, 0};
    static final byte[] DISCONNECT_311 = {(byte) 0xE0, 0};

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    final boolean v5;
    private byte[] buffer = new byte[0];
    private boolean eof;
    private int nextPacketId = 1;
    /** The CONNACK, for connections opened with one of the connect methods. */
    Packet connack;

    private Wire(int port, boolean v5) throws IOException {
        this.v5 = v5;
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** An open TCP connection that will speak MQTT 3.1.1; nothing sent yet. */
    static Wire open311(int port) throws IOException {
        return new Wire(port, false);
    }

    /** An open TCP connection that will speak MQTT 5; nothing sent yet. */
    static Wire open5(int port) throws IOException {
        return new Wire(port, true);
    }

    /** MQTT 3.1.1, clean session 1, keep alive 60 s; fails unless CONNACK accepts. */
    static Wire connect311(int port, String clientId) throws IOException {
        return connect311(port, clientId, true);
    }

    static Wire connect311(int port, String clientId, boolean cleanSession) throws IOException {
        Wire wire = open311(port);
        wire.send(connect311(clientId, cleanSession, 60));
        wire.expectConnackAccepted();
        return wire;
    }

    /** MQTT 5, clean start 1, no properties; fails unless CONNACK accepts. */
    static Wire connect5(int port, String clientId) throws IOException {
        return connect5(port, clientId, true, new byte[0]);
    }

    static Wire connect5(int port, String clientId, boolean cleanStart, byte[] properties) throws IOException {
        Wire wire = open5(port);
        wire.send(connect5(clientId, cleanStart, 60, properties));
        wire.expectConnackAccepted();
        return wire;
    }

    private void expectConnackAccepted() throws IOException {
        connack = expect(ANSWER);
        assertThat(connack.type()).as("CONNACK expected, got %s", connack).isEqualTo(CONNACK);
        assertThat(connack.returnCode()).as("CONNACK return code").isZero();
    }

    int nextId() {
        int id = nextPacketId;
        nextPacketId = nextPacketId == 0xFFFF ? 1 : nextPacketId + 1;
        return id;
    }

    /**
     * Writes the packets. A broker that already closed the connection may make this fail; that is
     * ignored here and seen by the test in what it reads afterwards.
     */
    Wire send(byte[]... packets) {
        try {
            for (byte[] p : packets) {
                out.write(p);
            }
            out.flush();
        } catch (IOException closedAlready) {
            // seen by the test in what it reads next
        }
        return this;
    }

    /**
     * Writes the packets and tells whether the connection took them: false once a write fails, as
     * it does after the broker reset the connection ("broken pipe", "connection reset").
     */
    boolean write(byte[]... packets) {
        try {
            for (byte[] p : packets) {
                out.write(p);
            }
            out.flush();
            return true;
        } catch (IOException reset) {
            return false;
        }
    }

    /** The next packet, or null if none arrives in time or the broker closed the connection. */
    Packet next(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean last = false;
        while (true) {
            Packet p = parse();
            if (p != null) {
                return p;
            }
            if (eof || last) {
                return null;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) { // time is up: one last look at what already arrived (a packet, or the close)
                last = true;
                left = 1_000_000;
            }
            fill(left);
        }
    }

    /** The next packet; fails if none arrives in time. */
    Packet expect(Duration timeout) throws IOException {
        Packet p = next(timeout);
        assertThat(p).as("a packet from the broker within %s (connection closed: %s)", timeout, eof).isNotNull();
        return p;
    }

    /** The next packet, which must be of this type. */
    Packet expect(int type) throws IOException {
        Packet p = expect(ANSWER);
        assertThat(p.type()).as("packet type of %s", p).isEqualTo(type);
        return p;
    }

    /** Every packet that arrives within the window (less if the broker closes the connection). */
    List<Packet> collect(Duration window) throws IOException {
        List<Packet> got = new ArrayList<>();
        long deadline = System.nanoTime() + window.toNanos();
        Packet p;
        while ((p = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) != null) {
            got.add(p);
            if (System.nanoTime() >= deadline) {
                break;
            }
        }
        return got;
    }

    /** What the broker sent until it closed the connection, whether it did within max, and when. */
    record Closing(List<Packet> packets, boolean closed, Duration after) {
    }

    Closing awaitClose(Duration max) throws IOException {
        long start = System.nanoTime();
        List<Packet> got = collect(max);
        return new Closing(got, eof, Duration.ofNanos(System.nanoTime() - start));
    }

    boolean isClosed() {
        return eof;
    }

    private void fill(long nanos) throws IOException {
        socket.setSoTimeout((int) Math.max(1, nanos / 1_000_000));
        byte[] chunk = new byte[8192];
        try {
            int n = in.read(chunk);
            if (n < 0) {
                eof = true;
                return;
            }
            byte[] grown = Arrays.copyOf(buffer, buffer.length + n);
            System.arraycopy(chunk, 0, grown, buffer.length, n);
            buffer = grown;
        } catch (SocketTimeoutException timeout) {
            // nothing yet
        } catch (IOException reset) {
            eof = true; // a reset is a close too
        }
    }

    private Packet parse() {
        if (buffer.length < 2) {
            return null;
        }
        int i = 1;
        int length = 0;
        int shift = 0;
        while (true) {
            if (i >= buffer.length) {
                return null;
            }
            int b = buffer[i++] & 0xFF;
            length |= (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        if (i + length > buffer.length) {
            return null;
        }
        Packet p = new Packet(buffer[0] & 0xFF, Arrays.copyOfRange(buffer, i, i + length), v5);
        buffer = Arrays.copyOfRange(buffer, i + length, buffer.length);
        return p;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    // ---- conveniences on an accepted connection ------------------------------------------------

    /** Subscribes to one filter (MQTT 5: options = the QoS) and returns the SUBACK's code. */
    int subscribe(String filter, int qosOrOptions) throws IOException {
        int id = nextId();
        send(v5 ? subscribe5(id, filter, qosOrOptions) : subscribe311(id, filter, qosOrOptions));
        Packet suback = expect(SUBACK);
        assertThat(suback.packetId()).isEqualTo(id);
        return suback.subackCodes().get(0);
    }

    /** Publishes and completes the QoS flow (PUBACK; PUBREC, PUBREL, PUBCOMP) before returning. */
    void publish(String topic, int qos, boolean retain, String payload) throws IOException {
        int id = qos == 0 ? 0 : nextId();
        send(v5 ? publish5(topic, qos, false, retain, id, new byte[0], payload) : publish311(topic, qos, false, retain, id, payload));
        if (qos == 1) {
            assertThat(expect(PUBACK).packetId()).isEqualTo(id);
        } else if (qos == 2) {
            assertThat(expect(PUBREC).packetId()).isEqualTo(id);
            send(pubrel(id));
            assertThat(expect(PUBCOMP).packetId()).isEqualTo(id);
        }
    }

    /** Receives n PUBLISH packets, acknowledging each as its QoS requires. */
    List<Publish> receive(int n, Duration timeout) throws IOException {
        return receive(n, timeout, true);
    }

    /**
     * Receives up to n PUBLISH packets within the timeout. With acknowledge, QoS 1 gets PUBACK, QoS 2
     * PUBREC and a PUBREL from the broker PUBCOMP; other packets are ignored.
     */
    List<Publish> receive(int n, Duration timeout, boolean acknowledge) throws IOException {
        List<Publish> got = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (got.size() < n) {
            long left = deadline - System.nanoTime();
            Packet p = left <= 0 ? null : next(Duration.ofNanos(left));
            if (p == null) {
                break;
            }
            if (p.type() == PUBLISH) {
                Publish m = p.publish();
                got.add(m);
                if (acknowledge && m.qos() == 1) {
                    send(puback(m.packetId()));
                } else if (acknowledge && m.qos() == 2) {
                    send(pubrec(m.packetId()));
                }
            } else if (p.type() == PUBREL && acknowledge) {
                send(pubcomp(p.packetId()));
            }
        }
        return got;
    }

    /**
     * Waits until the broker serves this retained message to new subscriptions: the retained store
     * follows a PUBLISH asynchronously.
     */
    static void awaitRetained(int port, String topic, String payload) throws IOException {
        long deadline = System.nanoTime() + ANSWER.toNanos();
        int attempt = 0;
        while (System.nanoTime() < deadline) {
            try (Wire probe = connect311(port, "retained-probe-" + System.nanoTime() + "-" + attempt++)) {
                probe.subscribe(topic, 1);
                if (probe.receive(1, Duration.ofMillis(200)).stream().anyMatch(p -> p.text().equals(payload))) {
                    return;
                }
            }
        }
        throw new AssertionError("retained message '" + payload + "' on " + topic + " not served within " + ANSWER);
    }

    // ---- packets as bytes --------------------------------------------------------------------------

    static byte[] u32(long v) {
        return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** MQTT 5 properties: a Property Length and the given id-value pairs (already encoded). */
    static byte[] props(byte[]... properties) {
        byte[] all = concat(properties);
        return concat(varInt(all.length), all);
    }

    /** Session Expiry Interval property (0x11), for props(). */
    static byte[] sessionExpiry(long seconds) {
        return concat(new byte[] {0x11}, u32(seconds));
    }

    static byte[] connect311(String clientId, boolean cleanSession, int keepAlive) {
        return packet(0x10, str("MQTT"), new byte[] {4, (byte) (cleanSession ? 0x02 : 0)}, u16(keepAlive), str(clientId));
    }

    /** MQTT 3.1.1 CONNECT with a will. */
    static byte[] connect311(String clientId, boolean cleanSession, String willTopic, String willMessage, int willQos,
                             boolean willRetain) {
        int flags = (cleanSession ? 0x02 : 0) | 0x04 | willQos << 3 | (willRetain ? 0x20 : 0);
        return packet(0x10, str("MQTT"), new byte[] {4, (byte) flags}, u16(60), str(clientId), str(willTopic), str(willMessage));
    }

    /** MQTT 5 CONNECT; properties are raw property bytes (without their length). */
    static byte[] connect5(String clientId, boolean cleanStart, int keepAlive, byte[] properties) {
        return packet(0x10, str("MQTT"), new byte[] {5, (byte) (cleanStart ? 0x02 : 0)}, u16(keepAlive),
                props(properties), str(clientId));
    }

    /** MQTT 5 CONNECT with a will (QoS 0) and no will properties. */
    static byte[] connect5(String clientId, boolean cleanStart, byte[] properties, String willTopic, String willMessage,
                           boolean willRetain) {
        int flags = (cleanStart ? 0x02 : 0) | 0x04 | (willRetain ? 0x20 : 0);
        return packet(0x10, str("MQTT"), new byte[] {5, (byte) flags}, u16(60), props(properties), str(clientId),
                props(), str(willTopic), str(willMessage));
    }

    /** SUBSCRIBE (3.1.1): pairs of filter (String) and requested QoS byte (Integer). */
    static byte[] subscribe311(int packetId, Object... filtersAndQos) {
        return packet(0x82, u16(packetId), pairs(filtersAndQos));
    }

    /** SUBSCRIBE (5): pairs of filter (String) and subscription options byte (Integer); no properties. */
    static byte[] subscribe5(int packetId, Object... filtersAndOptions) {
        return packet(0x82, u16(packetId), props(), pairs(filtersAndOptions));
    }

    private static byte[] pairs(Object... filtersAndBytes) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < filtersAndBytes.length; i += 2) {
            b.writeBytes(str((String) filtersAndBytes[i]));
            b.write((Integer) filtersAndBytes[i + 1]);
        }
        return b.toByteArray();
    }

    static byte[] unsubscribe311(int packetId, String... filters) {
        return packet(0xA2, u16(packetId), concat(Arrays.stream(filters).map(RawMqtt::str).toArray(byte[][]::new)));
    }

    static byte[] unsubscribe5(int packetId, String... filters) {
        return packet(0xA2, u16(packetId), props(), concat(Arrays.stream(filters).map(RawMqtt::str).toArray(byte[][]::new)));
    }

    static int publishFlags(int qos, boolean dup, boolean retain) {
        return 0x30 | (dup ? 0x08 : 0) | qos << 1 | (retain ? 0x01 : 0);
    }

    static byte[] publish311(String topic, int qos, boolean dup, boolean retain, int packetId, String payload) {
        return packet(publishFlags(qos, dup, retain), str(topic), qos == 0 ? new byte[0] : u16(packetId), bytes(payload));
    }

    /** MQTT 5 PUBLISH; properties are raw property bytes (without their length). */
    static byte[] publish5(String topic, int qos, boolean dup, boolean retain, int packetId, byte[] properties,
                           String payload) {
        return packet(publishFlags(qos, dup, retain), str(topic), qos == 0 ? new byte[0] : u16(packetId),
                props(properties), bytes(payload));
    }

    static byte[] puback(int packetId) {
        return packet(0x40, u16(packetId));
    }

    static byte[] pubrec(int packetId) {
        return packet(0x50, u16(packetId));
    }

    static byte[] pubrel(int packetId) {
        return packet(0x62, u16(packetId));
    }

    static byte[] pubcomp(int packetId) {
        return packet(0x70, u16(packetId));
    }

    /** An MQTT 5 PUBACK/PUBREC/PUBREL/PUBCOMP with a reason code. */
    static byte[] ack5(int firstByte, int packetId, int reasonCode) {
        return packet(firstByte, u16(packetId), new byte[] {(byte) reasonCode});
    }

    /** An MQTT 5 DISCONNECT with a reason code and raw property bytes. */
    static byte[] disconnect5(int reasonCode, byte[] properties) {
        return packet(0xE0, new byte[] {(byte) reasonCode}, props(properties));
    }

    // ---- packets as read ----------------------------------------------------------------------

    /** A packet received from the broker: its first byte and its body (after the Remaining Length). */
    record Packet(int firstByte, byte[] body, boolean v5) {

        int type() {
            return firstByte >> 4;
        }

        int flags() {
            return firstByte & 0x0F;
        }

        /** The packet as it was on the wire (the broker must use the minimal Remaining Length). */
        byte[] encoded() {
            return packet(firstByte, body);
        }

        int u16(int offset) {
            return (body[offset] & 0xFF) << 8 | (body[offset + 1] & 0xFF);
        }

        /** Of PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK. */
        int packetId() {
            return u16(0);
        }

        boolean sessionPresent() {
            return (body[0] & 0x01) != 0;
        }

        /** CONNACK return code (3.1.1) or reason code (5). */
        int returnCode() {
            return body[1] & 0xFF;
        }

        /** The reason code of an MQTT 5 acknowledgement or DISCONNECT (0 when left out). */
        int reasonCode() {
            if (type() == DISCONNECT) {
                return body.length == 0 ? 0 : body[0] & 0xFF;
            }
            if (type() == CONNACK) {
                return returnCode();
            }
            return body.length > 2 ? body[2] & 0xFF : 0;
        }

        /** MQTT 5 properties of CONNACK, DISCONNECT or an acknowledgement (empty when left out). */
        Properties properties() {
            int at = switch (type()) {
                case CONNACK -> 2;
                case DISCONNECT -> 1;
                default -> 3;
            };
            return at >= body.length ? new Properties(List.of()) : Properties.parse(body, at).properties();
        }

        /** SUBACK return codes (3.1.1) or reason codes (5), in order. */
        List<Integer> subackCodes() {
            int at = 2;
            if (v5) {
                at = Properties.parse(body, at).end();
            }
            List<Integer> codes = new ArrayList<>();
            for (int i = at; i < body.length; i++) {
                codes.add(body[i] & 0xFF);
            }
            return codes;
        }

        /** MQTT 5 UNSUBACK reason codes, in order. */
        List<Integer> unsubackCodes() {
            return subackCodes();
        }

        Publish publish() {
            assertThat(type()).as("PUBLISH expected, got %s", this).isEqualTo(PUBLISH);
            int topicLength = u16(0);
            String topic = new String(body, 2, topicLength, StandardCharsets.UTF_8);
            int at = 2 + topicLength;
            int qos = (flags() >> 1) & 0x03;
            int packetId = 0;
            if (qos > 0) {
                packetId = u16(at);
                at += 2;
            }
            Properties properties = new Properties(List.of());
            if (v5) {
                Properties.Parsed parsed = Properties.parse(body, at);
                properties = parsed.properties();
                at = parsed.end();
            }
            return new Publish(topic, qos, (flags() & 0x08) != 0, (flags() & 0x01) != 0, packetId, properties,
                    Arrays.copyOfRange(body, at, body.length));
        }

        @Override
        public String toString() {
            return HexFormat.of().formatHex(encoded());
        }
    }

    /** A PUBLISH as received. */
    record Publish(String topic, int qos, boolean dup, boolean retain, int packetId, Properties properties, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return topic + "=" + text() + " (QoS " + qos + (dup ? ", DUP" : "") + (retain ? ", RETAIN" : "")
                    + (qos > 0 ? ", id " + packetId : "") + ")";
        }
    }

    /** MQTT 5 properties as (id, value): Integer/Long for numbers, String, byte[] or String[2] for pairs. */
    record Properties(List<Object[]> entries) {

        record Parsed(Properties properties, int end) {
        }

        Optional<Object> get(int id) {
            return entries.stream().filter(e -> (Integer) e[0] == id).map(e -> e[1]).findFirst();
        }

        boolean has(int id) {
            return get(id).isPresent();
        }

        static Parsed parse(byte[] b, int at) {
            int length = 0;
            int shift = 0;
            int i = at;
            while (true) {
                int x = b[i++] & 0xFF;
                length |= (x & 0x7F) << shift;
                shift += 7;
                if ((x & 0x80) == 0) {
                    break;
                }
            }
            int end = i + length;
            List<Object[]> entries = new ArrayList<>();
            while (i < end) {
                int id = b[i++] & 0xFF;
                Object value;
                switch (id) {
                    case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> value = b[i++] & 0xFF;
                    case 0x13, 0x21, 0x22, 0x23 -> {
                        value = (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
                        i += 2;
                    }
                    case 0x02, 0x11, 0x18, 0x27 -> {
                        value = ((long) (b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8)
                                | (b[i + 3] & 0xFF);
                        i += 4;
                    }
                    case 0x0B -> {
                        int v = 0;
                        int s = 0;
                        int x;
                        do {
                            x = b[i++] & 0xFF;
                            v |= (x & 0x7F) << s;
                            s += 7;
                        } while ((x & 0x80) != 0);
                        value = v;
                    }
                    case 0x26 -> {
                        int kl = (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
                        String k = new String(b, i + 2, kl, StandardCharsets.UTF_8);
                        i += 2 + kl;
                        int vl = (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
                        String v = new String(b, i + 2, vl, StandardCharsets.UTF_8);
                        i += 2 + vl;
                        value = new String[] {k, v};
                    }
                    case 0x09, 0x16 -> {
                        int l = (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
                        value = Arrays.copyOfRange(b, i + 2, i + 2 + l);
                        i += 2 + l;
                    }
                    default -> { // UTF-8 strings: 0x03, 0x08, 0x12, 0x15, 0x1A, 0x1C, 0x1F
                        int l = (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
                        value = new String(b, i + 2, l, StandardCharsets.UTF_8);
                        i += 2 + l;
                    }
                }
                entries.add(new Object[] {id, value});
            }
            return new Parsed(new Properties(entries), end);
        }
    }
}
