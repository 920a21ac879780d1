package io.kmqtt.core.session;

import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.EnvelopeCodec;
import io.kmqtt.core.message.PublishProperties;
import io.kmqtt.core.message.UserProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PendingMessageTest {

    private static final PublishProperties MQTT5 = new PublishProperties(1, "text/plain; charset=utf-8",
            "reply/here", new byte[] {0, (byte) 0xFF, 13, 10}, List.of(
            new UserProperty("k", "v1"), new UserProperty("k", "v2"), new UserProperty("ключ", "значение 😀")));

    private static Envelope envelope(int qos) {
        byte[] payload = new byte[256];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        return new Envelope("devices/d1/telemetry", payload, qos, true, "publisher-1", "gw-2",
                1_700_000_000_123L, 1_700_000_060_000L, MQTT5);
    }

    private static PendingMessage roundTrip(PendingMessage entry) {
        return PendingMessage.decode(entry.encode());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void roundTripsAQueuedMessageAtEveryQos(int qos) {
        PendingMessage entry = PendingMessage.queued(envelope(2), qos, qos == 1);
        PendingMessage back = roundTrip(entry);
        assertThat(back).usingRecursiveComparison().isEqualTo(entry);
        assertThat(back.packetId()).isZero();
        assertThat(back.released()).isFalse();
        assertThat(back.qos()).isEqualTo(qos);
        assertThat(back.retain()).isEqualTo(qos == 1);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 255, 256, 32_767, 32_768, 65_535})
    void roundTripsAnInFlightMessageWithItsPacketId(int packetId) {
        PendingMessage entry = PendingMessage.inFlight(packetId, envelope(1), 1, false);
        PendingMessage back = roundTrip(entry);
        assertThat(back).usingRecursiveComparison().isEqualTo(entry);
        assertThat(back.packetId()).isEqualTo(packetId);
    }

    @Test
    void keepsTheEnvelopesMqtt5PropertiesExpiryAndBinaryPayload() {
        PendingMessage back = roundTrip(PendingMessage.inFlight(7, envelope(2), 2, true));
        Envelope message = back.message();
        assertThat(message.properties().payloadFormatIndicator()).isEqualTo(1);
        assertThat(message.properties().contentType()).isEqualTo("text/plain; charset=utf-8");
        assertThat(message.properties().responseTopic()).isEqualTo("reply/here");
        assertThat(message.properties().correlationData()).containsExactly(0, 0xFF, 13, 10);
        assertThat(message.properties().userProperties()).containsExactlyElementsOf(MQTT5.userProperties());
        assertThat(message.expiryAtMillis()).isEqualTo(1_700_000_060_000L);
        assertThat(message.payload()).isEqualTo(envelope(2).payload());
        assertThat(message.publisherId()).isEqualTo("publisher-1");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 256, 65_535})
    void roundTripsAReleasedEntry(int packetId) {
        PendingMessage entry = PendingMessage.awaitingPubComp(packetId);
        byte[] bytes = entry.encode();
        assertThat(bytes).hasSize(5); // no identifiers, no envelope
        PendingMessage back = PendingMessage.decode(bytes);
        assertThat(back.released()).isTrue();
        assertThat(back.packetId()).isEqualTo(packetId);
        assertThat(back.qos()).isEqualTo(2);
        assertThat(back.message()).isNull();
        assertThat(back).isEqualTo(entry);
    }

    @Test
    void encodesTheDocumentedLayout() {
        byte[] released = PendingMessage.awaitingPubComp(0x1234).encode();
        assertThat(released).containsExactly(1, 1 | (2 << 2), 0x12, 0x34, 0);

        Envelope message = Envelope.of("t", "x".getBytes(StandardCharsets.UTF_8), 1, false, "c");
        byte[] queued = PendingMessage.inFlight(0xABCD, message, 1, true).encode();
        assertThat(Arrays.copyOf(queued, 5)).containsExactly(1, 2 | (1 << 2), 0xAB, 0xCD, 0);
        assertThat(Arrays.copyOfRange(queued, 5, queued.length)).isEqualTo(EnvelopeCodec.encode(message));

        byte[] withIds = PendingMessage.queued(message, 1, false, new int[] {7, 268_435_455}).encode();
        assertThat(Arrays.copyOf(withIds, 13)).containsExactly(1, 1 << 2, 0, 0, 2, 0, 0, 0, 7, 0x0F, 0xFF, 0xFF, 0xFF);
        assertThat(PendingMessage.decode(withIds).subscriptionIds()).containsExactly(7, 268_435_455);
    }

    @Test
    void rejectsBytesTooShortToBeAnEntry() {
        for (byte[] bytes : List.of(new byte[0], new byte[] {1}, new byte[] {1, 0, 0})) {
            assertThatThrownBy(() -> PendingMessage.decode(bytes)).as("%d bytes", bytes.length)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version 1");
        }
    }

    @Test
    void rejectsAnotherVersion() {
        byte[] bytes = PendingMessage.queued(envelope(0), 0, false).encode();
        bytes[0] = 2;
        assertThatThrownBy(() -> PendingMessage.decode(bytes)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a pending message of version 1");
        assertThatThrownBy(() -> PendingMessage.decode("garbage".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsEveryTruncationOfTheEnvelope() {
        byte[] full = PendingMessage.inFlight(9, envelope(1), 1, false).encode();
        for (int length = 5; length < full.length; length++) {
            byte[] prefix = Arrays.copyOf(full, length);
            assertThatThrownBy(() -> PendingMessage.decode(prefix)).as("prefix of %d bytes", length)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void rejectsAReleasedEntryWithoutPacketId() {
        assertThatThrownBy(() -> PendingMessage.decode(new byte[] {1, 1 | (2 << 2), 0, 0, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs its packet id");
    }

    @Test
    void rejectsInvalidEntries() {
        Envelope message = envelope(1);
        assertThatThrownBy(() -> PendingMessage.inFlight(-1, message, 1, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("packet id out of range");
        assertThatThrownBy(() -> PendingMessage.inFlight(65_536, message, 1, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("packet id out of range");
        assertThatThrownBy(() -> PendingMessage.awaitingPubComp(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs its packet id");
        assertThatThrownBy(() -> PendingMessage.queued(null, 1, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("message is missing");
        assertThatThrownBy(() -> PendingMessage.inFlight(3, null, 1, false)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void rejectsAQosOutOfRange() {
        assertThatThrownBy(() -> PendingMessage.queued(envelope(1), 3, false))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] bytes = PendingMessage.queued(envelope(1), 1, false).encode();
        bytes[1] = (byte) (3 << 2);
        assertThatThrownBy(() -> PendingMessage.decode(bytes)).isInstanceOf(IllegalArgumentException.class);
    }
}
