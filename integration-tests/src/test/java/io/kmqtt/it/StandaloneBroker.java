package io.kmqtt.it;

import io.kmqtt.testinfra.ChildProcess;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The packaged standalone broker started the way README says ({@code bin/broker}) on a given
 * port, with HTTP and WebSocket on ephemeral ports unless {@code extra} says otherwise. Its log
 * goes to {@code integration-tests/target/<name>.log}.
 */
public final class StandaloneBroker {

    private StandaloneBroker() {
    }

    /** Starts it and waits until its TCP listener is open; on failure nothing is left running. */
    public static ChildProcess start(String name, int port, Map<String, String> extra) throws Exception {
        return start(name, port, extra, List.of(Cluster.ROOT.resolve("bin/broker").toString()));
    }

    /** {@link #start} under an open-files limit of its own ({@code ulimit -n}). */
    public static ChildProcess startWithOpenFiles(String name, int port, int openFiles) throws Exception {
        return start(name, port, Map.of(), List.of("bash", "-c",
                "ulimit -n " + openFiles + " && exec \"$0\"", Cluster.ROOT.resolve("bin/broker").toString()));
    }

    private static ChildProcess start(String name, int port, Map<String, String> extra, List<String> command)
            throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("MQTT_TCP_PORT", Integer.toString(port), "QUARKUS_HTTP_PORT", "0",
                "MQTT_WS_PORT", "0", "MQTT_WARM_UP_CONNECTS", "0", "JAVA_OPTS", "-Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"));
        env.putAll(extra);
        Path log = Files.createDirectories(Cluster.ROOT.resolve("integration-tests/target")).resolve(name + ".log");
        ChildProcess p = ChildProcess.start(command, env, log);
        try {
            p.awaitLogLine("listening on 127.0.0.1:" + port + " (TCP)", Duration.ofSeconds(120));
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }
}
