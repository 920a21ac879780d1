package io.kmqtt.bus.kafka;

import io.kmqtt.core.state.ClusterTable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

/**
 * Names, partitioning and creation of the broker's Kafka topics. See docs/architecture.md for the
 * table of topics; keep the two in step.
 */
public final class KafkaTopics {

    /** Gateway ids become topic names, so they are held to Kafka's topic alphabet. */
    public static final Pattern GATEWAY_ID = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    private final KafkaBusSettings settings;

    public KafkaTopics(KafkaBusSettings settings) {
        this.settings = settings;
    }

    /** Application messages, keyed by MQTT topic, one partition per shard. */
    public String messages() {
        return settings.topicPrefix() + ".messages";
    }

    /**
     * Header of a message on the messages topic meant for one shared subscription only
     * ({@code group \0 filter}); absent on ordinary messages.
     */
    public static final String SHARE_HEADER = "kmqtt-share";

    /** Routes, compacted, co-partitioned with messages. */
    public String routes() {
        return settings.topicPrefix() + ".routes";
    }

    /** Gateway heartbeats, compacted, keyed by gateway id. */
    public String gateways() {
        return settings.topicPrefix() + ".gateways";
    }

    /** Router heartbeats, compacted, keyed by router id: how routers divide the shards. */
    public String routers() {
        return settings.topicPrefix() + ".routers";
    }

    /**
     * Header of a delivery: the message's shard (4 bytes) and offset there (8 bytes, big-endian), by
     * which a gateway drops the copies two routers send while one hands a shard to the other.
     */
    public static final String SHARD_POSITION_HEADER = "kmqtt-pos";

    /** A replicated table of cluster state, compacted, keyed by the table's key. */
    public String table(ClusterTable table) {
        return settings.topicPrefix() + "." + table.topicSuffix();
    }

    /** Commands broadcast to every gateway (kick, takeover, subscribe on behalf of a client). */
    public String commands() {
        return settings.topicPrefix() + ".commands";
    }

    /** One gateway's delivery channel. */
    public String deliveries(String gatewayId) {
        if (!GATEWAY_ID.matcher(gatewayId).matches()) {
            throw new IllegalArgumentException("gateway id '" + gatewayId + "' must match " + GATEWAY_ID.pattern());
        }
        return settings.topicPrefix() + ".deliveries." + gatewayId;
    }

    /**
     * The shard that owns an MQTT topic or exact filter: the same function for messages and routes,
     * so that a message and the routes that match it exactly meet in one partition.
     */
    public static int shardOf(String mqttTopic, int partitions) {
        return Utils.toPositive(Utils.murmur2(mqttTopic.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** Creates the cluster-wide topics if missing and checks the co-partitioning they rely on. */
    public void ensureClusterTopics(Admin admin) throws InterruptedException, ExecutionException {
        String retention = Long.toString(settings.messageRetention().toMillis());
        create(admin, List.of(
                new NewTopic(messages(), settings.partitions(), settings.replicationFactor())
                        .configs(Map.of("cleanup.policy", "delete", "retention.ms", retention)),
                new NewTopic(routes(), settings.partitions(), settings.replicationFactor())
                        .configs(compacted()),
                new NewTopic(gateways(), 1, settings.replicationFactor())
                        .configs(compacted()),
                new NewTopic(routers(), 1, settings.replicationFactor())
                        .configs(compacted())));
        Map<String, TopicDescription> described = admin.describeTopics(List.of(messages(), routes()))
                .allTopicNames().get();
        int messagePartitions = described.get(messages()).partitions().size();
        int routePartitions = described.get(routes()).partitions().size();
        if (messagePartitions != routePartitions) {
            throw new IllegalStateException("topics " + messages() + " (" + messagePartitions + " partitions) and "
                    + routes() + " (" + routePartitions + ") must have the same number of partitions: routers"
                    + " rely on shard p of both being assigned together");
        }
        if (messagePartitions != settings.partitions()) {
            throw new IllegalStateException("topic " + messages() + " exists with " + messagePartitions
                    + " partitions but bus.kafka.partitions is " + settings.partitions()
                    + "; set them equal (every service must agree on the shard function)");
        }
    }

    /** Creates a table's compacted topic if missing: the bus's shard count for large tables, else one partition. */
    public void ensureTable(Admin admin, ClusterTable table) throws InterruptedException, ExecutionException {
        create(admin, List.of(new NewTopic(table(table), table.partitioned() ? settings.partitions() : 1,
                settings.replicationFactor()).configs(compacted())));
    }

    /** Creates the commands topic if missing: one partition, kept briefly (a command is for now or never). */
    public void ensureCommands(Admin admin) throws InterruptedException, ExecutionException {
        create(admin, List.of(new NewTopic(commands(), 1, settings.replicationFactor())
                .configs(Map.of("cleanup.policy", "delete", "retention.ms", "600000"))));
    }

    /** Creates a gateway's delivery topic if missing. */
    public void ensureDeliveryTopic(Admin admin, String gatewayId) throws InterruptedException, ExecutionException {
        create(admin, List.of(new NewTopic(deliveries(gatewayId), 1, settings.replicationFactor())
                .configs(Map.of("cleanup.policy", "delete",
                        "retention.ms", Long.toString(settings.deliveryRetention().toMillis())))));
    }

    private static Map<String, String> compacted() {
        // Small dirty ratio and segments: the log cleaner keeps these topics close to their live size,
        // which is what a router reads at every rebalance.
        return Map.of("cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0.1",
                "segment.ms", "600000", "delete.retention.ms", "3600000");
    }

    private static void create(Admin admin, List<NewTopic> topics) throws InterruptedException, ExecutionException {
        var results = admin.createTopics(topics).values();
        for (var entry : results.entrySet()) {
            try {
                entry.getValue().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }
}
