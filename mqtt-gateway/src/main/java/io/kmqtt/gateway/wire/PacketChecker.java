package io.kmqtt.gateway.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import org.jboss.logging.Logger;

import java.util.concurrent.TimeUnit;

/**
 * Checks a client's packets as bytes, before Netty's {@code MqttDecoder} turns them into messages,
 * for the rules that decoder does not enforce. The decoder is shared by clients and servers, keeps
 * one value per property id and reads every SUBSCRIBE options byte the MQTT 5 way, so it cannot see:
 * <ul>
 *   <li>a first packet that is not CONNECT, or a second CONNECT (MQTT-3.1.0-1, -2);</li>
 *   <li>a packet only a server sends: CONNACK, SUBACK, UNSUBACK, PINGRESP; and AUTH, since the
 *       gateway offers no enhanced authentication (MQTT 5.0 section 4.12);</li>
 *   <li>in CONNECT, the reserved flag (MQTT-3.1.2-3), Will QoS or Will Retain without the Will Flag
 *       and Will QoS 3 (MQTT-3.1.2-13 to -15) and, before MQTT 5, a password without a user name
 *       (MQTT-3.1.2-22);</li>
 *   <li>MQTT 5 properties given twice, other than User Property, or in a packet that does not allow
 *       them (MQTT 5.0 section 2.2.2.2);</li>
 *   <li>reserved bits in SUBSCRIBE options (MQTT-3-8.3-4, MQTT-3.8.3-5) and Retain Handling 3.</li>
 * </ul>
 * Packets pass on unchanged and in order. What it cannot parse (a packet larger than the limit, a
 * bad length, an unknown property) it passes on for the decoder to refuse with its own answer.
 *
 * <p>A violation in or before CONNECT closes the connection (an MQTT 5 client first gets a CONNACK
 * with the reason code). A later one goes, after the packets before it, to the gateway's
 * connection as a {@link ConnectionFault}, which answers with a DISCONNECT; if the connection is
 * still open a second later (its CONNECT was still being authenticated), it is closed. Either way,
 * every byte after the violation is discarded, so a client cannot make the gateway buffer.
 */
public final class PacketChecker extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = Logger.getLogger(PacketChecker.class);

    private static final byte MALFORMED_PACKET = (byte) 0x81;
    private static final byte PROTOCOL_ERROR = (byte) 0x82;
    private static final long CLOSE_AFTER_VIOLATION_MILLIS = 1_000;

    private static final int CONNECT = 1, CONNACK = 2, PUBLISH = 3, PUBACK = 4, PUBREC = 5, PUBREL = 6,
            PUBCOMP = 7, SUBSCRIBE = 8, SUBACK = 9, UNSUBSCRIBE = 10, UNSUBACK = 11, PINGREQ = 12, PINGRESP = 13,
            DISCONNECT = 14, AUTH = 15;
    private static final String[] PACKET_NAMES = {"reserved type 0", "CONNECT", "CONNACK", "PUBLISH", "PUBACK",
            "PUBREC", "PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP",
            "DISCONNECT", "AUTH"};

    /** Frame scan results that are not a frame's end. */
    private static final int INCOMPLETE = -1, UNCHECKED = -2;

    private final int maxPacketSize;

    /** Bytes of a packet not yet complete. */
    private ByteBuf pending;
    /** The CONNECT's protocol level once it has been checked; 0 before. */
    private int protocolLevel;
    /** The protocol level of the CONNECT being checked, so that a refusal can be answered in its version. */
    private int connectLevel;
    /** The decoder refuses what follows (a packet over the size limit, a bad length); pass bytes on as they come. */
    private boolean passThrough;
    /** A violation was found: every later byte is discarded. */
    private boolean failed;
    /** Set by {@link #check} and the parsing methods it calls. */
    private Violation violation;
    private int bodyStart;

    /** @param maxPacketSize packets with a larger Remaining Length are left to the decoder, which refuses them */
    public PacketChecker(int maxPacketSize) {
        this.maxPacketSize = maxPacketSize;
    }

    /** What is wrong with a packet and how MQTT 5 names it. */
    record Violation(byte reasonCode, String why) {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (failed) {
            in.release();
            return;
        }
        if (passThrough) {
            ctx.fireChannelRead(in);
            return;
        }
        ByteBuf buf = pending == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), pending, in);
        pending = null;
        int start = buf.readerIndex();
        int checked = start;
        Violation found = null;
        while (checked < buf.writerIndex()) {
            int end = frameEnd(buf, checked);
            if (end == INCOMPLETE) {
                break;
            }
            if (end == UNCHECKED) {
                passThrough = true;
                checked = buf.writerIndex();
                break;
            }
            found = check(buf, buf.getByte(checked) & 0xFF, bodyStart, end);
            if (found != null) {
                break;
            }
            checked = end;
            if (passThrough) {
                checked = buf.writerIndex();
                break;
            }
        }
        forward(ctx, buf, start, checked, found != null);
        if (found != null) {
            reject(ctx, found);
        }
    }

    /** Passes on the checked bytes and keeps an incomplete packet's bytes, or drops them after a violation. */
    private void forward(ChannelHandlerContext ctx, ByteBuf buf, int start, int checked, boolean dropRest) {
        if (checked == buf.writerIndex()) {
            if (checked > start) {
                ctx.fireChannelRead(buf);
            } else {
                buf.release();
            }
            return;
        }
        if (checked > start) {
            ctx.fireChannelRead(buf.retainedSlice(start, checked - start));
        }
        if (dropRest) {
            buf.release();
        } else {
            buf.readerIndex(checked);
            pending = buf;
        }
    }

    private void reject(ChannelHandlerContext ctx, Violation found) {
        failed = true;
        if (protocolLevel == 0) {
            closeBeforeConnack(ctx, found);
            return;
        }
        ctx.fireExceptionCaught(new ConnectionFault(found.reasonCode(), found.why()));
        ctx.executor().schedule(() -> {
            if (ctx.channel().isActive()) {
                LOG.infof("closing the connection from %s: %s", ctx.channel().remoteAddress(), found.why());
                ctx.close();
            }
        }, CLOSE_AFTER_VIOLATION_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void closeBeforeConnack(ChannelHandlerContext ctx, Violation found) {
        LOG.infof("connection from %s closed without CONNACK: %s", ctx.channel().remoteAddress(), found.why());
        if (connectLevel == 5) {
            // MQTT 5.0 section 3.1.4: the Server MAY send a CONNACK with a reason code of 0x80 or greater.
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[]{0x20, 3, 0, found.reasonCode(), 0}))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    // ---- framing ---------------------------------------------------------------------------------

    /** The index after the packet starting at {@code at} (its body starts at {@link #bodyStart}), or INCOMPLETE or UNCHECKED. */
    private int frameEnd(ByteBuf buf, int at) {
        int end = buf.writerIndex();
        int pos = at + 1;
        int length = 0;
        for (int i = 0; ; i++) {
            if (i == 4) {
                return UNCHECKED; // a fifth length byte: the decoder refuses it
            }
            if (pos >= end) {
                return INCOMPLETE;
            }
            byte b = buf.getByte(pos++);
            length |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                break;
            }
        }
        if (length > maxPacketSize) {
            return UNCHECKED;
        }
        bodyStart = pos;
        long frameEnd = (long) pos + length;
        return frameEnd > end ? INCOMPLETE : (int) frameEnd;
    }

    // ---- packets ---------------------------------------------------------------------------------

    /** Null when the packet may go on, else what is wrong with it. */
    private Violation check(ByteBuf buf, int header, int from, int to) {
        violation = null;
        int type = header >>> 4;
        if (protocolLevel == 0) {
            if (type != CONNECT) {
                return new Violation(PROTOCOL_ERROR, "the first packet is " + PACKET_NAMES[type] + ", not CONNECT (MQTT-3.1.0-1)");
            }
            checkConnect(buf, from, to);
            return violation;
        }
        boolean v5 = protocolLevel == 5;
        switch (type) {
            case CONNECT -> violation = new Violation(PROTOCOL_ERROR, "a second CONNECT (MQTT-3.1.0-2)");
            case PUBLISH -> {
                if (v5) {
                    int qos = (header >> 1) & 3;
                    int at = skipString(buf, from, to);
                    properties(buf, at < 0 || qos == 0 ? at : at + 2, to, PUBLISH_PROPERTIES, "PUBLISH");
                }
            }
            case PUBACK, PUBREC, PUBREL, PUBCOMP -> {
                if (v5 && to - from > 3) {
                    properties(buf, from + 3, to, ACK_PROPERTIES, PACKET_NAMES[type]);
                }
            }
            case SUBSCRIBE -> checkSubscribe(buf, from, to, v5);
            case UNSUBSCRIBE -> {
                if (v5) {
                    properties(buf, from + 2, to, UNSUBSCRIBE_PROPERTIES, "UNSUBSCRIBE");
                }
            }
            case DISCONNECT -> {
                if (v5 && to - from > 1) {
                    properties(buf, from + 1, to, DISCONNECT_PROPERTIES, "DISCONNECT");
                }
            }
            case PINGREQ -> {
            }
            case CONNACK, SUBACK, UNSUBACK, PINGRESP -> violation = new Violation(PROTOCOL_ERROR,
                    "sent " + PACKET_NAMES[type] + ", which only a server sends (MQTT 5.0 section 2.1.2)");
            case AUTH -> violation = v5
                    ? new Violation(PROTOCOL_ERROR, "sent AUTH, but this gateway offers no enhanced authentication"
                            + " (MQTT 5.0 section 4.12)")
                    : new Violation(MALFORMED_PACKET, "packet type 15 is reserved in MQTT 3.1.1 (MQTT-2.2.1)");
            default -> violation = new Violation(MALFORMED_PACKET, "packet type 0 is reserved (MQTT 5.0 section 2.1.2)");
        }
        return violation;
    }

    private void checkConnect(ByteBuf buf, int from, int to) {
        int at = skipString(buf, from, to); // protocol name
        if (at < 0 || at + 4 > to) {
            passThrough = true; // the decoder refuses this CONNECT
            return;
        }
        int level = buf.getByte(at) & 0xFF;
        int flags = buf.getByte(at + 1) & 0xFF;
        at += 4; // level, flags, keep alive
        connectLevel = level;
        if ((flags & 0x01) != 0) {
            violation = new Violation(MALFORMED_PACKET, "CONNECT has its reserved flag set (MQTT-3.1.2-3)");
            return;
        }
        if (level < 5 && (flags & 0xC0) == 0x40) {
            violation = new Violation(MALFORMED_PACKET, "CONNECT has a password but no user name (MQTT-3.1.2-22)");
            return;
        }
        int willQos = (flags >> 3) & 3;
        if ((flags & 0x04) == 0 && (willQos != 0 || (flags & 0x20) != 0)) {
            violation = new Violation(MALFORMED_PACKET, "CONNECT sets Will QoS or Will Retain without the Will Flag"
                    + " (MQTT-3.1.2-13, -15)");
            return;
        }
        if (willQos == 3) {
            violation = new Violation(MALFORMED_PACKET, "CONNECT asks for Will QoS 3 (MQTT-3.1.2-14)");
            return;
        }
        if (level == 5) {
            at = properties(buf, at, to, CONNECT_PROPERTIES, "CONNECT");
            if ((flags & 0x04) != 0) {
                at = skipString(buf, at, to); // client identifier
                properties(buf, at, to, WILL_PROPERTIES, "the will in CONNECT");
            }
        }
        if (violation == null) {
            protocolLevel = level;
        }
    }

    private void checkSubscribe(ByteBuf buf, int from, int to, boolean v5) {
        int at = from + 2; // packet identifier
        if (v5) {
            at = properties(buf, at, to, SUBSCRIBE_PROPERTIES, "SUBSCRIBE");
        }
        while (at >= 0 && at < to) {
            at = skipString(buf, at, to);
            if (at < 0 || at >= to) {
                return;
            }
            int options = buf.getByte(at++) & 0xFF;
            if ((options & 0x03) == 0x03) {
                violation = new Violation(MALFORMED_PACKET, "SUBSCRIBE asks for QoS 3 (MQTT-3.8.3-4)");
            } else if (!v5 && (options & 0xFC) != 0) {
                violation = new Violation(MALFORMED_PACKET,
                        "SUBSCRIBE has reserved bits set in a requested QoS byte (MQTT-3-8.3-4)");
            } else if (v5 && (options & 0xC0) != 0) {
                violation = new Violation(MALFORMED_PACKET,
                        "SUBSCRIBE has reserved bits set in subscription options (MQTT-3.8.3-5)");
            } else if (v5 && (options & 0x30) == 0x30) {
                violation = new Violation(PROTOCOL_ERROR, "SUBSCRIBE asks for Retain Handling 3 (MQTT 5.0 section 3.8.3.1)");
            }
            if (violation != null) {
                return;
            }
        }
    }

    /** The index after a two-byte-length string or binary at {@code at}, or -1 if it does not fit. */
    private static int skipString(ByteBuf buf, int at, int to) {
        if (at < 0 || at + 2 > to) {
            return -1;
        }
        int end = at + 2 + buf.getUnsignedShort(at);
        return end > to ? -1 : end;
    }

    // ---- MQTT 5 properties -------------------------------------------------------------------------

    private static final int PAYLOAD_FORMAT = 0x01, MESSAGE_EXPIRY = 0x02, CONTENT_TYPE = 0x03,
            RESPONSE_TOPIC = 0x08, CORRELATION_DATA = 0x09, SUBSCRIPTION_ID = 0x0B, SESSION_EXPIRY = 0x11,
            ASSIGNED_CLIENT_ID = 0x12, SERVER_KEEP_ALIVE = 0x13, AUTH_METHOD = 0x15, AUTH_DATA = 0x16,
            REQUEST_PROBLEM_INFO = 0x17, WILL_DELAY = 0x18, REQUEST_RESPONSE_INFO = 0x19, RESPONSE_INFO = 0x1A,
            SERVER_REFERENCE = 0x1C, REASON_STRING = 0x1F, RECEIVE_MAXIMUM = 0x21, TOPIC_ALIAS_MAXIMUM = 0x22,
            TOPIC_ALIAS = 0x23, MAXIMUM_QOS = 0x24, RETAIN_AVAILABLE = 0x25, USER_PROPERTY = 0x26,
            MAXIMUM_PACKET_SIZE = 0x27, WILDCARD_AVAILABLE = 0x28, SUBSCRIPTION_ID_AVAILABLE = 0x29,
            SHARED_AVAILABLE = 0x2A;

    private static final String[] PROPERTY_NAMES = new String[SHARED_AVAILABLE + 1];

    static {
        String[][] names = {{"01", "Payload Format Indicator"}, {"02", "Message Expiry Interval"}, {"03", "Content Type"},
            {"08", "Response Topic"}, {"09", "Correlation Data"}, {"0b", "Subscription Identifier"},
            {"11", "Session Expiry Interval"}, {"12", "Assigned Client Identifier"}, {"13", "Server Keep Alive"},
            {"15", "Authentication Method"}, {"16", "Authentication Data"}, {"17", "Request Problem Information"},
            {"18", "Will Delay Interval"}, {"19", "Request Response Information"}, {"1a", "Response Information"},
            {"1c", "Server Reference"}, {"1f", "Reason String"}, {"21", "Receive Maximum"},
            {"22", "Topic Alias Maximum"}, {"23", "Topic Alias"}, {"24", "Maximum QoS"}, {"25", "Retain Available"},
            {"26", "User Property"}, {"27", "Maximum Packet Size"}, {"28", "Wildcard Subscription Available"},
            {"29", "Subscription Identifier Available"}, {"2a", "Shared Subscription Available"}};
        for (String[] name : names) {
            int id = Integer.parseInt(name[0], 16);
            PROPERTY_NAMES[id] = name[1] + " (0x" + name[0] + ")";
        }
    }

    private static final long BYTE_VALUES = bits(PAYLOAD_FORMAT, REQUEST_PROBLEM_INFO, REQUEST_RESPONSE_INFO,
            MAXIMUM_QOS, RETAIN_AVAILABLE, WILDCARD_AVAILABLE, SUBSCRIPTION_ID_AVAILABLE, SHARED_AVAILABLE);
    private static final long SHORT_VALUES = bits(SERVER_KEEP_ALIVE, RECEIVE_MAXIMUM, TOPIC_ALIAS_MAXIMUM, TOPIC_ALIAS);
    private static final long INT_VALUES = bits(MESSAGE_EXPIRY, SESSION_EXPIRY, WILL_DELAY, MAXIMUM_PACKET_SIZE);
    private static final long STRING_VALUES = bits(CONTENT_TYPE, RESPONSE_TOPIC, CORRELATION_DATA, ASSIGNED_CLIENT_ID,
            AUTH_METHOD, AUTH_DATA, RESPONSE_INFO, SERVER_REFERENCE, REASON_STRING);

    // Which properties each packet a client sends may carry (MQTT 5.0 sections 3.1.2.11, 3.1.3.2, 3.3.2.3,
    // 3.4.2.2 to 3.7.2.2, 3.8.2.1, 3.10.2.1, 3.14.2.2). A Subscription Identifier in a client's PUBLISH
    // is allowed here: the publish handler answers it with its own reason code.
    private static final long CONNECT_PROPERTIES = bits(SESSION_EXPIRY, RECEIVE_MAXIMUM, MAXIMUM_PACKET_SIZE,
            TOPIC_ALIAS_MAXIMUM, REQUEST_RESPONSE_INFO, REQUEST_PROBLEM_INFO, USER_PROPERTY, AUTH_METHOD, AUTH_DATA);
    private static final long WILL_PROPERTIES = bits(WILL_DELAY, PAYLOAD_FORMAT, MESSAGE_EXPIRY, CONTENT_TYPE,
            RESPONSE_TOPIC, CORRELATION_DATA, USER_PROPERTY);
    private static final long PUBLISH_PROPERTIES = bits(PAYLOAD_FORMAT, MESSAGE_EXPIRY, TOPIC_ALIAS, RESPONSE_TOPIC,
            CORRELATION_DATA, USER_PROPERTY, SUBSCRIPTION_ID, CONTENT_TYPE);
    private static final long ACK_PROPERTIES = bits(REASON_STRING, USER_PROPERTY);
    private static final long SUBSCRIBE_PROPERTIES = bits(SUBSCRIPTION_ID, USER_PROPERTY);
    private static final long UNSUBSCRIBE_PROPERTIES = bits(USER_PROPERTY);
    private static final long DISCONNECT_PROPERTIES = bits(SESSION_EXPIRY, REASON_STRING, USER_PROPERTY, SERVER_REFERENCE);
    private static final long KNOWN = BYTE_VALUES | SHORT_VALUES | INT_VALUES | STRING_VALUES
            | bits(SUBSCRIPTION_ID, USER_PROPERTY);

    private static long bits(int... ids) {
        long mask = 0;
        for (int id : ids) {
            mask |= 1L << id;
        }
        return mask;
    }

    /**
     * Checks the property section at {@code at}: returns the index after it, or -1 when it is
     * malformed in a way the decoder answers (or a violation was found and set).
     */
    private int properties(ByteBuf buf, int at, int to, long allowed, String packet) {
        if (at < 0) {
            return -1;
        }
        int length = 0;
        for (int i = 0; ; i++) {
            if (i == 4 || at >= to) {
                return -1;
            }
            byte b = buf.getByte(at++);
            length |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                break;
            }
        }
        int end = at + length;
        if (length < 0 || end > to) {
            return -1;
        }
        long seen = 0;
        while (at < end) {
            int id = buf.getByte(at++) & 0xFF;
            long bit = id < 64 ? 1L << id : 0;
            if ((bit & KNOWN) == 0) {
                return -1; // the decoder refuses an unknown property
            }
            if ((bit & allowed) == 0) {
                violation = new Violation(MALFORMED_PACKET, packet + " carries " + PROPERTY_NAMES[id]
                        + ", which it may not (MQTT 5.0 section 2.2.2.2)");
                return -1;
            }
            if (id != USER_PROPERTY) {
                if ((seen & bit) != 0) {
                    violation = new Violation(PROTOCOL_ERROR, packet + " carries " + PROPERTY_NAMES[id]
                            + " more than once, a Protocol Error (MQTT 5.0 section 2.2.2.2)");
                    return -1;
                }
                seen |= bit;
            }
            at = skipValue(buf, id, bit, at, end);
            if (at < 0) {
                return -1;
            }
        }
        return end;
    }

    private static int skipValue(ByteBuf buf, int id, long bit, int at, int end) {
        int next;
        if ((bit & BYTE_VALUES) != 0) {
            next = at + 1;
        } else if ((bit & SHORT_VALUES) != 0) {
            next = at + 2;
        } else if ((bit & INT_VALUES) != 0) {
            next = at + 4;
        } else if ((bit & STRING_VALUES) != 0) {
            next = skipString(buf, at, end);
        } else if (id == USER_PROPERTY) {
            next = skipString(buf, skipString(buf, at, end), end);
        } else { // Subscription Identifier: a variable byte integer
            next = at;
            for (int i = 0; ; i++) {
                if (i == 4 || next >= end) {
                    return -1;
                }
                if ((buf.getByte(next++) & 0x80) == 0) {
                    break;
                }
            }
        }
        return next < 0 || next > end ? -1 : next;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePending();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releasePending();
        ctx.fireChannelInactive();
    }

    private void releasePending() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }
}
