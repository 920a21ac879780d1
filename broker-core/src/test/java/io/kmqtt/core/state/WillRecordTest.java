package io.kmqtt.core.state;

import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.PublishProperties;
import io.kmqtt.core.message.UserProperty;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WillRecordTest {

    @Test
    void roundTripsWithItsEnvelopeAndKeysLikeTheClientsTable() {
        Envelope will = new Envelope("status/dev-1", "offline".getBytes(StandardCharsets.UTF_8), 1, true, "dev-1", "gw-1",
                1_000, 61_000, new PublishProperties(1, "text/plain", null, null, List.of(new UserProperty("k", "v"))));
        WillRecord record = new WillRecord("dev-1", new GatewayRef("gw-1", "inc-7"), 30, will);
        WillRecord back = WillRecord.decode(record.encode());
        assertThat(back.clientId()).isEqualTo("dev-1");
        assertThat(back.owner()).isEqualTo(new GatewayRef("gw-1", "inc-7"));
        assertThat(back.delaySeconds()).isEqualTo(30);
        assertThat(back.will().topic()).isEqualTo("status/dev-1");
        assertThat(back.will().payload()).isEqualTo(will.payload());
        assertThat(back.will().retain()).isTrue();
        assertThat(back.will().expiryAtMillis()).isEqualTo(61_000);
        assertThat(back.will().properties()).isEqualTo(will.properties());
        assertThat(record.key()).isEqualTo(ClientRecord.key("dev-1", "gw-1"));
    }

    @Test
    void refusesAVersionItDoesNotKnow() {
        byte[] bytes = new WillRecord("c", new GatewayRef("g", "i"), 0, Envelope.of("t", new byte[0], 0, false, "c")).encode();
        bytes[0] = 99;
        assertThatThrownBy(() -> WillRecord.decode(bytes)).isInstanceOf(IllegalArgumentException.class);
    }
}
