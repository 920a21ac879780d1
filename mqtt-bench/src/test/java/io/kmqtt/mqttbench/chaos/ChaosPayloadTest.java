package io.kmqtt.mqttbench.chaos;

import io.kmqtt.mqttbench.loss.SequencedPayload;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ChaosPayloadTest {

    @Test
    void readsBackWhatWasWrittenAndIsASequencedPayload() {
        ByteBuf buf = Unpooled.buffer();
        new ChaosPayload(1_700_000_000_000_000L, 7, 42, 3, 99).write(buf, 64);
        assertThat(buf.readableBytes()).isEqualTo(64);
        assertThat(ChaosPayload.read(buf)).isEqualTo(new ChaosPayload(1_700_000_000_000_000L, 7, 42, 3, 99));
        assertThat(SequencedPayload.sequence(buf.nioBuffer())).isEqualTo(42);
        assertThat(SequencedPayload.publisher(buf.nioBuffer())).isEqualTo(7);
        assertThat(ChaosPayload.read(Unpooled.wrappedBuffer(new byte[10]))).isNull();
    }

    @Test
    void endpointsAreHostPortOrNamed() {
        assertThat(Endpoint.parse("127.0.0.1:1883")).isEqualTo(new Endpoint("lb", "127.0.0.1", 1883));
        assertThat(Endpoint.parse("gw-2=localhost:21002")).isEqualTo(new Endpoint("gw-2", "localhost", 21002));
    }
}
