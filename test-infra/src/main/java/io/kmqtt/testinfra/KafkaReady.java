package io.kmqtt.testinfra;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Whether a Kafka cluster is whole again: every broker registered, and every partition's replicas
 * all in sync. bin/cluster runs it after starting Kafka nodes (the brokers log nothing it could
 * wait for), so that the next fault of a chaos run does not find a replica still catching up:
 * {@code java -cp ... io.kmqtt.testinfra.KafkaReady BOOTSTRAP BROKERS TIMEOUT_SECONDS}. Exits 0
 * when ready, 1 with the reason when the time is up.
 */
public final class KafkaReady {

    private KafkaReady() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: KafkaReady BOOTSTRAP_SERVERS BROKERS TIMEOUT_SECONDS");
            System.exit(2);
        }
        Optional<String> notReady = await(args[0], Integer.parseInt(args[1]), Duration.ofSeconds(Long.parseLong(args[2])));
        if (notReady.isPresent()) {
            System.err.println("Kafka at " + args[0] + " is not ready: " + notReady.get());
            System.exit(1);
        }
    }

    /** Waits until the cluster is ready; empty if it is, else why it is not when time ran out. */
    public static Optional<String> await(String bootstrapServers, int brokers, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> props = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        String reason = "no answer yet";
        try (Admin admin = Admin.create(props)) {
            while (System.nanoTime() < deadline) {
                try {
                    reason = check(admin, brokers);
                    if (reason == null) {
                        return Optional.empty();
                    }
                } catch (Exception e) {
                    reason = e.getClass().getSimpleName() + ": " + e.getMessage();
                }
                Thread.sleep(300);
            }
        }
        return Optional.of(reason);
    }

    /** Null when ready, else the first thing missing. */
    private static String check(Admin admin, int brokers) throws Exception {
        int registered = admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).size();
        if (registered < brokers) {
            return registered + " of " + brokers + " brokers registered";
        }
        Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(3, TimeUnit.SECONDS);
        if (topics.isEmpty()) {
            return null;
        }
        Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
        for (TopicDescription topic : described.values()) {
            for (TopicPartitionInfo p : topic.partitions()) {
                if (p.leader() == null || p.isr().size() < p.replicas().size()) {
                    return topic.name() + "-" + p.partition() + " has " + p.isr().size() + " of " + p.replicas().size()
                            + " replicas in sync" + (p.leader() == null ? " and no leader" : "");
                }
            }
        }
        return null;
    }
}
