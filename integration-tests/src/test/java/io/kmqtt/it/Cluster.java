package io.kmqtt.it;

import io.kmqtt.testinfra.ChildProcess;
import io.kmqtt.testinfra.FreePorts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Launches the packaged gateway and routing service as separate JVMs against one Kafka, the way
 * they run in production, with the configuration given through environment variables.
 */
final class Cluster implements AutoCloseable {

    static final Path ROOT = Path.of(System.getProperty("kmqtt.root", "..")).toAbsolutePath().normalize();
    static final int PARTITIONS = 4;
    /**
     * HTTP listens on loopback, where {@link io.kmqtt.testinfra.FreePorts} checked the port: on a
     * machine busy with client connections (a load test), a port free on 127.0.0.1 may still be in
     * use on another local address, and binding 0.0.0.0 to it fails.
     */
    private static final String LOOPBACK = "127.0.0.1";

    private final String bootstrapServers;
    private final String topicPrefix = "it-" + UUID.randomUUID().toString().substring(0, 8);
    private final Path logDir;
    private final List<ChildProcess> processes = new ArrayList<>();
    private final Map<String, String> sharedEnv = new HashMap<>();

    Cluster(String bootstrapServers) throws IOException {
        this.bootstrapServers = bootstrapServers;
        this.logDir = Files.createDirectories(ROOT.resolve("integration-tests/target/cluster-logs/" + topicPrefix));
    }

    /** Sets an environment variable for every gateway, router and admin API started from now on. */
    Cluster withEnv(String name, String value) {
        sharedEnv.put(name, value);
        return this;
    }

    String topicPrefix() {
        return topicPrefix;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** Starts a gateway and waits until it listens; returns it with its MQTT port. */
    Gateway startGateway(String id) throws Exception {
        return startGateway(id, Map.of("MQTT_ALLOW_ANONYMOUS", "true"));
    }

    /** Starts a gateway with extra environment (authentication, limits). */
    Gateway startGateway(String id, Map<String, String> extraEnv) throws Exception {
        int mqttPort = FreePorts.find();
        int httpPort = FreePorts.find();
        Map<String, String> env = commonEnv();
        env.put("MQTT_GATEWAY_ID", id);
        env.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
        env.put("MQTT_ADVERTISED_HTTP_URL", "http://127.0.0.1:" + httpPort);
        env.put("MQTT_STATS_INTERVAL", "1s");
        env.put("MQTT_TCP_HOST", "127.0.0.1");
        env.put("MQTT_TCP_PORT", Integer.toString(mqttPort));
        // No WebSocket listener: on an ephemeral port it could take the HTTP port chosen above
        // before Quarkus binds it (it happened). ListenersIT covers WebSocket.
        env.put("MQTT_WS_ENABLED", "false");
        env.put("MQTT_HEARTBEAT_INTERVAL", "1s");
        // Dozens of gateways start in a suite run: only the tests about it warm up (ReadinessIT).
        env.put("MQTT_WARM_UP_CONNECTS", "0");
        env.putAll(extraEnv);
        ChildProcess p = launch("mqtt-gateway", id, env);
        p.awaitLogLine("listening on 127.0.0.1:" + mqttPort, Duration.ofSeconds(60));
        p.awaitLogLine("Listening on", Duration.ofSeconds(60)); // HTTP (metrics) opens after the start-up observers
        return new Gateway(id, mqttPort, httpPort, p);
    }

    /** Starts a routing service and waits until it has joined the group. */
    ChildProcess startRouter(String name) throws Exception {
        return startRouter(name, Map.of());
    }

    /** Starts a routing service with extra environment (e.g. a fixed QUARKUS_HTTP_PORT). */
    ChildProcess startRouter(String name, Map<String, String> extraEnv) throws Exception {
        Map<String, String> env = commonEnv();
        env.put("ROUTER_GATEWAY_EXPIRY", "4s");
        env.put("ROUTER_ROUTER_EXPIRY", "2s");
        env.put("ROUTER_SWEEP_INTERVAL", "500ms");
        env.put("ROUTER_NODE_ID", name);
        env.put("ROUTER_STATS_INTERVAL", "1s");
        env.putAll(extraEnv);
        ChildProcess p = launch("routing-service", name, env);
        p.awaitLogLine("routing service started", Duration.ofSeconds(60));
        // It listens to the other routers for one router expiry before it takes shards.
        p.awaitLogLine("this router (" + name + ") owns shards", Duration.ofSeconds(60));
        p.awaitLogLine("Listening on", Duration.ofSeconds(60)); // HTTP (metrics) opens after the start-up observers
        return p;
    }

    /** Starts an auth-service on Redis; returns its base URL. */
    String startAuthService(String redisUrl) throws Exception {
        int httpPort = FreePorts.find();
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
        env.put("QUARKUS_HTTP_HOST", LOOPBACK);
        env.put("QUARKUS_REDIS_HOSTS", redisUrl);
        env.put("AUTH_PASSWORD_HASH", "plain");
        ChildProcess p = launch("auth-service", "auth-service", env);
        p.awaitLogLine("authenticating against Redis", Duration.ofSeconds(60));
        p.awaitLogLine("Listening on", Duration.ofSeconds(60));
        return "http://127.0.0.1:" + httpPort;
    }

    /** Starts an admin API with this first administrator; returns its base URL. */
    String startAdminApi(String adminPassword, Map<String, String> extraEnv) throws Exception {
        int httpPort = FreePorts.find();
        Map<String, String> env = commonEnv();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
        env.put("ADMIN_BOOTSTRAP_PASSWORD", adminPassword);
        env.put("ADMIN_NODE_EXPIRY", "4s");
        env.put("ADMIN_SWEEP_INTERVAL", "1s");
        env.put("ADMIN_PASSWORD_ITERATIONS", "10000");
        env.putAll(extraEnv);
        ChildProcess p = launch("admin-api", "admin-api", env);
        p.awaitLogLine("Listening on", Duration.ofSeconds(60));
        return "http://127.0.0.1:" + httpPort;
    }

    private Map<String, String> commonEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("BUS_KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
        env.put("BUS_KAFKA_TOPIC_PREFIX", topicPrefix);
        env.put("BUS_KAFKA_ROUTER_GROUP_ID", topicPrefix + "-routers");
        env.put("BUS_KAFKA_PARTITIONS", Integer.toString(PARTITIONS));
        env.put("QUARKUS_HTTP_PORT", "0");
        env.put("QUARKUS_HTTP_HOST", LOOPBACK);
        env.putAll(sharedEnv);
        return env;
    }

    private ChildProcess launch(String module, String name, Map<String, String> env) throws IOException {
        Path jar = ROOT.resolve(module + "/target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: run the build with 'verify' so the apps are packaged first");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(java, "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Xshare:auto", "-jar", jar.toString());
        ChildProcess p = ChildProcess.start(command, env, logDir.resolve(name + ".log"));
        processes.add(p);
        return p;
    }

    @Override
    public void close() {
        for (ChildProcess p : processes) {
            p.stop();
        }
    }

    record Gateway(String id, int port, int httpPort, ChildProcess process) {
    }
}
