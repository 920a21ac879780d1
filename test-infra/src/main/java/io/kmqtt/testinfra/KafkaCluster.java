package io.kmqtt.testinfra;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Kafka cluster of several KRaft nodes, each broker and controller in one child JVM, with
 * the replication a production cluster has (internal topics replicated to every node,
 * {@code min.insync.replicas=2} with three nodes). Nodes can be killed, paused and restarted, for
 * fault tests.
 */
public final class KafkaCluster implements AutoCloseable {

    private final Path dir;
    private final List<Path> configs;
    private final List<ChildProcess> nodes;
    private final String bootstrapServers;

    private KafkaCluster(Path dir, List<Path> configs, List<ChildProcess> nodes, String bootstrapServers) {
        this.dir = dir;
        this.configs = configs;
        this.nodes = nodes;
        this.bootstrapServers = bootstrapServers;
    }

    public static KafkaCluster start(int size) throws Exception {
        Path dir = Files.createTempDirectory("kmqtt-kafka-cluster-");
        int[] ports = new int[size];
        int[] controllerPorts = new int[size];
        StringJoiner voters = new StringJoiner(",");
        StringJoiner bootstrap = new StringJoiner(",");
        for (int i = 0; i < size; i++) {
            ports[i] = FreePorts.find();
            controllerPorts[i] = FreePorts.find();
            voters.add((i + 1) + "@127.0.0.1:" + controllerPorts[i]);
            bootstrap.add("127.0.0.1:" + ports[i]);
        }
        String replication = Integer.toString(Math.min(3, size));
        String minIsr = Integer.toString(Math.max(1, Math.min(3, size) - 1));
        String clusterId = Uuid.randomUuid().toString();
        String classpath = KafkaServer.serverClasspath();
        List<Path> configs = new ArrayList<>();
        List<ChildProcess> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Map<String, String> props = new LinkedHashMap<>();
            props.put("process.roles", "broker,controller");
            props.put("node.id", Integer.toString(i + 1));
            props.put("controller.quorum.voters", voters.toString());
            props.put("listeners", "PLAINTEXT://127.0.0.1:" + ports[i] + ",CONTROLLER://127.0.0.1:" + controllerPorts[i]);
            props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + ports[i]);
            props.put("controller.listener.names", "CONTROLLER");
            props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            props.put("inter.broker.listener.name", "PLAINTEXT");
            props.put("log.dirs", dir.resolve("node-" + (i + 1)).toString());
            props.put("auto.create.topics.enable", "false");
            props.put("default.replication.factor", replication);
            props.put("min.insync.replicas", minIsr);
            props.put("offsets.topic.replication.factor", replication);
            props.put("offsets.topic.num.partitions", "4");
            props.put("transaction.state.log.replication.factor", replication);
            props.put("transaction.state.log.min.isr", minIsr);
            props.put("share.coordinator.state.topic.replication.factor", replication);
            props.put("share.coordinator.state.topic.min.isr", minIsr);
            props.put("group.initial.rebalance.delay.ms", "0");
            props.put("log.cleaner.backoff.ms", "1000");
            props.put("num.network.threads", "2");
            props.put("num.io.threads", "2");
            // A killed broker is noticed by the controllers after this, and its partitions' leadership moves.
            props.put("broker.heartbeat.interval.ms", "500");
            props.put("broker.session.timeout.ms", "3000");
            // An unclean leader would lose acknowledged writes: never.
            props.put("unclean.leader.election.enable", "false");
            Path config = dir.resolve("node-" + (i + 1) + ".properties");
            StringBuilder text = new StringBuilder();
            props.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
            Files.writeString(config, text);
            configs.add(config);
            ChildProcess format = ChildProcess.start(KafkaServer.javaCommand(classpath, "kafka.tools.StorageTool", "format",
                    "-t", clusterId, "-c", config.toString()), Map.of(), dir.resolve("format-" + (i + 1) + ".log"));
            format.awaitExit(Duration.ofSeconds(60));
        }
        for (int i = 0; i < size; i++) {
            nodes.add(ChildProcess.start(KafkaServer.javaCommand(classpath, "kafka.Kafka", configs.get(i).toString()),
                    Map.of(), dir.resolve("kafka-" + (i + 1) + ".log")));
        }
        KafkaCluster cluster = new KafkaCluster(dir, configs, nodes, bootstrap.toString());
        try {
            cluster.awaitBrokers(size, Duration.ofSeconds(120));
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** Waits until this many brokers are registered. */
    public void awaitBrokers(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> props = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(props)) {
            while (System.nanoTime() < deadline) {
                try {
                    if (admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).size() >= count) {
                        return;
                    }
                } catch (Exception notYet) {
                    // not up yet
                }
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("Kafka cluster did not reach " + count + " brokers within " + timeout);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public int size() {
        return nodes.size();
    }

    /** SIGKILL of node i (0-based), keeping its data for {@link #restart}. */
    public void kill(int i) {
        nodes.get(i).kill();
    }

    public void pause(int i) {
        nodes.get(i).pause();
    }

    public void resume(int i) {
        nodes.get(i).resume();
    }

    public long pid(int i) {
        return nodes.get(i).pid();
    }

    /** Starts node i again after {@link #kill}, on its ports and data; returns once every node is registered. */
    public void restart(int i) throws IOException, InterruptedException {
        if (nodes.get(i).isAlive()) {
            throw new IllegalStateException("node " + (i + 1) + " is still running");
        }
        nodes.get(i).close();
        nodes.set(i, ChildProcess.start(KafkaServer.javaCommand(KafkaServer.serverClasspath(), "kafka.Kafka",
                configs.get(i).toString()), Map.of(), dir.resolve("kafka-" + (i + 1) + ".log")));
        awaitBrokers(nodes.size(), Duration.ofSeconds(120));
    }

    @Override
    public void close() {
        nodes.forEach(ChildProcess::close);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is not worth failing a test for
        }
    }
}
