package io.kmqtt.mqttbench;

import io.kmqtt.mqttbench.loss.LossChecker;
import io.kmqtt.mqttbench.loss.LossReport;
import io.kmqtt.mqttbench.loss.SequencedPayload;
import io.kmqtt.mqttbench.loss.StreamLoss;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Plays one slice of a scenario in this process: ramps connections up in the seed's stages
 * (backend, then mobiles subscribing, then devices), publishes during the steady phase, churns
 * the share of connections the scenario says, then disconnects everyone. No thread per client:
 * every connection lives on a small Netty event-loop group. In the sequenced scenarios (stream,
 * fanin) every message carries its publisher and sequence number, and a {@link LossChecker}
 * counts what was lost, duplicated or reordered on the way.
 */
final class LoadRun {

    private static final int KEEP_ALIVE_SECONDS = 60;
    private static final int MAX_CONNECTS_IN_FLIGHT = 2_000;
    /**
     * Source ports when a worker binds its own loopback address (--workers): below Linux's ephemeral
     * range (32768-60999). Binding with port 0 would take ephemeral ports for every address at once
     * (the kernel's bind table is per port), so 100k bound client sockets would leave HAProxy and the
     * brokers no ports for their own outgoing connections ("Out of local source ports").
     */
    private static final int FIRST_SOURCE_PORT = 1025;
    private static final int LAST_SOURCE_PORT = 32767;
    /** Every port of the range once: after a run, thousands of them can still be in TIME_WAIT. */
    private static final int BIND_ATTEMPTS = LAST_SOURCE_PORT - FIRST_SOURCE_PORT + 1;

    private final Scenario scenario;
    private final RunSettings settings;
    private final Map<Sampler, SamplerStats> stats = new EnumMap<>(Sampler.class);
    private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
    private final Series series = new Series();
    private final AtomicLong publishesWritten = new AtomicLong();
    private final AtomicLong churned = new AtomicLong();
    private final Semaphore connectsInFlight = new Semaphore(MAX_CONNECTS_IN_FLIGHT);
    private final AtomicInteger nextSourcePort = new AtomicInteger();
    private final Map<String, BenchClient> byClientId = new ConcurrentHashMap<>();
    private final List<List<BenchClient>> stages = new ArrayList<>();
    private final Map<String, List<BenchClient>> receiversByTopic = new ConcurrentHashMap<>();
    private final LossChecker loss = new LossChecker();
    private final List<StreamSlot> slots = new ArrayList<>();
    private final List<BenchClient> publishers = new ArrayList<>();
    private EventLoopGroup group;
    private Bootstrap bootstrap;
    /** Connection attempts so far: the n-th goes to the n-th of the broker's ports, in turn. */
    private final AtomicLong connectAttempts = new AtomicLong();
    private volatile boolean publishing;
    private volatile boolean stopping;

    LoadRun(Scenario scenario, RunSettings settings) {
        this.scenario = scenario;
        this.settings = settings;
        for (Sampler s : Sampler.values()) {
            stats.put(s, new SamplerStats());
        }
        buildClients();
    }

    // ---------------------------------------------------------------- who plays what

    private void buildClients() {
        List<BenchClient> first = new ArrayList<>();
        List<BenchClient> second = new ArrayList<>();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        switch (scenario.family()) {
            case "seed" -> {
                if (scenario.backend() && settings.slice() == 0) {
                    first.add(new BenchClient("ListenToAllTopics", settings.backendUser(), settings.backendPassword(),
                            List.of("topic/#"), null, null, Sampler.ListenToAllTopics, false));
                }
                List<BenchClient> mobiles = new ArrayList<>();
                for (int i = settings.slice() + 1; i <= scenario.pairs(); i += settings.workers()) {
                    String user = "user" + i;
                    String up = "topic/device_" + user + "/t_1";
                    String down = "topic/device_" + user + "/t_2";
                    mobiles.add(new BenchClient("mob-" + i, user, settings.password(), List.of(up), down,
                            Sampler.Mobilepub, Sampler.Mobilesub, random.nextDouble() < scenario.churnShare()));
                    second.add(new BenchClient("dev-" + i, user, settings.password(), List.of(down), up,
                            Sampler.Devicepub, Sampler.Devicesub, random.nextDouble() < scenario.churnShare()));
                }
                first.addAll(mobiles);
            }
            case "fanout" -> {
                for (int i = 1; i <= scenario.pairs(); i++) {
                    first.add(new BenchClient("sub-" + i, "user" + i, settings.password(), List.of("bench/fanout"), null,
                            null, Sampler.Sub, random.nextDouble() < scenario.churnShare()));
                }
                second.add(new BenchClient("pub-1", "user" + (scenario.pairs() + 1), settings.password(), List.of(),
                        "bench/fanout", Sampler.Pub, null, false));
            }
            case "stream" -> {
                String[] topics = new String[scenario.pairs() + 1];
                for (int i = 1; i <= scenario.pairs(); i++) {
                    topics[i] = "topic/device_user" + i + "/t_3";
                    first.add(new BenchClient("ssub-" + i, "user" + i, settings.password(), List.of(topics[i]), null,
                            null, Sampler.Sub, false));
                }
                for (int i = 1; i <= scenario.pairs(); i++) {
                    BenchClient pub = new BenchClient("spub-" + i, "user" + i, settings.password(), List.of(), topics[i],
                            Sampler.Pub, null, false);
                    second.add(pub);
                    sequence(pub, i, List.of(first.get(i - 1)), topics[i]);
                }
            }
            default -> { // fanin: publishers on their own topics, a few wildcard subscribers (or one shared group)
                String filter = scenario.shared() ? "$share/bench/topic/+/t_4" : "topic/+/t_4";
                for (int i = 1; i <= scenario.subscribers(); i++) {
                    first.add(new BenchClient("sub-" + i, settings.backendUser(), settings.backendPassword(), List.of(filter),
                            null, null, Sampler.Sub, false));
                }
                for (int i = 1; i <= scenario.pairs(); i++) {
                    String topic = "topic/device_user" + i + "/t_4";
                    BenchClient pub = new BenchClient("pub-" + i, "user" + i, settings.password(), List.of(), topic,
                            Sampler.Pub, null, random.nextDouble() < scenario.churnShare());
                    second.add(pub);
                    sequence(pub, i, first, topic);
                }
            }
        }
        stages.add(first);
        stages.add(second);
        for (List<BenchClient> stage : stages) {
            for (BenchClient c : stage) {
                byClientId.put(c.clientId, c);
                for (String filter : c.subscriptions) {
                    if (!filter.endsWith("#") && !filter.endsWith("+")) {
                        receiversByTopic.computeIfAbsent(filter, k -> new ArrayList<>()).add(c);
                    }
                }
            }
        }
    }

    /**
     * Sequenced scenarios: the publisher numbers its messages, and each of its receivers gets a
     * stream in the loss checker (a shared group is one receiver: one stream per publisher).
     */
    private void sequence(BenchClient pub, int id, List<BenchClient> receivers, String topic) {
        pub.publisherId = id;
        pub.acks = new SamplerStats();
        pub.publishesTo = new ArrayList<>();
        publishers.add(pub);
        if (scenario.shared() || receivers.size() == 1) {
            StreamSlot slot = new StreamSlot(topic, loss.stream(topic), pub);
            pub.publishesTo.add(slot);
            slots.add(slot);
            for (BenchClient r : receivers) {
                receiverMap(r).put(id, slot);
            }
        } else {
            for (BenchClient r : receivers) {
                String name = topic + " -> " + r.clientId;
                StreamSlot slot = new StreamSlot(name, loss.stream(name), pub);
                pub.publishesTo.add(slot);
                slots.add(slot);
                receiverMap(r).put(id, slot);
            }
        }
    }

    private static Map<Integer, StreamSlot> receiverMap(BenchClient r) {
        if (r.receivesFrom == null) {
            r.receivesFrom = new ConcurrentHashMap<>();
        }
        return r.receivesFrom;
    }

    /** Who should receive a message on this topic, for the expected counts of the receive samplers. */
    private void expectReceivers(String topic) {
        switch (scenario.family()) {
            case "seed", "fanout", "stream" -> {
                List<BenchClient> receivers = receiversByTopic.get(topic);
                if (receivers != null) {
                    for (BenchClient r : receivers) {
                        if (r.subscribed) {
                            stats.get(r.receiveSampler).expect(1);
                        }
                    }
                }
                // ListenToAllTopics: counted from publishesWritten when the results are merged
            }
            default -> {
                long subscribed = stages.get(0).stream().filter(c -> c.subscribed).count();
                stats.get(Sampler.Sub).expect(scenario.shared() ? Math.min(1, subscribed) : subscribed);
            }
        }
    }

    // ---------------------------------------------------------------- the run

    /** Starts the event loops: before the run's start, so that the JVM loads Netty while nobody connects. */
    void prepare() {
        if (group != null) {
            return;
        }
        group = new NioEventLoopGroup(settings.threads());
        bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                // a full-speed QoS 0 stream writes while the channel is writable: at most 64 KB queued per client
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new MqttDecoder(1 << 20), MqttEncoder.INSTANCE, new Handler());
                    }
                });
    }

    /** @param startMillis the run's common start (epoch ms), so that the per-second series of processes line up */
    WorkerResult run(long startMillis, Consumer<String> progress) throws InterruptedException {
        prepare();
        Thread ticker = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                long elapsed = System.currentTimeMillis() - startMillis;
                series.tick((int) Math.max(0, elapsed / 1000));
                if (elapsed / 1000 % 2 == 0) {
                    progress.accept(progressLine());
                }
                try {
                    Thread.sleep(1000 - elapsed % 1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "series");
        ticker.setDaemon(true);
        ticker.start();
        try {
            double ratePerProcess = Math.max(1.0, (double) scenario.rampRate() / settings.workers());
            for (List<BenchClient> stage : stages) {
                rampUp(stage, ratePerProcess);
                awaitSettled(stage);
            }
            publishing = true;
            for (List<BenchClient> stage : stages) {
                for (BenchClient c : stage) {
                    startPublishing(c);
                }
            }
            awaitSteadyEnd();
            publishing = false;
            for (BenchClient p : publishers) {
                stopStream(p);
            }
            awaitDrained(); // let in-flight messages and acknowledgements arrive
            stopping = true;
            disconnectAll();
        } finally {
            ticker.interrupt();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            // one more second: what arrived after the last whole second would otherwise be left out of
            // the series (a short run can receive most of its messages there)
            series.tick((int) ((System.currentTimeMillis() - startMillis) / 1000) + 1);
        }
        Map<Sampler, SamplerStats.Snapshot> snapshots = new EnumMap<>(Sampler.class);
        stats.forEach((k, v) -> snapshots.put(k, v.snapshot()));
        Map<String, Long> failureCounts = new java.util.TreeMap<>();
        failures.forEach((k, v) -> failureCounts.put(k, v.get()));
        WorkerResult.LatencySeries latency = new WorkerResult.LatencySeries(series.deliveryP50Series(),
                series.deliveryP99Series(), series.deliveryMaxSeries(), series.ackP99Series(), series.connectP99Series());
        List<Report.StreamRow> rows = new ArrayList<>();
        Report.StreamRow total = null;
        if (!slots.isEmpty()) {
            LossReport counts = loss.report();
            Map<String, StreamLoss> byName = new java.util.HashMap<>();
            counts.streams().forEach(r -> byName.put(r.stream(), r));
            for (StreamSlot slot : slots) {
                rows.add(Report.StreamRow.of(byName.get(slot.name), slot.publisher.acks.snapshot(), slot.delivery.snapshot()));
            }
            total = Report.StreamRow.of(counts.total(), snapshots.get(Sampler.Pub), snapshots.get(Sampler.Sub));
        }
        return new WorkerResult(snapshots, failureCounts, series.maxConnections.get(), publishesWritten.get(),
                churned.get(), series.connectionSeries(), series.connectSeries(), series.publishSeries(),
                series.receiveSeries(), latency, rows, total);
    }

    /** The steady phase; a stream with --count ends earlier, once every publisher's messages are acknowledged. */
    private void awaitSteadyEnd() throws InterruptedException {
        long end = System.nanoTime() + scenario.steady().toNanos();
        boolean counted = scenario.family().equals("stream") && scenario.count() > 0;
        while (System.nanoTime() < end) {
            if (counted && publishers.stream().allMatch(this::streamFinished)) {
                return;
            }
            Thread.sleep(counted ? 20 : Math.min(200, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
        }
    }

    private boolean streamFinished(BenchClient p) {
        return !p.connected || (p.lastSeq >= scenario.count() && p.unacknowledgedCount == 0);
    }

    /** The drain: a stream ends it as soon as every message sent has arrived. */
    private void awaitDrained() throws InterruptedException {
        long end = System.nanoTime() + settings.drain().toNanos();
        boolean early = scenario.family().equals("stream");
        while (System.nanoTime() < end) {
            if (early && slots.stream().allMatch(s -> s.loss.complete())) {
                return;
            }
            Thread.sleep(20);
        }
    }

    String progressLine() {
        return "connections " + series.connections.get() + " published " + series.published.get() + " received "
                + series.received.get() + " failed " + failures.values().stream().mapToLong(AtomicLong::get).sum();
    }

    private void rampUp(List<BenchClient> stage, double perSecond) throws InterruptedException {
        long started = System.nanoTime();
        for (int i = 0; i < stage.size(); i++) {
            long due = started + (long) (i * 1e9 / perSecond);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            connectsInFlight.acquire();
            connect(stage.get(i));
        }
    }

    /** Waits until every client of the stage has connected (and subscribed) or failed, bounded. */
    private void awaitSettled(List<BenchClient> stage) throws InterruptedException {
        connectsInFlight.acquire(MAX_CONNECTS_IN_FLIGHT);
        connectsInFlight.release(MAX_CONNECTS_IN_FLIGHT);
        long deadline = System.nanoTime() + settings.connectTimeout().toNanos();
        while (System.nanoTime() < deadline
                && stage.stream().anyMatch(c -> c.connected && !c.subscriptions.isEmpty() && !c.subscribed)) {
            Thread.sleep(20);
        }
    }

    private void connect(BenchClient client) {
        stats.get(Sampler.Connect).attempt();
        client.connectStartedNanos = System.nanoTime();
        client.closingOnPurpose = false;
        connect(client, 1);
    }

    private void connect(BenchClient client, int attempt) {
        // the attribute is set before the channel registers, so every handler callback sees it
        Bootstrap b = bootstrap.clone().attr(CLIENT, client);
        if (settings.bindAddress() != null) {
            b.localAddress(new InetSocketAddress(settings.bindAddress(), sourcePort()));
        }
        ChannelFuture future = b.connect(settings.host(), settings.port(connectAttempts.getAndIncrement()));
        client.channel = future.channel();
        future.addListener(f -> {
            if (!f.isSuccess()) {
                if (settings.bindAddress() != null && isBindFailure(f.cause()) && attempt < BIND_ATTEMPTS) {
                    connect(client, attempt + 1); // that source port is taken (or in TIME_WAIT): the next one
                } else {
                    connectFailed(client, "tcp connect: " + rootMessage(f.cause()));
                }
            }
        });
    }

    private int sourcePort() {
        return FIRST_SOURCE_PORT + Math.floorMod(nextSourcePort.getAndIncrement(), LAST_SOURCE_PORT - FIRST_SOURCE_PORT + 1);
    }

    private static boolean isBindFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    private void connectFailed(BenchClient client, String kind) {
        fail(kind);
        stats.get(Sampler.Connect).failure();
        connectsInFlight.release();
    }

    private void fail(String kind) {
        failures.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }

    private void startPublishing(BenchClient c) {
        if (c.publishTopic == null || !c.connected || c.publishTask != null || c.streamStopped) {
            return;
        }
        if (scenario.family().equals("stream")) {
            c.channel.eventLoop().execute(() -> pump(c));
            return;
        }
        long interval = scenario.publishInterval().toNanos();
        long offset = ThreadLocalRandom.current().nextLong(Math.max(1, interval));
        c.publishTask = c.channel.eventLoop().scheduleAtFixedRate(() -> publish(c), offset, interval, TimeUnit.NANOSECONDS);
    }

    /** The scheduled families: one publish per interval. */
    private void publish(BenchClient c) {
        if (canPublish(c)) {
            writePublish(c, scenario.publishQos(ThreadLocalRandom.current().nextDouble()));
            c.channel.flush();
        }
    }

    private boolean canPublish(BenchClient c) {
        // closingOnPurpose: a churning client has sent DISCONNECT and is closing (same event loop as
        // this task); a publish now would fail on the closed channel and count against the broker
        return publishing && c.connected && !c.closingOnPurpose;
    }

    /**
     * The stream family, on the publisher's event loop: write while the in-flight window (QoS 1/2) or
     * the socket's write buffer (QoS 0) has room. Acknowledgements and writability call it again.
     */
    private void pump(BenchClient c) {
        if (!canPublish(c) || c.streamStopped) {
            return;
        }
        int qos = scenario.subscribeQos();
        int written = 0;
        while (written < 64 && moreToSend(c)) {
            if (qos > 0 ? c.unacknowledged.size() >= scenario.maxInflight() : !c.channel.isWritable()) {
                break;
            }
            writePublish(c, qos);
            written++;
        }
        if (written > 0) {
            c.channel.flush();
        }
        if (!moreToSend(c)) {
            stopStream(c);
        } else if (qos == 0 && written == 64) {
            c.channel.eventLoop().execute(() -> pump(c)); // let the loop's other channels run
        }
    }

    private boolean moreToSend(BenchClient c) {
        return scenario.count() == 0 || c.lastSeq < scenario.count();
    }

    /** The publisher sends no more: silence on its streams from now on is not the broker's. */
    private void stopStream(BenchClient c) {
        if (!c.streamStopped) {
            c.streamStopped = true;
            c.publishesTo.forEach(slot -> slot.loss.stopped());
        }
    }

    /** Writes (without flushing) one PUBLISH of this client, sequenced in the sequenced scenarios. */
    private void writePublish(BenchClient c, int qos) {
        SamplerStats sampler = stats.get(c.publishSampler);
        sampler.attempt();
        int size = scenario.payloadBytes();
        ByteBuf payload = c.channel.alloc().buffer(Math.max(SequencedPayload.MIN_SIZE, size));
        long seq = 0;
        if (c.publishesTo != null) {
            seq = ++c.lastSeq;
            BenchClient.writeSequenced(payload, c.publisherId, seq, size);
            for (StreamSlot slot : c.publishesTo) {
                slot.loss.sent(seq);
            }
        } else {
            BenchClient.writePayload(payload, size);
        }
        int packetId = qos > 0 ? c.nextPacketId() : 0;
        // built directly: MqttMessageBuilders.publish() copies or retains the payload, which would leak this buffer
        MqttPublishMessage message = new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false,
                MqttQoS.valueOf(qos), false, 0), new MqttPublishVariableHeader(c.publishTopic, packetId), payload);
        if (qos > 0) {
            c.unacknowledged.put(packetId, System.nanoTime());
            c.unacknowledgedCount = c.unacknowledged.size();
            if (seq > 0) {
                c.inflightSeq.put(packetId, seq);
            }
        }
        expectReceivers(c.publishTopic);
        publishesWritten.incrementAndGet();
        series.published.incrementAndGet();
        c.channel.write(message).addListener(f -> {
            if (!f.isSuccess()) {
                sampler.failure();
                fail("publish write: " + rootMessage(f.cause()));
                if (qos > 0) {
                    c.unacknowledged.remove(packetId);
                    c.inflightSeq.remove(packetId);
                    c.unacknowledgedCount = c.unacknowledged.size();
                }
            } else if (qos == 0) {
                sampler.success(0);
            }
        });
    }

    private void disconnectAll() throws InterruptedException {
        List<ChannelFuture> closes = new ArrayList<>();
        for (BenchClient c : byClientId.values()) {
            Channel ch = c.channel;
            if (ch != null && ch.isActive()) {
                ch.eventLoop().execute(() -> {
                    c.closingOnPurpose = true;
                    c.cancelTasks();
                    for (int i = 0; i < c.unacknowledged.size(); i++) {
                        stats.get(c.publishSampler).failure();
                        fail("no PUBACK by the end");
                    }
                    c.unacknowledged.clear();
                    c.inflightSeq.clear();
                    c.unacknowledgedCount = 0;
                });
                closes.add(ch.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false,
                        MqttQoS.AT_MOST_ONCE, false, 0))).addListener(f -> ch.close()));
            }
        }
        for (ChannelFuture f : closes) {
            f.channel().closeFuture().await(5, TimeUnit.SECONDS);
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName();
    }

    // ---------------------------------------------------------------- the protocol

    private static final io.netty.util.AttributeKey<BenchClient> CLIENT = io.netty.util.AttributeKey.valueOf("client");

    private final class Handler extends SimpleChannelInboundHandler<MqttMessage> {

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            BenchClient c = ctx.channel().attr(CLIENT).get();
            var connect = MqttMessageBuilders.connect().clientId(c.clientId).protocolVersion(MqttVersion.MQTT_3_1_1)
                    .cleanSession(true).keepAlive(KEEP_ALIVE_SECONDS);
            if (c.username != null) {
                connect.hasUser(true).username(c.username);
            }
            if (c.password != null) {
                connect.hasPassword(true).password(c.password);
            }
            ctx.writeAndFlush(connect.build());
            ctx.executor().schedule(() -> {
                if (!c.connected && ctx.channel().isActive()) {
                    c.closingOnPurpose = true;
                    connectFailed(c, "no CONNACK within " + settings.connectTimeout().toSeconds() + " s");
                    ctx.close();
                }
            }, settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
            BenchClient c = ctx.channel().attr(CLIENT).get();
            if (msg.decoderResult().isFailure()) {
                fail("malformed packet from broker");
                ctx.close();
                return;
            }
            switch (msg.fixedHeader().messageType()) {
                case CONNACK -> onConnAck(ctx, c, (MqttConnAckMessage) msg);
                case SUBACK -> onSubAck(c, (MqttSubAckMessage) msg);
                case PUBACK, PUBCOMP -> onAcknowledged(c, packetId(msg));
                case PUBREC -> ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREL, false,
                        MqttQoS.AT_LEAST_ONCE, false, 2), MqttMessageIdVariableHeader.from(packetId(msg))));
                case PUBREL -> {
                    c.inboundQos2.remove(packetId(msg));
                    ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBCOMP, false,
                            MqttQoS.AT_MOST_ONCE, false, 2), MqttMessageIdVariableHeader.from(packetId(msg))));
                }
                case PUBLISH -> onPublish(ctx, c, (MqttPublishMessage) msg);
                default -> { } // PINGRESP
            }
        }

        private void onConnAck(ChannelHandlerContext ctx, BenchClient c, MqttConnAckMessage ack) {
            MqttConnectReturnCode code = ack.variableHeader().connectReturnCode();
            if (code != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                c.closingOnPurpose = true;
                connectFailed(c, "CONNACK " + code);
                ctx.close();
                return;
            }
            long connectMicros = (System.nanoTime() - c.connectStartedNanos) / 1_000;
            stats.get(Sampler.Connect).success(connectMicros);
            series.connected(connectMicros);
            connectsInFlight.release();
            c.connected = true;
            series.opened();
            c.pingTask = ctx.executor().scheduleAtFixedRate(() -> ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(
                    MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE, false, 0))),
                    KEEP_ALIVE_SECONDS / 2, KEEP_ALIVE_SECONDS / 2, TimeUnit.SECONDS);
            if (c.churns) {
                long min = scenario.ttlMin().toMillis();
                long ttl = min + ThreadLocalRandom.current().nextLong(Math.max(1, scenario.ttlMax().toMillis() - min + 1));
                c.ttlTask = ctx.executor().schedule(() -> churn(ctx, c), ttl, TimeUnit.MILLISECONDS);
            }
            if (!c.subscriptions.isEmpty()) {
                c.subscribePacketId = c.nextPacketId();
                var subscribe = MqttMessageBuilders.subscribe().messageId(c.subscribePacketId);
                MqttQoS qos = MqttQoS.valueOf(scenario.subscribeQos());
                c.subscriptions.forEach(f -> subscribe.addSubscription(qos, f));
                ctx.writeAndFlush(subscribe.build());
            }
            if (publishing) {
                startPublishing(c);
            }
        }

        private void churn(ChannelHandlerContext ctx, BenchClient c) {
            if (stopping) {
                return;
            }
            churned.incrementAndGet();
            c.closingOnPurpose = true;
            ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE,
                    false, 0))).addListener(f -> ctx.close());
        }

        private void onSubAck(BenchClient c, MqttSubAckMessage ack) {
            boolean refused = ack.payload().reasonCodes().stream().anyMatch(code -> code >= 0x80);
            if (refused) {
                fail("SUBACK refused");
            } else {
                c.subscribed = true;
            }
        }

        private static int packetId(MqttMessage msg) {
            return ((MqttMessageIdVariableHeader) msg.variableHeader()).messageId();
        }

        /** PUBACK (QoS 1) or PUBCOMP (QoS 2): the publish is done. */
        private void onAcknowledged(BenchClient c, int packetId) {
            Long sent = c.unacknowledged.remove(packetId);
            c.unacknowledgedCount = c.unacknowledged.size();
            if (sent == null) {
                return;
            }
            long micros = (System.nanoTime() - sent) / 1_000;
            stats.get(c.publishSampler).success(micros);
            series.acknowledged(micros);
            Long seq = c.inflightSeq.remove(packetId);
            if (seq != null) {
                c.acks.success(micros);
                for (StreamSlot slot : c.publishesTo) {
                    slot.loss.acknowledged(seq);
                }
            }
            if (scenario.family().equals("stream")) {
                pump(c);
            }
        }

        private void onPublish(ChannelHandlerContext ctx, BenchClient c, MqttPublishMessage publish) {
            MqttQoS qos = publish.fixedHeader().qosLevel();
            int packetId = publish.variableHeader().packetId();
            if (qos == MqttQoS.EXACTLY_ONCE) {
                ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREC, false, MqttQoS.AT_MOST_ONCE,
                        false, 2), MqttMessageIdVariableHeader.from(packetId)));
                if (!c.inboundQos2.add(packetId)) {
                    return; // resent before our PUBREC arrived: already delivered (MQTT-4.3.3-2, method A)
                }
            }
            ByteBuf payload = publish.payload();
            long sentMicros = BenchClient.sentMicros(payload);
            long latency = sentMicros > 0 ? Clock.epochMicros() - sentMicros : -1;
            series.received.incrementAndGet();
            if (c.receiveSampler != null) {
                if (latency >= 0) {
                    stats.get(c.receiveSampler).success(latency);
                    series.delivered(latency);
                } else {
                    stats.get(c.receiveSampler).failure();
                    fail("payload without timestamp");
                }
            }
            if (c.receivesFrom != null && payload.readableBytes() >= SequencedPayload.MIN_SIZE) {
                int from = payload.getInt(payload.readerIndex() + SequencedPayload.PUBLISHER_OFFSET);
                long seq = payload.getLong(payload.readerIndex() + SequencedPayload.SEQUENCE_OFFSET);
                StreamSlot slot = c.receivesFrom.get(from);
                if (slot != null && seq >= 1 && seq < Integer.MAX_VALUE) {
                    slot.loss.received(seq);
                    if (latency >= 0) {
                        slot.delivery.success(latency);
                    }
                } else {
                    fail("sequenced message from an unknown stream");
                }
            }
            if (qos == MqttQoS.AT_LEAST_ONCE) {
                ctx.writeAndFlush(new MqttPubAckMessage(new MqttFixedHeader(MqttMessageType.PUBACK, false,
                        MqttQoS.AT_MOST_ONCE, false, 2), MqttMessageIdVariableHeader.from(packetId)));
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            BenchClient c = ctx.channel().attr(CLIENT).get();
            if (ctx.channel().isWritable() && c.publishesTo != null && scenario.family().equals("stream")) {
                pump(c);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            BenchClient c = ctx.channel().attr(CLIENT).get();
            boolean wasConnected = c.connected;
            c.connected = false;
            c.subscribed = false;
            c.cancelTasks();
            if (wasConnected) {
                series.closed();
            } else if (!c.closingOnPurpose) {
                connectFailed(c, "closed before CONNACK");
            }
            if (!c.unacknowledged.isEmpty()) {
                for (int i = 0; i < c.unacknowledged.size(); i++) {
                    stats.get(c.publishSampler).failure();
                }
                fail("connection closed with unacknowledged QoS 1/2");
                c.unacknowledged.clear();
                c.inflightSeq.clear();
                c.unacknowledgedCount = 0;
            }
            if (stopping) {
                return;
            }
            if (wasConnected && !c.closingOnPurpose) {
                fail("connection lost");
            }
            if (c.churns && c.closingOnPurpose && wasConnected) {
                // the replacement: the same device or phone coming back
                if (connectsInFlight.tryAcquire()) {
                    connect(c);
                } else {
                    fail("replacement not started: too many connects in flight");
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail("connection error: " + rootMessage(cause));
            ctx.close();
        }
    }
}
