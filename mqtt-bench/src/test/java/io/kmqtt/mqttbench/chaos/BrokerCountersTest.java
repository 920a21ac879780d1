package io.kmqtt.mqttbench.chaos;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BrokerCountersTest {

    private static final String GATEWAY = """
            # HELP mqtt_messages_dropped_total
            # TYPE mqtt_messages_dropped_total counter
            mqtt_messages_dropped_total{reason="queue_full"} 120.0
            mqtt_messages_dropped_total{reason="expired"} 0.0
            mqtt_messages_in_total 5000.0
            mqtt_sessions_store_failures_total 2.0
            router_messages_unrouted_total 44.0
            """;

    @Test
    void readsTheDropCountersByReasonAndLeavesTheRestOut() {
        assertThat(BrokerCounters.parse(GATEWAY)).containsOnly(Map.entry("queue_full", 120.0), Map.entry("expired", 0.0),
                Map.entry("gateway store failures", 2.0));
        assertThat(BrokerCounters.parse("router_sessions_dropped_total 7.0\n")).containsOnly(Map.entry("router: offline queue full", 7.0));
    }

    @Test
    void aRowGetsWhatMovedSummedOverProcessesAndARestartCountsFromZero() {
        Map<String, Map<String, Double>> before = Map.of("gw-1", Map.of("queue_full", 100.0), "gw-2", Map.of("queue_full", 50.0),
                "router-1", Map.of("router: offline queue full", 3.0));
        Map<String, Map<String, Double>> after = Map.of("gw-1", Map.of("queue_full", 130.0), "gw-2", Map.of("queue_full", 5.0),
                "gw-3", Map.of("queue_full", 1000.0), "router-1", Map.of("router: offline queue full", 3.0));
        assertThat(BrokerCounters.between(before, after)).as("gw-2 restarted; gw-3 had no reading before")
                .containsOnly(Map.entry("queue_full", 35L));
        assertThat(BrokerCounters.describe(Map.of("queue_full", 1234L))).isEqualTo("queue_full 1,234");
    }

    @Test
    void aProcessThatCouldNotBeReadKeepsItsLastReading() {
        Map<String, Map<String, Double>> merged = BrokerCounters.merge(Map.of("gw-1", Map.of("queue_full", 10.0),
                "gw-2", Map.of("queue_full", 20.0)), Map.of("gw-2", Map.of("queue_full", 25.0)));
        assertThat(merged).containsOnly(Map.entry("gw-1", Map.of("queue_full", 10.0)), Map.entry("gw-2", Map.of("queue_full", 25.0)));
    }
}
