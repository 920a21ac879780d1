package io.kmqtt.testinfra;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real single-node Apache Kafka broker in KRaft mode (broker and controller in one process),
 * run as a child JVM from the kafka_2.13 jars. Storage is formatted with kafka.tools.StorageTool,
 * then kafka.Kafka is started; start() returns once the broker answers an Admin request.
 */
public final class KafkaServer implements AutoCloseable {

    private volatile ChildProcess process;
    private final Path dir;
    private final Path config;
    private final String bootstrapServers;

    private KafkaServer(ChildProcess process, Path dir, Path config, String bootstrapServers) {
        this.process = process;
        this.dir = dir;
        this.config = config;
        this.bootstrapServers = bootstrapServers;
    }

    public static KafkaServer start() throws Exception {
        return start(Map.of());
    }

    public static KafkaServer start(Map<String, String> extraProperties) throws Exception {
        Path dir = Files.createTempDirectory("kmqtt-kafka-");
        int port = FreePorts.find();
        int controllerPort = FreePorts.find();
        Map<String, String> props = new LinkedHashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", dir.resolve("data").toString());
        props.put("num.partitions", "1");
        props.put("auto.create.topics.enable", "false");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        // Tests rebalance often: no artificial delay before the first one.
        props.put("group.initial.rebalance.delay.ms", "0");
        // Compacted topics are read at every rebalance: keep the cleaner busy in tests.
        props.put("log.cleaner.backoff.ms", "1000");
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        props.putAll(extraProperties);
        Path config = dir.resolve("server.properties");
        StringBuilder text = new StringBuilder();
        props.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Files.writeString(config, text);

        Path log = dir.resolve("kafka.log");
        String classpath = serverClasspath();
        ChildProcess format = ChildProcess.start(javaCommand(classpath, "kafka.tools.StorageTool", "format",
                "-t", Uuid.randomUuid().toString(), "-c", config.toString()), Map.of(), dir.resolve("format.log"));
        format.awaitExit(Duration.ofSeconds(60));

        ChildProcess server = ChildProcess.start(javaCommand(classpath, "kafka.Kafka", config.toString()), Map.of(), log);
        String bootstrap = "127.0.0.1:" + port;
        KafkaServer kafka = new KafkaServer(server, dir, config, bootstrap);
        try {
            kafka.awaitReady(Duration.ofSeconds(90));
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
        return kafka;
    }

    private void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> props = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(props)) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Kafka exited during start-up. Log tail:\n" + process.logTail(40));
                }
                try {
                    if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception notYet) {
                    Thread.sleep(200);
                }
            }
        }
        throw new IllegalStateException("Kafka did not answer within " + timeout + ". Log tail:\n" + process.logTail(40));
    }

    /** Kills the broker (SIGKILL, like a crash), keeping its data and ports for {@link #restart()}. */
    public void kill() {
        process.kill();
    }

    /** Starts the broker again after {@link #kill()}, on the same ports and data; returns once it answers. */
    public void restart() throws InterruptedException, IOException {
        if (process.isAlive()) {
            throw new IllegalStateException("Kafka is still running");
        }
        process.close();
        process = ChildProcess.start(javaCommand(serverClasspath(), "kafka.Kafka", config.toString()), Map.of(),
                dir.resolve("kafka.log"));
        awaitReady(Duration.ofSeconds(90));
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The broker process's pid, for tests that need to kill or inspect it. */
    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return process.logFile();
    }

    @Override
    public void close() {
        process.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is not worth failing a test for
        }
    }

    /** SIGSTOP: the broker stalls (as under a long pause or a network cut) until {@link #resume}. */
    public void pause() {
        process.pause();
    }

    /** SIGCONT after {@link #pause}. */
    public void resume() {
        process.resume();
    }

    static List<String> javaCommand(String classpath, String mainClass, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Dlog4j2.level=WARN", "-cp", classpath, mainClass));
        command.addAll(List.of(args));
        return command;
    }

    static String serverClasspath() {
        try (InputStream in = KafkaServer.class.getResourceAsStream("kafka-server.classpath")) {
            if (in == null) {
                throw new IllegalStateException("kafka-server.classpath missing from test-infra: build it with Maven");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
