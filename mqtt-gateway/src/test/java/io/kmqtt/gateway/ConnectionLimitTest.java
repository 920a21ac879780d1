package io.kmqtt.gateway;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionLimitTest {

    @Test
    void byDefaultTheOpenFilesLimitLessAReserve() {
        ConnectionLimit atThisMachinesLimit = ConnectionLimit.of(0, 20_000);
        assertThat(atThisMachinesLimit.sessions()).isEqualTo(19_000);
        assertThat(atThisMachinesLimit.sockets()).isEqualTo(19_500);

        ConnectionLimit small = ConnectionLimit.of(0, 1_024);
        assertThat(small.sessions()).isEqualTo(768);
        assertThat(small.sockets()).isEqualTo(896);
    }

    @Test
    void aConfiguredLimitWinsButSocketsNeverEatTheReserve() {
        ConnectionLimit configured = ConnectionLimit.of(5_000, 20_000);
        assertThat(configured.sessions()).isEqualTo(5_000);
        assertThat(configured.sockets()).isEqualTo(5_500);

        ConnectionLimit tooHigh = ConnectionLimit.of(100_000, 20_000);
        assertThat(tooHigh.sessions()).isEqualTo(100_000);
        assertThat(tooHigh.sockets()).as("the open files stay the cap").isEqualTo(19_500);

        assertThat(ConnectionLimit.of(0, 0).sockets()).as("limit unknown").isEqualTo(Integer.MAX_VALUE);
        assertThat(ConnectionLimit.of(10, 0).sockets()).isEqualTo(266);
    }

    @Test
    void socketsBeyondTheLimitAreRefusedUntilOthersClose() {
        ConnectionLimit limit = ConnectionLimit.of(2, 1_000); // reserve 256: sockets 2 + 128
        for (int i = 0; i < limit.sockets(); i++) {
            assertThat(limit.tryOpen()).isTrue();
        }
        assertThat(limit.tryOpen()).isFalse();
        assertThat(limit.open()).isEqualTo(limit.sockets());
        limit.closed();
        assertThat(limit.tryOpen()).isTrue();
        assertThat(limit.tryOpen()).isFalse();
    }
}
