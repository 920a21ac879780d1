package io.kmqtt.mqttbench;

import java.time.Duration;

/**
 * How one load process connects and which part of the scenario it plays.
 *
 * @param slice       this process's index among {@code workers}; seed pairs i with (i-1) % workers == slice
 * @param startMillis the run's common start (epoch ms), so that per-second series of processes line up
 * @param bindAddress local address for outgoing connections (127.0.0.x, with source ports below the
 *                    ephemeral range: see LoadRun), or null
 */
public record RunSettings(String host, int port, String password, String backendUser, String backendPassword,
                          int slice, int workers, long startMillis, String bindAddress, int threads,
                          Duration drain, Duration connectTimeout) {
}
