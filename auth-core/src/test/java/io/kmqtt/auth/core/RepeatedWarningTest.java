package io.kmqtt.auth.core;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RepeatedWarningTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final RepeatedWarning warning = new RepeatedWarning(10_000, now::get);

    @Test
    void theFirstIsLoggedThenOnePerIntervalWithTheCountHeldBack() {
        assertThat(warning.occurred()).isZero();
        for (int i = 0; i < 3; i++) {
            now.addAndGet(1_000);
            assertThat(warning.occurred()).as("within the interval").isEqualTo(-1);
        }
        now.addAndGet(7_000); // 10 s after the logged one
        assertThat(warning.occurred()).as("held back meanwhile").isEqualTo(3);
        assertThat(warning.occurred()).isEqualTo(-1);
        now.addAndGet(60_000);
        assertThat(warning.occurred()).isEqualTo(1);
    }
}
