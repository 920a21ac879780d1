package io.kmqtt.mqttbench.chaos;

import java.time.Duration;
import java.util.List;

/** What a {@link ChaosRun} needs of its workload: rows to count in, and the end of publishing. */
public interface MeasuredWorkload {

    WorkloadSettings settings();

    /** Messages created from now on count in a new row. */
    RowTally beginRow(String name);

    /** Publishers create no more messages. */
    void stopPublishing();

    /** True once everything created was acknowledged and delivered, false if the time ran out. */
    boolean awaitDrained(Duration timeout) throws InterruptedException;

    List<RowTally> rows();

    /** Messages still unacknowledged. */
    long unacknowledged();

    /** Deliveries of another run's messages. */
    long foreign();

    /** The subscriber to every topic, whose gateway the gateway faults aim at. */
    String watchedSubscriber();
}
