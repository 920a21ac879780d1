package io.kmqtt.mqttbench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunSettingsTest {

    @Test
    void connectionsGoToThePortsInTurn() {
        RunSettings settings = settings(List.of(21001, 21002, 21003));

        assertThat(LongStream.range(0, 7).mapToObj(settings::port).toList())
                .containsExactly(21001, 21002, 21003, 21001, 21002, 21003, 21001);
    }

    @Test
    void onePortTakesEveryConnection() {
        RunSettings settings = settings(List.of(1883));

        assertThat(settings.port(0)).isEqualTo(1883);
        assertThat(settings.port(Long.MAX_VALUE)).isEqualTo(1883);
    }

    @Test
    void portListsAreParsedAsGiven() {
        assertThat(LoadOptions.parsePorts("1883")).containsExactly(1883);
        assertThat(LoadOptions.parsePorts("21001, 21002")).containsExactly(21001, 21002);
        assertThatThrownBy(() -> LoadOptions.parsePorts("21001,70000")).isInstanceOf(NumberFormatException.class);
    }

    @Test
    void noPortIsRefused() {
        assertThatThrownBy(() -> settings(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    private static RunSettings settings(List<Integer> ports) {
        return new RunSettings("127.0.0.1", ports, "pw", "backend", "pw", 0, 1, null, 1,
                Duration.ofSeconds(3), Duration.ofSeconds(30));
    }
}
