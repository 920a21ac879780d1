package io.kmqtt.mqttbench.chaos;

import java.time.Duration;
import java.util.Optional;

/**
 * One fault of a chaos run, measured as its own row: {@link #inject} breaks something (and marks
 * each disruption on the context), the run waits the hold time, then {@link #recover} makes the
 * cluster whole again (restarts what was killed, resumes what was paused) and returns only when
 * it is, so that the next row starts from a healthy cluster. Built from a name or a spec by
 * {@link FaultCatalog}; implementations act through {@link ProcessControl} only, so the same fault
 * runs against bin/cluster and against an integration test's processes.
 */
public interface Fault {

    /** The name the report shows: a catalog name, or the spec as given (kill:router-2). */
    String name();

    /** How long the fault lasts before {@link #recover}; empty: the run's default. A rolling restart has none. */
    Optional<Duration> hold();

    void inject(FaultContext context) throws Exception;

    /** Undoes what {@link #inject} did, if it did anything. */
    void recover(FaultContext context) throws Exception;
}
