package io.kmqtt.mqttbench;

import java.time.Duration;
import java.util.List;

/**
 * How one load process connects and which part of the scenario it plays.
 *
 * @param ports       the broker's MQTT ports: connection n goes to ports[n mod size] (several gateways
 *                    without a load balancer), each reconnect to the next
 * @param slice       this process's index among {@code workers}; seed pairs i with (i-1) % workers == slice
 * @param bindAddress local address for outgoing connections (127.x.y.z, with source ports below the
 *                    ephemeral range: see LoadRun), or null
 */
public record RunSettings(String host, List<Integer> ports, String password, String backendUser, String backendPassword,
                          int slice, int workers, String bindAddress, int threads,
                          Duration drain, Duration connectTimeout) {

    public RunSettings {
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("no broker port");
        }
        ports = List.copyOf(ports);
    }

    /** The port of the n-th connection attempt. */
    public int port(long n) {
        return ports.get((int) Math.floorMod(n, (long) ports.size()));
    }
}
