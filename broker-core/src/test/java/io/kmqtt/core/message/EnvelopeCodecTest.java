package io.kmqtt.core.message;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvelopeCodecTest {

    private static final PublishProperties ALL = new PublishProperties(1, "application/json; charset=ü",
            "reply/to/me", new byte[] {0, 1, (byte) 0xFF, 0}, List.of(
            new UserProperty("k", "v1"), new UserProperty("k", "v2"), new UserProperty("ключ", "значение 😀"),
            new UserProperty("", "")));

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void roundTripsEveryQos(int qos) {
        Envelope e = new Envelope("a/b", "x".getBytes(StandardCharsets.UTF_8), qos, qos == 1, "client-1", "gw-1",
                1_700_000_000_123L, 0, PublishProperties.NONE);
        assertSame(EnvelopeCodec.decode(EnvelopeCodec.encode(e)), e);
    }

    @Test
    void roundTripsExpiryAndEveryProperty() {
        Envelope e = new Envelope("topic/device_user7/t_3", new byte[0], 1, true, "c", "g", 5L, 1_700_000_060_000L, ALL);
        Envelope back = EnvelopeCodec.decode(EnvelopeCodec.encode(e));
        assertSame(back, e);
        assertThat(back.properties().userProperties()).containsExactlyElementsOf(ALL.userProperties());
        assertThat(back.properties().correlationData()).containsExactly(0, 1, 0xFF, 0);
    }

    @Test
    void roundTripsAMegabytePayload() {
        byte[] payload = new byte[1 << 20];
        new Random(7).nextBytes(payload);
        Envelope e = Envelope.of("big", payload, 0, false, "");
        assertThat(EnvelopeCodec.decode(EnvelopeCodec.encode(e)).payload()).isEqualTo(payload);
    }

    @Test
    void rejectsAnUnknownVersion() {
        byte[] bytes = EnvelopeCodec.encode(Envelope.of("a", new byte[1], 0, false, "c"));
        bytes[0] = 9;
        assertThatThrownBy(() -> EnvelopeCodec.decode(bytes))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown envelope version 9");
    }

    @Test
    void rejectsEveryTruncationWithAClearError() {
        byte[] full = EnvelopeCodec.encode(new Envelope("a/b", "payload".getBytes(StandardCharsets.UTF_8), 2, true,
                "client", "gw", 123L, 456L, ALL));
        for (int length = 0; length < full.length; length++) {
            byte[] prefix = Arrays.copyOf(full, length);
            assertThatThrownBy(() -> EnvelopeCodec.decode(prefix)).as("prefix of %d bytes", length)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed envelope");
        }
    }

    @Test
    void rejectsTrailingBytes() {
        byte[] full = EnvelopeCodec.encode(Envelope.of("a", new byte[3], 0, false, "c"));
        byte[] longer = Arrays.copyOf(full, full.length + 2);
        assertThatThrownBy(() -> EnvelopeCodec.decode(longer))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 trailing bytes");
    }

    @Test
    void rejectsAHugeDeclaredLengthWithoutAllocatingIt() {
        // version, flags, createdAt=0, then a topic length of ~2^31
        byte[] hostile = {1, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07};
        assertThatThrownBy(() -> EnvelopeCodec.decode(hostile)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertSame(Envelope actual, Envelope expected) {
        assertThat(actual).usingRecursiveComparison().isEqualTo(expected);
    }
}
