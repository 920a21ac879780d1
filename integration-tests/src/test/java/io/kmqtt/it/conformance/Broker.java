package io.kmqtt.it.conformance;

import io.kmqtt.it.ClusterBroker;
import io.kmqtt.it.StandaloneBroker;
import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;
import io.kmqtt.testinfra.RedisServer;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The broker a conformance test talks to: the packaged standalone broker ({@link StandaloneBroker})
 * on a free port, one per test class, its log in {@code integration-tests/target/conformance-<name>.log};
 * or, for behaviour that must hold on the cluster too, the {@link #cluster() shared cluster} (a
 * router and two gateways on Kafka, Redis for the offline queues).
 *
 * <p>A test that covers both takes a {@link Kind} parameter and asks its class for that broker.
 */
final class Broker implements AutoCloseable {

    enum Kind { STANDALONE, CLUSTER }

    private static Broker cluster;

    /** Where clients connect: the standalone broker, or the cluster's first gateway. */
    final int port;
    /** The standalone broker again, or the cluster's second gateway: where a client reconnects "elsewhere". */
    final int otherPort;
    /** HTTP (metrics) ports of the processes that serve MQTT, in the order of their MQTT ports. */
    final List<Integer> httpPorts;
    /** The processes that serve MQTT. */
    private final List<ChildProcess> servers;
    /** The cluster's Redis, which holds the offline queues; null for the standalone broker (in memory). */
    final RedisServer redis;
    private final AutoCloseable owner;

    private Broker(int port, int otherPort, List<Integer> httpPorts, List<ChildProcess> servers, RedisServer redis,
                   AutoCloseable owner) {
        this.port = port;
        this.otherPort = otherPort;
        this.httpPorts = httpPorts;
        this.servers = servers;
        this.redis = redis;
        this.owner = owner;
    }

    static Broker start(String name) throws Exception {
        return start(name, Map.of());
    }

    static Broker start(String name, Map<String, String> extraEnv) throws Exception {
        int port = FreePorts.find();
        int httpPort = FreePorts.find();
        Map<String, String> env = new java.util.HashMap<>(Map.of("QUARKUS_HTTP_PORT", Integer.toString(httpPort)));
        env.putAll(extraEnv);
        ChildProcess process = StandaloneBroker.start("conformance-" + name, port, env);
        return new Broker(port, port, List.of(httpPort), List.of(process), null, process);
    }

    /**
     * One cluster for every conformance class of this test run, started by the first test that
     * asks for it (a minute or so) and stopped when the JVM exits.
     */
    static synchronized Broker cluster() throws Exception {
        if (cluster == null) {
            ClusterBroker c = ClusterBroker.start(Map.of());
            Runtime.getRuntime().addShutdownHook(new Thread(c::close, "stop-conformance-cluster"));
            cluster = new Broker(c.mqttPort(0), c.mqttPort(1), List.of(c.httpPort(0), c.httpPort(1)),
                    c.gatewayProcesses(), c.redis(), () -> { });
        }
        return cluster;
    }

    /** This class's standalone broker, or the shared cluster. */
    static Broker of(Kind kind, Broker standalone) throws Exception {
        return kind == Kind.STANDALONE ? standalone : cluster();
    }

    /** What the processes serving MQTT have logged so far (this run's part of their log files). */
    String log() {
        return servers.stream().map(ChildProcess::log).collect(Collectors.joining("\n"));
    }

    /** The offline queue of a client exists in Redis (cluster only). */
    boolean hasOfflineQueue(String clientId) throws IOException {
        return redis.command("EXISTS", ClusterBroker.REDIS_KEY_PREFIX + "inbox:" + clientId).contains(":1");
    }

    @Override
    public void close() {
        try {
            owner.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
