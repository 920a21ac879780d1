package io.kmqtt.it.conformance;

import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The packaged standalone broker, started as a child process through {@code bin/broker} on a free
 * port (as {@code StandaloneIT} does), one per test class. Its log goes to
 * {@code integration-tests/target/conformance-<name>.log}.
 */
final class Broker implements AutoCloseable {

    static final Path ROOT = Path.of(System.getProperty("kmqtt.root", "..")).toAbsolutePath().normalize();

    final ChildProcess process;
    final int port;

    private Broker(ChildProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    static Broker start(String name) throws Exception {
        return start(name, Map.of());
    }

    static Broker start(String name, Map<String, String> extraEnv) throws Exception {
        int port = FreePorts.find();
        Map<String, String> env = new HashMap<>(Map.of(
                "MQTT_TCP_PORT", Integer.toString(port),
                "QUARKUS_HTTP_PORT", "0",
                "MQTT_WS_PORT", "0",
                "JAVA_OPTS", "-Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"));
        env.putAll(extraEnv);
        Path log = Files.createDirectories(ROOT.resolve("integration-tests/target")).resolve("conformance-" + name + ".log");
        ChildProcess process = ChildProcess.start(List.of(ROOT.resolve("bin/broker").toString()), env, log);
        try {
            process.awaitLogLine("listening on 127.0.0.1:" + port + " (TCP)", Duration.ofSeconds(120));
        } catch (RuntimeException e) {
            process.close();
            throw e;
        }
        return new Broker(process, port);
    }

    @Override
    public void close() {
        process.close();
    }
}
