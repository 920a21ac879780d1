package io.kmqtt.bus.kafka;

import io.kmqtt.core.bus.DeliveryListener;
import io.kmqtt.core.bus.DeliveryReader;
import io.kmqtt.core.bus.GatewayHeartbeat;
import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.HeartbeatListener;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.bus.RouteChange;
import io.kmqtt.core.bus.RouterHeartbeat;
import io.kmqtt.core.bus.ShardConsumer;
import io.kmqtt.core.bus.ShardListener;
import io.kmqtt.core.bus.ShardMessage;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.EnvelopeCodec;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.ReplicatedTable;
import io.kmqtt.core.topic.SharedSubscription;
import io.kmqtt.core.topic.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The message bus on Kafka. See {@link KafkaTopics} for the topics and docs/architecture.md for the
 * whole data path.
 *
 * <p>Two producers, created on first use so that each process only has the one its role needs:
 * <ul>
 *   <li>the gateway producer sends from event loops and therefore must never block: its
 *       {@code max.block.ms} is 0 and the metadata of the topics it writes is fetched at start-up,
 *       so a send either enqueues at once or fails at once (buffer full, Kafka gone);</li>
 *   <li>the router producer sends from the router's own thread and may wait for metadata of a
 *       gateway's delivery topic it has not written to yet.</li>
 * </ul>
 * Both are idempotent with acks=all, so a write acknowledged once is on every in-sync replica and
 * retries do not duplicate it.
 */
public final class KafkaMessageBus implements MessageBus {

    private static final Logger LOG = Logger.getLogger(KafkaMessageBus.class.getName());
    /** For loops that pause, resume or reassign partitions: their next fetch waits for the one in flight. */
    private static final int FETCH_MAX_WAIT_MS = 50;
    /** Kafka's own default; see {@link #followerProps()}. */
    private static final int FOLLOWER_FETCH_MAX_WAIT_MS = 500;
    /**
     * How long a gateway's reader of the commands topic gathers between fetches (see
     * {@link PollLoop#gather()}). Every CONNECT writes a TAKEOVER there and every gateway reads it, so
     * without a wait a CONNECT costs Kafka one fetch per gateway. A takeover, and a session's move
     * between gateways (TAKEOVER, then RELEASED), reach the other gateway up to about twice this
     * much later.
     */
    private static final Duration COMMANDS_GATHER = Duration.ofMillis(50);
    /**
     * The same for the readers of the clients table (presence, written at every CONNECT, SUBSCRIBE and
     * disconnect): only the admin API reads it, to show it.
     */
    private static final Duration PRESENCE_GATHER = Duration.ofMillis(200);

    private final KafkaBusSettings settings;
    private final KafkaTopics topics;
    private final Admin admin;
    private final KafkaClientListener clients;
    private final List<Registration> registrations = new CopyOnWriteArrayList<>();
    private volatile Producer<byte[], byte[]> gatewayProducer;
    private volatile Producer<byte[], byte[]> routerProducer;
    private final Map<ClusterTable, ReplicatedTable> tables = new ConcurrentHashMap<>();
    /** Delivery topic names by gateway id: the name is checked once, not per delivery. */
    private final Map<String, String> deliveryTopics = new ConcurrentHashMap<>();
    private volatile boolean commandsReady;

    private KafkaMessageBus(KafkaBusSettings settings, Admin admin, KafkaClientListener clients) {
        this.settings = settings;
        this.topics = new KafkaTopics(settings);
        this.admin = admin;
        this.clients = clients;
    }

    /**
     * Connects, creates the cluster topics if needed and checks them. Blocks until Kafka answers or
     * {@code startupTimeout} passes: call it at start-up, not on an event loop.
     */
    public static KafkaMessageBus start(KafkaBusSettings settings, Duration startupTimeout) {
        return start(settings, startupTimeout, KafkaClientListener.NONE);
    }

    /** As {@link #start(KafkaBusSettings, Duration)}, telling {@code clients} about every client it creates. */
    public static KafkaMessageBus start(KafkaBusSettings settings, Duration startupTimeout, KafkaClientListener clients) {
        Map<String, Object> props = common(settings);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) startupTimeout.toMillis());
        Admin admin = Admin.create(props);
        try {
            new KafkaTopics(settings).ensureClusterTopics(admin);
        } catch (ExecutionException e) {
            admin.close(Duration.ofSeconds(1));
            throw new IllegalStateException("cannot set up Kafka topics at " + settings.bootstrapServers() + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            admin.close(Duration.ofSeconds(1));
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while setting up Kafka topics", e);
        }
        LOG.info("Kafka bus ready at " + settings.bootstrapServers() + ": topics " + new KafkaTopics(settings).messages()
                + ", " + new KafkaTopics(settings).routes() + " (" + settings.partitions() + " shards)");
        return new KafkaMessageBus(settings, admin, clients);
    }

    public KafkaTopics topics() {
        return topics;
    }

    /** For {@link KafkaConnectivity}: the bus's admin client, alive as long as the bus. */
    Admin admin() {
        return admin;
    }

    String bootstrapServers() {
        return settings.bootstrapServers();
    }

    @Override
    public int shardCount() {
        return settings.partitions();
    }

    // ---- gateway side -----------------------------------------------------------------------

    @Override
    public CompletionStage<Void> publish(Envelope message) {
        int shard = KafkaTopics.shardOf(message.topic(), settings.partitions());
        return send(gatewayProducer(), new ProducerRecord<>(topics.messages(), shard,
                message.topic().getBytes(StandardCharsets.UTF_8), EnvelopeCodec.encode(message)));
    }

    @Override
    public CompletionStage<Void> publishToShare(String group, String filter, Envelope message) {
        int shard = KafkaTopics.shardOf(message.topic(), settings.partitions());
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topics.messages(), shard,
                message.topic().getBytes(StandardCharsets.UTF_8), EnvelopeCodec.encode(message));
        record.headers().add(KafkaTopics.SHARE_HEADER, (group + '\u0000' + filter).getBytes(StandardCharsets.UTF_8));
        return send(gatewayProducer(), record);
    }

    @Override
    public CompletionStage<Void> announceRoute(RouteChange change) {
        byte[] key = RouteRecords.routeKey(change.gateway(), change.filter());
        byte[] value = RouteRecords.routeValue(change);
        // A shared subscription's route lives where its inner filter's would.
        String matching = SharedSubscription.routingFilter(change.filter());
        if (!Topics.isWildcard(matching)) {
            int shard = KafkaTopics.shardOf(matching, settings.partitions());
            return send(gatewayProducer(), new ProducerRecord<>(topics.routes(), shard, key, value));
        }
        // A wildcard filter can match topics of any shard: every shard holds it.
        CompletableFuture<?>[] sends = new CompletableFuture<?>[settings.partitions()];
        for (int shard = 0; shard < sends.length; shard++) {
            sends[shard] = send(gatewayProducer(), new ProducerRecord<>(topics.routes(), shard, key, value));
        }
        return CompletableFuture.allOf(sends);
    }

    @Override
    public CompletionStage<Void> heartbeat(GatewayHeartbeat heartbeat) {
        return send(gatewayProducer(), new ProducerRecord<>(topics.gateways(), 0,
                RouteRecords.heartbeatKey(heartbeat), RouteRecords.heartbeatValue(heartbeat)));
    }

    @Override
    public Registration consumeDeliveries(GatewayRef gateway, DeliveryListener listener) {
        String topic = topics.deliveries(gateway.id());
        try {
            topics.ensureDeliveryTopic(admin, gateway.id());
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create delivery topic " + topic + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating " + topic, e);
        }
        // The group only records the position before which this gateway settled every delivery of
        // its lasting sessions (DeliveryLoop), for unreadDeliveries after a crash; the loop itself
        // always starts from the end.
        // It only reads on, one partition, never paused: the long wait of the followers costs it nothing.
        Map<String, Object> props = consumerProps(topic, FOLLOWER_FETCH_MAX_WAIT_MS);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        DeliveryLoop loop = new DeliveryLoop(consumer("deliveries", props), topic, listener);
        return register(loop);
    }

    @Override
    public DeliveryReader deliveryReader(GatewayRef gateway) {
        Map<String, Object> props = consumerProps(null);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
        return new KafkaDeliveryReader(new KafkaConsumer<>(props), topics.deliveries(gateway.id()));
    }

    @Override
    public CompletionStage<List<Envelope>> unreadDeliveries(String gatewayId, int limit) {
        CompletableFuture<List<Envelope>> result = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                result.complete(readUnread(topics.deliveries(gatewayId), limit));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }, "unread-deliveries-" + gatewayId);
        reader.setDaemon(true);
        reader.start();
        return result;
    }

    /** Reads a delivery topic from its group's committed position to its current end (plain deliveries only). */
    private List<Envelope> readUnread(String topic, int limit) {
        Map<String, Object> props = consumerProps(topic);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            Duration wait = Duration.ofSeconds(5);
            OffsetAndMetadata committed = consumer.committed(java.util.Set.of(partition), wait).get(partition);
            if (committed == null) {
                return List.of();
            }
            long end = consumer.endOffsets(List.of(partition), wait).get(partition);
            consumer.seek(partition, committed.offset());
            List<Envelope> unread = new ArrayList<>();
            long deadline = System.nanoTime() + wait.toNanos();
            while (consumer.position(partition) < end && unread.size() < limit && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= end || unread.size() >= limit) {
                        break;
                    }
                    if (r.key() == null) { // a shared delivery went to one member: another takes over its group
                        try {
                            unread.add(EnvelopeCodec.decode(r.value()));
                        } catch (IllegalArgumentException e) {
                            LOG.warning("skipping undecodable delivery at " + topic + "@" + r.offset() + ": " + e.getMessage());
                        }
                    }
                }
            }
            return unread;
        }
    }

    // ---- router side ------------------------------------------------------------------------

    @Override
    public ShardConsumer consumeShards(ShardListener listener) {
        // The routers' group only records how far each shard was routed: shards are assigned by the
        // routers themselves (ShardOwnership), not by the group protocol, whose failover waits for
        // a session timeout.
        Map<String, Object> props = consumerProps(settings.routerGroupId());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        ShardLoop loop = new ShardLoop(consumer("shards", props), topics.messages(), topics.routes(), listener);
        register(loop);
        return loop;
    }

    @Override
    public Registration consumeHeartbeats(HeartbeatListener listener) {
        return register(new HeartbeatLoop<>(consumer("heartbeats", followerProps()), topics.gateways(),
                RouteRecords::decodeHeartbeat, listener::onHeartbeat));
    }

    @Override
    public CompletionStage<Void> routerHeartbeat(RouterHeartbeat heartbeat) {
        return send(routerProducer(), new ProducerRecord<>(topics.routers(), 0,
                RouteRecords.routerHeartbeatKey(heartbeat), RouteRecords.routerHeartbeatValue(heartbeat)));
    }

    @Override
    public Registration consumeRouterHeartbeats(Consumer<RouterHeartbeat> listener) {
        return register(new HeartbeatLoop<>(consumer("router-heartbeats", followerProps()), topics.routers(),
                RouteRecords::decodeRouterHeartbeat, listener));
    }

    @Override
    public CompletionStage<Void> deliver(String gatewayId, ShardMessage message) {
        return send(routerProducer(), delivery(gatewayId, null, message));
    }

    /** A shared delivery's key is {@code group \0 filter}; plain deliveries have none. */
    @Override
    public CompletionStage<Void> deliverShared(String gatewayId, String group, String filter, ShardMessage message) {
        return send(routerProducer(), delivery(gatewayId, (group + '\u0000' + filter).getBytes(StandardCharsets.UTF_8),
                message));
    }

    /** The message as its shard holds it (no second encoding), with its shard position in a header. */
    private ProducerRecord<byte[], byte[]> delivery(String gatewayId, byte[] key, ShardMessage message) {
        byte[] value = message.encoded() != null ? message.encoded() : EnvelopeCodec.encode(message.message());
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(deliveryTopic(gatewayId), 0, key, value);
        record.headers().add(KafkaTopics.SHARD_POSITION_HEADER, ShardPosition.encode(message.shard(), message.offset()));
        return record;
    }

    private String deliveryTopic(String gatewayId) {
        return deliveryTopics.computeIfAbsent(gatewayId, topics::deliveries);
    }

    @Override
    public CompletionStage<Void> withdrawRoute(int shard, RouteChange change) {
        return send(routerProducer(), new ProducerRecord<>(topics.routes(), shard,
                RouteRecords.routeKey(change.gateway(), change.filter()), null));
    }

    // ---- cluster state ----------------------------------------------------------------------

    @Override
    public ReplicatedTable table(ClusterTable table) {
        return tables.computeIfAbsent(table, t -> {
            String topic = topics.table(t);
            setUp(topic, () -> topics.ensureTable(admin, t));
            return new KafkaTable(t, topic, record -> send(gatewayProducer(), record),
                    listener -> register(new TableLoop(new KafkaConsumer<>(followerProps()), topic,
                            t == ClusterTable.CLIENTS ? PRESENCE_GATHER : Duration.ZERO, listener)));
        });
    }

    @Override
    public CompletionStage<Void> broadcast(byte[] command) {
        ensureCommands();
        return send(gatewayProducer(), new ProducerRecord<>(topics.commands(), 0, null, command));
    }

    @Override
    public Registration consumeBroadcasts(Consumer<byte[]> listener) {
        ensureCommands();
        return register(new BroadcastLoop(new KafkaConsumer<>(followerProps()), topics.commands(), COMMANDS_GATHER,
                listener));
    }

    private void ensureCommands() {
        if (!commandsReady) {
            synchronized (this) {
                if (!commandsReady) {
                    setUp(topics.commands(), () -> topics.ensureCommands(admin));
                    commandsReady = true;
                }
            }
        }
    }

    private interface TopicCreation {
        void run() throws InterruptedException, ExecutionException;
    }

    /** Creates a topic if missing and teaches the non-blocking gateway producer its metadata. */
    private void setUp(String topic, TopicCreation creation) {
        try {
            creation.run();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating " + topic, e);
        }
        awaitMetadata(gatewayProducer(), topic);
    }

    // ---- plumbing ---------------------------------------------------------------------------

    private static CompletableFuture<Void> send(Producer<byte[], byte[]> producer, ProducerRecord<byte[], byte[]> record) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, error) -> {
                if (error == null) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) {
            // With max.block.ms=0 a full buffer or missing metadata fails here instead of blocking.
            done.completeExceptionally(e);
        }
        return done;
    }

    private Producer<byte[], byte[]> gatewayProducer() {
        Producer<byte[], byte[]> p = gatewayProducer;
        if (p == null) {
            synchronized (this) {
                if (gatewayProducer == null) {
                    gatewayProducer = createGatewayProducer();
                }
                p = gatewayProducer;
            }
        }
        return p;
    }

    private Producer<byte[], byte[]> routerProducer() {
        Producer<byte[], byte[]> p = routerProducer;
        if (p == null) {
            synchronized (this) {
                if (routerProducer == null) {
                    Map<String, Object> props = producerProps();
                    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
                    routerProducer = new KafkaProducer<>(props);
                    clients.producerCreated("router-producer", routerProducer);
                }
                p = routerProducer;
            }
        }
        return p;
    }

    /**
     * The gateway producer never blocks its caller. Its metadata is fetched here, once, and kept:
     * metadata.max.idle.ms is raised so that an idle gateway does not forget it.
     */
    private Producer<byte[], byte[]> createGatewayProducer() {
        Map<String, Object> props = producerProps();
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 0);
        props.put(ProducerConfig.METADATA_MAX_IDLE_CONFIG, Integer.MAX_VALUE);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props);
        try {
            for (String topic : List.of(topics.messages(), topics.routes(), topics.gateways())) {
                awaitMetadata(producer, topic);
            }
        } catch (IllegalStateException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        clients.producerCreated("gateway-producer", producer);
        return producer;
    }

    /** Fetches a topic's metadata into the producer, waiting up to 60 s for Kafka to know the topic. */
    private void awaitMetadata(Producer<byte[], byte[]> producer, String topic) {
        Instant deadline = Instant.now().plusSeconds(60);
        while (true) {
            try {
                producer.partitionsFor(topic);
                return;
            } catch (TimeoutException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("no metadata for topic " + topic + " from "
                            + settings.bootstrapServers() + " within 60 s", e);
                }
                sleep(50); // the fetch was requested; give the sender thread time to do it
            }
        }
    }

    private Map<String, Object> producerProps() {
        Map<String, Object> props = common(settings);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // 10 ms, not 2: fewer and larger produce requests. Measured (docs/benchmarks.md, 2026-12-05): 9-13 %
        // less CPU per connection, and a saturated p2p QoS 1 run's PUBACK p99 3.98 -> 3.05 s. It adds up to
        // 10 ms to a PUBACK or CONNACK when traffic is light; bus.kafka.client."linger.ms" sets another value.
        props.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.putAll(settings.clientOverrides());
        return props;
    }

    private Map<String, Object> consumerProps(String groupId) {
        return consumerProps(groupId, FETCH_MAX_WAIT_MS);
    }

    /** The operator's bus.kafka.client properties are applied last, so they win, the fetch wait included. */
    private Map<String, Object> consumerProps(String groupId, int fetchMaxWaitMs) {
        Map<String, Object> props = common(settings);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, fetchMaxWaitMs);
        if (groupId != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        } else {
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        }
        props.putAll(settings.clientOverrides());
        return props;
    }

    /**
     * For the loops that only ever read on (tables, broadcasts, heartbeats; a gateway's delivery
     * loop asks for the same wait). A fetch returns as soon as one record is written (fetch.min.bytes
     * 1), so the wait adds no latency: it only bounds how often an idle consumer asks again. At the
     * 50 ms that the shard loops and the catch-up reader need (they pause, resume, reassign or seek,
     * and their next fetch waits for the one in flight), these consumers alone made each idle
     * gateway send Kafka about 100 fetches a second.
     */
    private Map<String, Object> followerProps() {
        return consumerProps(null, FOLLOWER_FETCH_MAX_WAIT_MS);
    }

    private static Map<String, Object> common(KafkaBusSettings settings) {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        return props;
    }

    private KafkaConsumer<byte[], byte[]> consumer(String role, Map<String, Object> props) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
        clients.consumerCreated(role, consumer);
        return consumer;
    }

    private Registration register(PollLoop loop) {
        registrations.add(loop);
        loop.start();
        return () -> {
            registrations.remove(loop);
            loop.close();
            clients.clientClosed(loop.consumer);
        };
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        registrations.forEach(Registration::close);
        registrations.clear();
        if (gatewayProducer != null) {
            gatewayProducer.close(Duration.ofSeconds(5));
        }
        if (routerProducer != null) {
            routerProducer.close(Duration.ofSeconds(5));
        }
        admin.close(Duration.ofSeconds(5));
        clients.busClosed();
    }
}
