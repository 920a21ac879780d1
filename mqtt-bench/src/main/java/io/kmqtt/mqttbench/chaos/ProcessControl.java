package io.kmqtt.mqttbench.chaos;

import java.util.List;

/**
 * The cluster's processes, by name, as faults act on them: {@code kafka} or {@code kafka-1..K},
 * {@code redis}, {@code router-1..M}, {@code gw-1..N} (and whatever else the cluster runs). Over
 * bin/cluster for the command line ({@link ClusterScript}); an integration test implements it
 * over its own processes. Every method returns once the change is done.
 */
public interface ProcessControl {

    /** Every process name, sorted. */
    List<String> names() throws Exception;

    /** SIGKILL, as a crash. */
    void kill(String name) throws Exception;

    /** SIGSTOP: a stall, or a partition, until {@link #resume}. */
    void pause(String name) throws Exception;

    /** SIGCONT. */
    void resume(String name) throws Exception;

    /** A normal stop (SIGTERM), waiting until the process has exited. */
    void stop(String name) throws Exception;

    /** Starts it again as it was first started, and waits until it is up. */
    void start(String name) throws Exception;
}
