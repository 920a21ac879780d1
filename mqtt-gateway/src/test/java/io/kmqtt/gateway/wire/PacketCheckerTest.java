package io.kmqtt.gateway.wire;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The checker alone in an {@link EmbeddedChannel}, fed raw packets. What it forwards must be exactly
 * the valid packets, byte for byte; every buffer it was given or allocated must end up released.
 *
 * <p>How the EmbeddedChannel reports a {@link ConnectionFault}: the exception fired through the
 * pipeline reaches its tail, is recorded, and is rethrown at the end of the {@code writeInbound}
 * call that caused it (after the packets before it were queued as inbound messages).
 */
class PacketCheckerTest {

    private static final int MAX = 1 << 20;
    private static final byte MALFORMED = (byte) 0x81;
    private static final byte PROTOCOL_ERROR = (byte) 0x82;

    private final TrackingAllocator allocator = new TrackingAllocator();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void everyBufferIsReleased() {
        for (EmbeddedChannel channel : channels) {
            channel.finishAndReleaseAll();
        }
        for (ByteBuf buf : allocator.allocated) {
            assertThat(buf.refCnt()).as("refCnt of a buffer given to or allocated by the checker").isZero();
        }
    }

    // ---- valid sessions ----------------------------------------------------------------------------

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void aValidSessionInOneWritePassesByteForByte(int level) {
        byte[] session = cat(session(level));
        EmbeddedChannel channel = channel();

        write(channel, session);

        assertThat(forwarded(channel)).isEqualTo(session);
        assertThat(channel.isOpen()).isTrue();
        assertThat((Object) channel.readOutbound()).isNull();
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void aValidSessionOneByteAtATimeForwardsEachPacketOnceItIsComplete(int level) {
        for (boolean growable : new boolean[]{false, true}) {
            List<byte[]> packets = session(level);
            byte[] session = cat(packets);
            int[] ends = packetEnds(packets);
            EmbeddedChannel channel = channel();
            ByteArrayOutputStream forwarded = new ByteArrayOutputStream();
            for (int i = 0; i < session.length; i++) {
                channel.writeInbound(in(new byte[]{session[i]}, growable));
                forwarded.writeBytes(forwarded(channel));
                int complete = lastEndAtOrBefore(ends, i + 1);
                assertThat(forwarded.toByteArray()).as("after %d bytes", i + 1)
                        .isEqualTo(Arrays.copyOf(session, complete));
            }
            assertThat(channel.isOpen()).isTrue();
        }
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void aValidSessionSplitInTwoAtEveryByteBoundaryPassesByteForByte(int level) {
        byte[] session = cat(session(level));
        for (int split = 1; split < session.length; split++) {
            for (boolean growable : new boolean[]{false, true}) {
                EmbeddedChannel channel = channel();
                ByteArrayOutputStream forwarded = new ByteArrayOutputStream();
                channel.writeInbound(in(Arrays.copyOfRange(session, 0, split), growable));
                forwarded.writeBytes(forwarded(channel));
                channel.writeInbound(in(Arrays.copyOfRange(session, split, session.length), growable));
                forwarded.writeBytes(forwarded(channel));
                assertThat(forwarded.toByteArray()).as("split at %d", split).isEqualTo(session);
                assertThat(channel.isOpen()).isTrue();
                finish(channel);
            }
        }
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void aValidSessionInRandomChunksPassesByteForByte(int level) {
        byte[] session = cat(session(level));
        Random random = new Random(level);
        for (int round = 0; round < 200; round++) {
            EmbeddedChannel channel = channel();
            ByteArrayOutputStream forwarded = new ByteArrayOutputStream();
            int at = 0;
            while (at < session.length) {
                int n = Math.min(session.length - at, 1 + random.nextInt(40));
                channel.writeInbound(in(Arrays.copyOfRange(session, at, at + n), random.nextBoolean()));
                forwarded.writeBytes(forwarded(channel));
                at += n;
            }
            assertThat(forwarded.toByteArray()).as("round %d", round).isEqualTo(session);
            finish(channel);
        }
    }

    @Test
    void mqtt31ConnectIsCheckedLike311() {
        byte[] session = cat(connect31(0xC2), subscribe311(1, filter("a", 1)), PINGREQ);
        EmbeddedChannel channel = channel();

        write(channel, session);

        assertThat(forwarded(channel)).isEqualTo(session);
        ConnectionFault violation = violationOn(channel, subscribe311(2, filter("a", 0x05)));
        assertThat(violation.reasonCode()).isEqualTo(MALFORMED);
    }

    @Test
    void anMqtt5PasswordWithoutAUserNameIsAllowed() {
        byte[] connect = connect5(0x42, props(), null);
        EmbeddedChannel channel = channel();

        write(channel, connect);

        assertThat(forwarded(channel)).isEqualTo(connect);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void twoUserPropertiesWithTheSameNameAreFineEverywhere() {
        byte[] twice = props(userProperty("k", "v"), userProperty("k", "v"));
        byte[] session = cat(connect5(0x02, twice, twice),
                publish5(1, "t", 1, twice, payload(3)),
                subscribe5(2, twice, filter("t", 1)),
                unsubscribe5(3, twice, "t"),
                ack5(0x40, 4, 0, twice),
                disconnect5(0, twice));
        EmbeddedChannel channel = channel();

        write(channel, session);

        assertThat(forwarded(channel)).isEqualTo(session);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aMessageThatIsNotABufferPassesOn() {
        EmbeddedChannel channel = channel();
        Object event = "not a buffer";

        channel.writeInbound(event);

        assertThat((Object) channel.readInbound()).isSameAs(event);
    }

    // ---- violations before or at CONNECT: close, and CONNACK for MQTT 5 ----------------------------

    @Test
    void aFirstPacketThatIsNotConnectClosesTheConnectionWithoutAnswer() {
        List<byte[]> firsts = List.of(publish311(0, "t", 0, 3), PINGREQ, subscribe311(1, filter("t", 0)),
                CONNACK_311, PINGRESP, DISCONNECT, AUTH, new byte[]{0x00, 0x00});
        for (byte[] first : firsts) {
            EmbeddedChannel channel = channel();

            write(channel, cat(first, connect311(0x02)));

            assertThat(forwarded(channel)).as(hex(first)).isEmpty();
            assertThat(channel.isOpen()).as(hex(first)).isFalse();
            assertThat((Object) channel.readOutbound()).as(hex(first)).isNull();
        }
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void theConnectReservedFlagClosesTheConnection(int level) {
        EmbeddedChannel channel = channel();

        write(channel, level == 5 ? connect5(0x03, props(), null) : connect311(0x03));

        assertThat(forwarded(channel)).isEmpty();
        assertThat(channel.isOpen()).isFalse();
        if (level == 5) {
            assertConnack(channel, MALFORMED);
        } else {
            assertThat((Object) channel.readOutbound()).isNull();
        }
    }

    /** Will QoS 1 or Will Retain without the Will Flag (MQTT-3.1.2-13, -15), and Will QoS 3 (MQTT-3.1.2-14). */
    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void willFlagsThatDoNotConformCloseTheConnection(int level) {
        for (int flags : new int[]{0x02 | 0x08, 0x02 | 0x20, 0x02 | 0x04 | 0x18}) {
            EmbeddedChannel channel = channel();

            write(channel, level == 5 ? connect5(flags, props(), null) : connect311(flags));

            assertThat(forwarded(channel)).as("flags %02x", flags).isEmpty();
            assertThat(channel.isOpen()).isFalse();
            if (level == 5) {
                assertConnack(channel, MALFORMED);
            } else {
                assertThat((Object) channel.readOutbound()).isNull();
            }
        }
    }

    @Test
    void an311PasswordWithoutAUserNameClosesWithoutConnack() {
        for (byte[] connect : List.of(connect311(0x42), connect31(0x42))) {
            EmbeddedChannel channel = channel();

            write(channel, cat(connect, PINGREQ));

            assertThat(forwarded(channel)).isEmpty();
            assertThat(channel.isOpen()).isFalse();
            assertThat((Object) channel.readOutbound()).isNull();
        }
    }

    @Test
    void aDuplicateSessionExpiryIntervalInConnectGetsConnack0x82AndClose() {
        EmbeddedChannel channel = channel();

        write(channel, cat(connect5(0x02, props(sessionExpiry(10), receiveMaximum(5), sessionExpiry(20)), null),
                PINGREQ));

        assertThat(forwarded(channel)).isEmpty();
        assertThat(channel.isOpen()).isFalse();
        assertConnack(channel, PROTOCOL_ERROR);
    }

    @Test
    void aDuplicatePropertyInTheWillPropertiesGetsConnack0x82() {
        for (byte[] will : List.of(props(willDelay(1), willDelay(2)),
                props(contentType("a"), userProperty("k", "v"), contentType("b")),
                props(correlationData("x"), correlationData("x")))) {
            EmbeddedChannel channel = channel();

            write(channel, connect5(0x02, props(sessionExpiry(10)), will));

            assertThat(forwarded(channel)).isEmpty();
            assertThat(channel.isOpen()).isFalse();
            assertConnack(channel, PROTOCOL_ERROR);
        }
    }

    @Test
    void aPropertyConnectMayNotCarryGetsConnack0x81() {
        for (byte[] connect : List.of(
                connect5(0x02, props(topicAlias(1)), null),
                connect5(0x02, props(contentType("x")), null),
                connect5(0x02, props(), props(sessionExpiry(10))),
                connect5(0x02, props(), props(topicAlias(3))))) {
            EmbeddedChannel channel = channel();

            write(channel, connect);

            assertThat(forwarded(channel)).as(hex(connect)).isEmpty();
            assertThat(channel.isOpen()).isFalse();
            assertConnack(channel, MALFORMED);
        }
    }

    @Test
    void aConnectViolationSplitAcrossWritesIsFoundWhenTheConnectIsComplete() {
        byte[] connect = connect5(0x02, props(sessionExpiry(10), sessionExpiry(10)), null);
        EmbeddedChannel channel = channel();

        write(channel, Arrays.copyOf(connect, connect.length - 1));
        assertThat(channel.isOpen()).isTrue();
        assertThat(forwarded(channel)).isEmpty();
        write(channel, cat(Arrays.copyOfRange(connect, connect.length - 1, connect.length), PINGREQ));

        assertThat(forwarded(channel)).isEmpty();
        assertThat(channel.isOpen()).isFalse();
        assertConnack(channel, PROTOCOL_ERROR);
    }

    // ---- violations after CONNECT: ConnectionFault, then nothing ---------------------------------

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void aSecondConnectIsAProtocolError(int level) {
        byte[] connect = level == 5 ? connect5(0x02, props(), null) : connect311(0x02);
        EmbeddedChannel channel = channel();
        write(channel, connect);
        assertThat(forwarded(channel)).isEqualTo(connect);

        ConnectionFault violation = violationOn(channel, connect);

        assertThat(violation.reasonCode()).isEqualTo(PROTOCOL_ERROR);
        assertThat(forwarded(channel)).isEmpty();
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void aPacketOnlyAServerSendsIsAProtocolError(int level) {
        byte[] connack = level == 5 ? CONNACK_5 : CONNACK_311;
        for (byte[] serverOnly : List.of(connack, SUBACK, UNSUBACK, PINGRESP)) {
            EmbeddedChannel channel = connected(level);

            ConnectionFault violation = violationOn(channel, serverOnly);

            assertThat(violation.reasonCode()).as(hex(serverOnly)).isEqualTo(PROTOCOL_ERROR);
            assertThat(forwarded(channel)).isEmpty();
            finish(channel);
        }
    }

    @Test
    void authIsAProtocolErrorInMqtt5() {
        for (byte[] auth : List.of(AUTH, packet(0xF0, out().b(0x18).props(props(authMethod("SCRAM"))).bytes()))) {
            EmbeddedChannel channel = connected(5);

            ConnectionFault violation = violationOn(channel, auth);

            assertThat(violation.reasonCode()).isEqualTo(PROTOCOL_ERROR);
            finish(channel);
        }
    }

    @Test
    void packetType15IsMalformedIn311() {
        EmbeddedChannel channel = connected(4);

        ConnectionFault violation = violationOn(channel, AUTH);

        assertThat(violation.reasonCode()).isEqualTo(MALFORMED);
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void packetType0IsMalformed(int level) {
        EmbeddedChannel channel = connected(level);

        ConnectionFault violation = violationOn(channel, new byte[]{0x00, 0x00});

        assertThat(violation.reasonCode()).isEqualTo(MALFORMED);
    }

    @Test
    void aDuplicatePropertyInPublishIsAProtocolError() {
        for (byte[] publish : List.of(
                publish5(0, "t", 0, props(messageExpiry(1), messageExpiry(1)), payload(4)),
                publish5(1, "t", 7, props(contentType("a"), userProperty("k", "v"), contentType("b")), payload(4)),
                publish5(2, "t", 7, props(topicAlias(1), payloadFormat(1), topicAlias(2)), payload(0)),
                publish5(1, "t", 7, props(responseTopic("r"), responseTopic("r")), payload(4)),
                publish5(1, "t", 7, props(payloadFormat(0), payloadFormat(1)), payload(4)))) {
            EmbeddedChannel channel = connected(5);

            ConnectionFault violation = violationOn(channel, publish);

            assertThat(violation.reasonCode()).as(hex(publish)).isEqualTo(PROTOCOL_ERROR);
            assertThat(forwarded(channel)).isEmpty();
            finish(channel);
        }
    }

    @Test
    void aPropertyAPacketMayNotCarryIsMalformed() {
        for (byte[] packet : List.of(
                publish5(0, "t", 0, props(sessionExpiry(10)), payload(4)),
                publish5(1, "t", 3, props(userProperty("k", "v"), receiveMaximum(4)), payload(4)),
                ack5(0x40, 1, 0, props(sessionExpiry(1))),
                ack5(0x50, 1, 0, props(contentType("x"))),
                ack5(0x62, 1, 0, props(topicAlias(1))),
                ack5(0x70, 1, 0, props(messageExpiry(1))),
                subscribe5(1, props(sessionExpiry(1)), filter("t", 0)),
                unsubscribe5(1, props(subscriptionId(3)), "t"),
                disconnect5(0, props(willDelay(1))))) {
            EmbeddedChannel channel = connected(5);

            ConnectionFault violation = violationOn(channel, packet);

            assertThat(violation.reasonCode()).as(hex(packet)).isEqualTo(MALFORMED);
            finish(channel);
        }
    }

    @Test
    void aDuplicatePropertyInOtherPacketsIsAProtocolError() {
        for (byte[] packet : List.of(
                ack5(0x40, 1, 0x10, props(reasonString("a"), reasonString("b"))),
                subscribe5(1, props(subscriptionId(1), subscriptionId(2)), filter("t", 0)),
                disconnect5(0, props(sessionExpiry(1), sessionExpiry(1))))) {
            EmbeddedChannel channel = connected(5);

            ConnectionFault violation = violationOn(channel, packet);

            assertThat(violation.reasonCode()).as(hex(packet)).isEqualTo(PROTOCOL_ERROR);
            finish(channel);
        }
    }

    @Test
    void subscribeOptionsWithReservedBitsAreMalformed() {
        record Case(int level, int options) {
        }
        for (Case c : List.of(new Case(4, 0x05), new Case(4, 0x04), new Case(4, 0x80), new Case(4, 0x03),
                new Case(5, 0xC1), new Case(5, 0x40), new Case(5, 0x80), new Case(5, 0x03))) {
            EmbeddedChannel channel = connected(c.level());
            byte[] subscribe = c.level() == 5
                    ? subscribe5(1, props(), filter("ok", 1), filter("t", c.options))
                    : subscribe311(1, filter("ok", 1), filter("t", c.options));

            ConnectionFault violation = violationOn(channel, subscribe);

            assertThat(violation.reasonCode()).as("%s", c).isEqualTo(MALFORMED);
            finish(channel);
        }
    }

    @Test
    void retainHandling3IsAProtocolError() {
        EmbeddedChannel channel = connected(5);

        ConnectionFault violation = violationOn(channel, subscribe5(1, props(), filter("t", 0x31)));

        assertThat(violation.reasonCode()).isEqualTo(PROTOCOL_ERROR);
    }

    @Test
    void everyValidSubscribeOptionsBytePasses() {
        List<byte[]> v5 = new ArrayList<>();
        for (int options = 0; options < 0x30; options++) {
            if ((options & 3) != 3) {
                v5.add(filter("t" + options, options));
            }
        }
        byte[] session5 = cat(connect5(0x02, props(), null), subscribe5(1, props(), v5.toArray(byte[][]::new)));
        byte[] session311 = cat(connect311(0x02), subscribe311(1, filter("a", 0), filter("b", 1), filter("c", 2)));
        for (byte[] session : List.of(session5, session311)) {
            EmbeddedChannel channel = channel();

            write(channel, session);

            assertThat(forwarded(channel)).isEqualTo(session);
        }
    }

    @Test
    void packetsBeforeAViolationInTheSameWriteAreForwardedAndNothingAfterIt() {
        byte[] valid = cat(connect5(0x02, props(), null), publish5(1, "t", 1, props(messageExpiry(5)), payload(8)),
                PINGREQ);
        byte[] bad = publish5(1, "t", 2, props(messageExpiry(5), messageExpiry(6)), payload(8));
        byte[] after = cat(PINGREQ, publish5(0, "t", 0, props(), payload(3)), Arrays.copyOf(PINGREQ, 1));
        EmbeddedChannel channel = channel();

        ConnectionFault violation = violationOn(channel, cat(valid, bad, after));

        assertThat(violation.reasonCode()).isEqualTo(PROTOCOL_ERROR);
        assertThat(forwarded(channel)).isEqualTo(valid);
    }

    @Test
    void afterAViolationEveryLaterByteIsDiscardedAndTheConnectionClosedASecondLater() {
        EmbeddedChannel channel = connected(5);
        channel.freezeTime();
        violationOn(channel, SUBACK);

        write(channel, PINGREQ);
        write(channel, connect5(0x02, props(), null));
        write(channel, SUBACK);

        assertThat(forwarded(channel)).isEmpty();
        assertThat(channel.isOpen()).isTrue();
        channel.advanceTimeBy(999, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();
        channel.advanceTimeBy(2, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void theExceptionCanAlsoBeCollectedWithCheckException() {
        EmbeddedChannel channel = connected(4);

        channel.pipeline().fireChannelRead(in(cat(PINGREQ, PINGRESP), false));

        assertThat(forwarded(channel)).isEqualTo(PINGREQ);
        ConnectionFault violation = catchThrowableOfType(ConnectionFault.class, channel::checkException);
        assertThat(violation).isNotNull();
        assertThat(violation.reasonCode()).isEqualTo(PROTOCOL_ERROR);
        assertThat(violation.getMessage()).contains("PINGRESP");
    }

    @Test
    void aViolationSplitAtEveryByteBoundaryIsFoundOnceAndOnlyTheValidPacketsPass() {
        byte[] valid = cat(connect5(0x02, props(sessionExpiry(60)), null),
                publish5(1, "a/b", 1, props(messageExpiry(5), userProperty("k", "v")), payload(20)));
        byte[] bad = publish5(1, "a/b", 2, props(userProperty("k", "v"), messageExpiry(5), messageExpiry(5)),
                payload(20));
        byte[] stream = cat(valid, bad, PINGREQ, subscribe5(3, props(), filter("x", 1)));
        for (int split = 1; split < stream.length; split++) {
            EmbeddedChannel channel = channel();
            ByteArrayOutputStream forwarded = new ByteArrayOutputStream();
            int violations = 0;
            for (byte[] part : List.of(Arrays.copyOfRange(stream, 0, split),
                    Arrays.copyOfRange(stream, split, stream.length))) {
                ConnectionFault violation = catchThrowableOfType(ConnectionFault.class, () -> write(channel, part));
                if (violation != null) {
                    assertThat(violation.reasonCode()).isEqualTo(PROTOCOL_ERROR);
                    violations++;
                }
                forwarded.writeBytes(forwarded(channel));
            }
            assertThat(violations).as("split at %d", split).isEqualTo(1);
            assertThat(forwarded.toByteArray()).as("split at %d", split).isEqualTo(valid);
            finish(channel);
        }
    }

    @Test
    void aViolationInTheSameWriteAsConnectIsReportedAfterTheConnect() {
        byte[] connect = connect311(0x02);
        EmbeddedChannel channel = channel();

        ConnectionFault violation = violationOn(channel, cat(connect, CONNACK_311));

        assertThat(violation.reasonCode()).isEqualTo(PROTOCOL_ERROR);
        assertThat(forwarded(channel)).isEqualTo(connect);
        assertThat(channel.isOpen()).isTrue();
    }

    // ---- what the checker leaves to the decoder ---------------------------------------------------

    @Test
    void aPacketLargerThanTheLimitPassesUnchangedAndSoDoesEverythingAfterIt() {
        byte[] huge = publish311(1, "t", 1, MAX); // Remaining Length MAX + 5
        byte[] later = cat(CONNACK_311, connect311(0x03), AUTH);
        EmbeddedChannel channel = connected(4);

        write(channel, Arrays.copyOf(huge, 10)); // the header says it all: passed on at once
        assertThat(forwarded(channel)).isEqualTo(Arrays.copyOf(huge, 10));
        write(channel, Arrays.copyOfRange(huge, 10, huge.length));
        write(channel, later);

        assertThat(forwarded(channel)).isEqualTo(cat(Arrays.copyOfRange(huge, 10, huge.length), later));
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aFirstPacketLargerThanTheLimitPassesUnchanged() {
        byte[] huge = publish311(0, "t", 0, MAX);
        EmbeddedChannel channel = channel();

        write(channel, huge);

        assertThat(forwarded(channel)).isEqualTo(huge);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aPacketOfExactlyTheLimitIsStillChecked() {
        EmbeddedChannel channel = new EmbeddedChannel(new PacketChecker(32));
        channel.config().setAllocator(allocator);
        channels.add(channel);
        byte[] connect = connect311(0x02);
        write(channel, connect);
        forwarded(channel);
        byte[] atLimit = subscribe311(1, filter("a".repeat(27), 0x05));
        byte[] overLimit = subscribe311(1, filter("a".repeat(28), 0x05));
        assertThat(atLimit[1]).isEqualTo((byte) 32);
        assertThat(overLimit[1]).isEqualTo((byte) 33);

        ConnectionFault violation = violationOn(channel, atLimit);
        assertThat(violation.reasonCode()).isEqualTo(MALFORMED);

        EmbeddedChannel other = new EmbeddedChannel(new PacketChecker(32));
        other.config().setAllocator(allocator);
        channels.add(other);
        write(other, cat(connect, overLimit, SUBACK));
        assertThat(forwarded(other)).isEqualTo(cat(connect, overLimit, SUBACK));
    }

    @Test
    void aFifthRemainingLengthBytePassesEverythingOn() {
        byte[] bad = {0x30, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
        byte[] later = cat(PINGREQ, SUBACK);
        EmbeddedChannel channel = connected(5);

        write(channel, cat(bad, later));

        assertThat(forwarded(channel)).isEqualTo(cat(bad, later));
    }

    @Test
    void propertiesTheCheckerCannotParsePassOnAndLaterPacketsAreStillChecked() {
        byte[] unknownProperty = publish5(1, "t", 1, props(new byte[]{0x7F, 0x00}), payload(2));
        byte[] truncatedValue = publish5(1, "t", 2, props(new byte[]{0x02, 0x00, 0x00}), new byte[0]);
        byte[] propertyLengthBeyondPacket = packet(0x32, out().str("t").u16(3).vbi(100).b(0x02).bytes());
        EmbeddedChannel channel = connected(5);

        write(channel, cat(unknownProperty, truncatedValue, propertyLengthBeyondPacket));
        assertThat(forwarded(channel)).isEqualTo(cat(unknownProperty, truncatedValue, propertyLengthBeyondPacket));

        ConnectionFault violation = violationOn(channel, UNSUBACK);
        assertThat(violation.reasonCode()).isEqualTo(PROTOCOL_ERROR);
    }

    @Test
    void aConnectTheCheckerCannotParsePassesEverythingOn() {
        byte[] truncated = {0x10, 0x03, 0x00, 0x04, 'M'};
        byte[] later = cat(SUBACK, AUTH);
        EmbeddedChannel channel = channel();

        write(channel, cat(truncated, later));

        assertThat(forwarded(channel)).isEqualTo(cat(truncated, later));
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void anIncompletePacketIsReleasedWhenTheConnectionCloses() {
        EmbeddedChannel channel = connected(5);
        ByteBuf half = in(Arrays.copyOf(publish5(1, "t", 1, props(), payload(30)), 12), false);

        channel.writeInbound(half);
        assertThat(forwarded(channel)).isEmpty();
        assertThat(half.refCnt()).isEqualTo(1);

        channel.close();
        assertThat(half.refCnt()).isZero();
    }

    // ---- harness -----------------------------------------------------------------------------------

    private EmbeddedChannel channel() {
        EmbeddedChannel channel = new EmbeddedChannel(new PacketChecker(MAX));
        channel.config().setAllocator(allocator);
        channels.add(channel);
        return channel;
    }

    private EmbeddedChannel connected(int level) {
        EmbeddedChannel channel = channel();
        byte[] connect = level == 5 ? connect5(0x02, props(), null) : connect311(0x02);
        write(channel, connect);
        assertThat(forwarded(channel)).isEqualTo(connect);
        return channel;
    }

    private void finish(EmbeddedChannel channel) {
        channel.finishAndReleaseAll();
        channels.remove(channel);
    }

    /** A buffer from the tracking allocator; a growable one lets the checker append to it in place. */
    private ByteBuf in(byte[] bytes, boolean growable) {
        return allocator.heapBuffer(bytes.length, growable ? Integer.MAX_VALUE : bytes.length).writeBytes(bytes);
    }

    private void write(EmbeddedChannel channel, byte[] bytes) {
        channel.writeInbound(in(bytes, false));
    }

    private ConnectionFault violationOn(EmbeddedChannel channel, byte[] bytes) {
        ConnectionFault violation = catchThrowableOfType(ConnectionFault.class, () -> write(channel, bytes));
        assertThat(violation).as("a ConnectionFault for %s", hex(bytes)).isNotNull();
        assertThat(channel.isOpen()).isTrue(); // closed a second later, or by the connection's DISCONNECT
        assertThat((Object) channel.readOutbound()).isNull();
        return violation;
    }

    /** Everything forwarded since the last call, concatenated; each buffer read is released here. */
    private static byte[] forwarded(EmbeddedChannel channel) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object msg; (msg = channel.readInbound()) != null; ) {
            assertThat(msg).isInstanceOf(ByteBuf.class);
            ByteBuf buf = (ByteBuf) msg;
            assertThat(buf.refCnt()).isPositive();
            assertThat(buf.isReadable()).as("an empty buffer forwarded").isTrue();
            out.writeBytes(ByteBufUtil.getBytes(buf));
            buf.release();
        }
        return out.toByteArray();
    }

    private static void assertConnack(EmbeddedChannel channel, byte reasonCode) {
        ByteBuf connack = channel.readOutbound();
        assertThat(connack).as("a CONNACK").isNotNull();
        assertThat(ByteBufUtil.getBytes(connack)).containsExactly(0x20, 0x03, 0x00, reasonCode, 0x00);
        assertThat(connack.release()).isTrue();
        assertThat((Object) channel.readOutbound()).isNull();
    }

    private static int[] packetEnds(List<byte[]> packets) {
        int[] ends = new int[packets.size()];
        int end = 0;
        for (int i = 0; i < ends.length; i++) {
            end += packets.get(i).length;
            ends[i] = end;
        }
        return ends;
    }

    private static int lastEndAtOrBefore(int[] ends, int written) {
        int complete = 0;
        for (int end : ends) {
            if (end <= written) {
                complete = end;
            }
        }
        return complete;
    }

    private static String hex(byte[] bytes) {
        return ByteBufUtil.hexDump(bytes, 0, Math.min(bytes.length, 40));
    }

    /** Records every buffer it hands out, so that a test can check that all were released. */
    private static final class TrackingAllocator extends AbstractByteBufAllocator {
        final List<ByteBuf> allocated = new ArrayList<>();

        TrackingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf buf = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
            allocated.add(buf);
            return buf;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return newHeapBuffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }

    // ---- sessions ----------------------------------------------------------------------------------

    private static List<byte[]> session(int level) {
        return level == 5 ? session5() : session311();
    }

    private static List<byte[]> session311() {
        return List.of(
                connect311(0xEE), // user name, password, will retain, will QoS 1, will, clean session
                subscribe311(1, filter("a/+/c", 0), filter("d/#", 1), filter("e", 2)),
                publish311(0, "a/b/c", 0, 10),
                publish311(1, "a/b/c", 2, 64),
                ack(0x40, 7), // PUBACK
                publish311(2, "d/e", 3, 200), // a two-byte Remaining Length
                ack(0x62, 3), // PUBREL
                ack(0x50, 8), // PUBREC
                ack(0x70, 8), // PUBCOMP
                unsubscribe311(4, "a/+/c", "d/#"),
                PINGREQ,
                DISCONNECT);
    }

    private static List<byte[]> session5() {
        return List.of(
                connect5(0xCA, // user name, password, will QoS 1, will, clean start
                        props(sessionExpiry(3600), receiveMaximum(20), maximumPacketSize(1 << 20),
                                topicAliasMaximum(10), requestResponseInfo(1), requestProblemInfo(0),
                                userProperty("a", "1"), userProperty("a", "2")),
                        props(willDelay(5), payloadFormat(1), messageExpiry(60), contentType("text/plain"),
                                responseTopic("r/1"), correlationData("x"), userProperty("k", "v"),
                                userProperty("k", "w"))),
                subscribe5(1, props(subscriptionId(300), userProperty("s", "1")), filter("a/#", 0x2E),
                        filter("b", 0x1D)),
                publish5(0, "a/b", 0, props(topicAlias(1)), payload(10)),
                publish5(0, "", 0, props(topicAlias(1)), payload(10)),
                publish5(1, "a/b", 2, props(payloadFormat(1), messageExpiry(30), contentType("application/json"),
                        responseTopic("r/2"), correlationData("id-1"), userProperty("u", "1"),
                        userProperty("u", "2")), payload(64)),
                publish5(2, "a/c", 3, props(), payload(300)),
                ack5(0x40, 9, 0x10, props(reasonString("no subscribers"), userProperty("x", "y"))), // PUBACK
                ack(0x40, 10), // PUBACK, short form
                packet(0x50, out().u16(11).b(0).bytes()), // PUBREC, reason code only
                ack5(0x62, 3, 0, props()), // PUBREL, empty properties
                ack5(0x70, 11, 0x92, props(reasonString("gone"))), // PUBCOMP
                unsubscribe5(4, props(userProperty("u", "1")), "a/#", "b"),
                PINGREQ,
                disconnect5(0x04, props(sessionExpiry(0), reasonString("bye"), userProperty("a", "b"))));
    }

    // ---- packets -----------------------------------------------------------------------------------

    private static final byte[] PINGREQ = {(byte) 0xC0, 0x00};
    private static final byte[] DISCONNECT = {(byte) 0xE0, 0x00};
    private static final byte[] CONNACK_311 = {0x20, 0x02, 0x00, 0x00};
    private static final byte[] CONNACK_5 = {0x20, 0x03, 0x00, 0x00, 0x00};
    private static final byte[] SUBACK = {(byte) 0x90, 0x03, 0x00, 0x01, 0x00};
    private static final byte[] UNSUBACK = {(byte) 0xB0, 0x02, 0x00, 0x01};
    private static final byte[] PINGRESP = {(byte) 0xD0, 0x00};
    private static final byte[] AUTH = {(byte) 0xF0, 0x00};

    /** An MQTT 3.1.1 CONNECT; its payload follows its flags (will topic and message, user name, password). */
    private static byte[] connect311(int flags) {
        return connect(0x10, "MQTT", 4, flags);
    }

    /** An MQTT 3.1 CONNECT. */
    private static byte[] connect31(int flags) {
        return connect(0x10, "MQIsdp", 3, flags);
    }

    private static byte[] connect(int header, String name, int level, int flags) {
        Out body = out().str(name).b(level, flags).u16(60).str("client-1");
        if ((flags & 0x04) != 0) {
            body.str("will/t").str("bye");
        }
        userAndPassword(body, flags);
        return packet(header, body.bytes());
    }

    /** An MQTT 5 CONNECT; with will properties, the will flag is set and a will topic and payload follow. */
    private static byte[] connect5(int flags, byte[] properties, byte[] willProperties) {
        if (willProperties != null) {
            flags |= 0x04;
        }
        Out body = out().str("MQTT").b(5, flags).u16(60).props(properties).str("client-1");
        if (willProperties != null) {
            body.props(willProperties).str("will/t").str("bye");
        }
        userAndPassword(body, flags);
        return packet(0x10, body.bytes());
    }

    private static void userAndPassword(Out body, int flags) {
        if ((flags & 0x80) != 0) {
            body.str("user");
        }
        if ((flags & 0x40) != 0) {
            body.str("secret");
        }
    }

    private static byte[] publish311(int qos, String topic, int packetId, int payloadSize) {
        Out body = out().str(topic);
        if (qos > 0) {
            body.u16(packetId);
        }
        return packet(0x30 | qos << 1, body.raw(payload(payloadSize)).bytes());
    }

    private static byte[] publish5(int qos, String topic, int packetId, byte[] properties, byte[] payload) {
        Out body = out().str(topic);
        if (qos > 0) {
            body.u16(packetId);
        }
        return packet(0x30 | qos << 1, body.props(properties).raw(payload).bytes());
    }

    private static byte[] filter(String topic, int options) {
        return out().str(topic).b(options).bytes();
    }

    private static byte[] subscribe311(int packetId, byte[]... filters) {
        return packet(0x82, out().u16(packetId).raw(filters).bytes());
    }

    private static byte[] subscribe5(int packetId, byte[] properties, byte[]... filters) {
        return packet(0x82, out().u16(packetId).props(properties).raw(filters).bytes());
    }

    private static byte[] unsubscribe311(int packetId, String... topics) {
        Out body = out().u16(packetId);
        for (String topic : topics) {
            body.str(topic);
        }
        return packet(0xA2, body.bytes());
    }

    private static byte[] unsubscribe5(int packetId, byte[] properties, String... topics) {
        Out body = out().u16(packetId).props(properties);
        for (String topic : topics) {
            body.str(topic);
        }
        return packet(0xA2, body.bytes());
    }

    /** PUBACK (0x40), PUBREC (0x50), PUBREL (0x62) or PUBCOMP (0x70) with only a packet identifier. */
    private static byte[] ack(int header, int packetId) {
        return packet(header, out().u16(packetId).bytes());
    }

    private static byte[] ack5(int header, int packetId, int reasonCode, byte[] properties) {
        return packet(header, out().u16(packetId).b(reasonCode).props(properties).bytes());
    }

    private static byte[] disconnect5(int reasonCode, byte[] properties) {
        return packet(0xE0, out().b(reasonCode).props(properties).bytes());
    }

    private static byte[] payload(int size) {
        byte[] payload = new byte[size];
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) (i * 31 + 7);
        }
        return payload;
    }

    private static byte[] packet(int header, byte[] body) {
        return out().b(header).vbi(body.length).raw(body).bytes();
    }

    // ---- MQTT 5 properties (concatenated by props) -------------------------------------------------

    private static byte[] props(byte[]... properties) {
        return cat(properties);
    }

    private static byte[] payloadFormat(int value) {
        return out().b(0x01, value).bytes();
    }

    private static byte[] messageExpiry(int seconds) {
        return out().b(0x02).u32(seconds).bytes();
    }

    private static byte[] contentType(String value) {
        return out().b(0x03).str(value).bytes();
    }

    private static byte[] responseTopic(String value) {
        return out().b(0x08).str(value).bytes();
    }

    private static byte[] correlationData(String value) {
        return out().b(0x09).str(value).bytes();
    }

    private static byte[] subscriptionId(int value) {
        return out().b(0x0B).vbi(value).bytes();
    }

    private static byte[] sessionExpiry(int seconds) {
        return out().b(0x11).u32(seconds).bytes();
    }

    private static byte[] authMethod(String value) {
        return out().b(0x15).str(value).bytes();
    }

    private static byte[] requestProblemInfo(int value) {
        return out().b(0x17, value).bytes();
    }

    private static byte[] willDelay(int seconds) {
        return out().b(0x18).u32(seconds).bytes();
    }

    private static byte[] requestResponseInfo(int value) {
        return out().b(0x19, value).bytes();
    }

    private static byte[] reasonString(String value) {
        return out().b(0x1F).str(value).bytes();
    }

    private static byte[] receiveMaximum(int value) {
        return out().b(0x21).u16(value).bytes();
    }

    private static byte[] topicAliasMaximum(int value) {
        return out().b(0x22).u16(value).bytes();
    }

    private static byte[] topicAlias(int value) {
        return out().b(0x23).u16(value).bytes();
    }

    private static byte[] userProperty(String key, String value) {
        return out().b(0x26).str(key).str(value).bytes();
    }

    private static byte[] maximumPacketSize(int value) {
        return out().b(0x27).u32(value).bytes();
    }

    // ---- bytes -------------------------------------------------------------------------------------

    private static byte[] cat(byte[]... parts) {
        return out().raw(parts).bytes();
    }

    private static byte[] cat(List<byte[]> parts) {
        return cat(parts.toArray(byte[][]::new));
    }

    private static Out out() {
        return new Out();
    }

    private static final class Out {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Out b(int... values) {
            for (int value : values) {
                out.write(value);
            }
            return this;
        }

        Out u16(int value) {
            return b(value >>> 8 & 0xFF, value & 0xFF);
        }

        Out u32(int value) {
            return u16(value >>> 16).u16(value & 0xFFFF);
        }

        Out str(String value) {
            byte[] bytes = value.getBytes(UTF_8);
            return u16(bytes.length).raw(bytes);
        }

        Out vbi(int value) {
            do {
                int digit = value & 0x7F;
                value >>>= 7;
                out.write(value > 0 ? digit | 0x80 : digit);
            } while (value > 0);
            return this;
        }

        /** A property section: its length, then the properties. */
        Out props(byte[] properties) {
            return vbi(properties.length).raw(properties);
        }

        Out raw(byte[]... parts) {
            for (byte[] part : parts) {
                out.writeBytes(part);
            }
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
