package io.kmqtt.mqttbench.chaos;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * What a fault acts on and reports to while its row runs: the cluster's processes, where the
 * watched subscriber is connected, and the row, which records each action and the last disruption
 * (time to recover is counted from it).
 */
public record FaultContext(ProcessControl processes, GatewayLocator locator, String watchedClient, RowTally row,
                           Duration stepPause, Consumer<String> log) {

    /** Records an action that disrupted the cluster, begun at {@code beganMicros} and done now, and logs it. */
    public void disrupted(String what, long beganMicros) {
        row.disrupted(what, beganMicros);
        log.accept("  " + what);
    }

    /** Records something that happened (a process back up), and logs it. */
    public void event(String what) {
        row.event(what);
        log.accept("  " + what);
    }
}
