package io.kmqtt.it.conformance;

import io.kmqtt.it.StandaloneBroker;
import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;

import java.util.Map;

/**
 * The packaged standalone broker ({@link StandaloneBroker}) on a free port, one per test class. Its log goes to
 * {@code integration-tests/target/conformance-<name>.log}.
 */
final class Broker implements AutoCloseable {

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
        return new Broker(StandaloneBroker.start("conformance-" + name, port, extraEnv), port);
    }

    @Override
    public void close() {
        process.close();
    }
}
