package io.kmqtt.mqttbench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
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
 * every connection lives on a small Netty event-loop group.
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
    private EventLoopGroup group;
    private Bootstrap bootstrap;
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
            default -> { // fanin
                String filter = scenario.shared() ? "$share/bench/bench/fanin/+" : "bench/fanin/+";
                for (int i = 1; i <= scenario.subscribers(); i++) {
                    first.add(new BenchClient("sub-" + i, "user" + i, settings.password(), List.of(filter), null,
                            null, Sampler.Sub, false));
                }
                for (int i = 1; i <= scenario.pairs(); i++) {
                    second.add(new BenchClient("pub-" + i, "user" + (scenario.subscribers() + i), settings.password(),
                            List.of(), "bench/fanin/" + i, Sampler.Pub, null, random.nextDouble() < scenario.churnShare()));
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

    /** Who should receive a message on this topic, for the expected counts of the receive samplers. */
    private void expectReceivers(String topic) {
        switch (scenario.family()) {
            case "seed", "fanout" -> {
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

    WorkerResult run(Consumer<String> progress) throws InterruptedException {
        group = new NioEventLoopGroup(settings.threads());
        bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new MqttDecoder(1 << 20), MqttEncoder.INSTANCE, new Handler());
                    }
                });
        Thread ticker = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                long elapsed = System.currentTimeMillis() - settings.startMillis();
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
            Thread.sleep(scenario.steady().toMillis());
            publishing = false;
            Thread.sleep(settings.drain().toMillis()); // let in-flight messages and acknowledgements arrive
            stopping = true;
            disconnectAll();
        } finally {
            ticker.interrupt();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            series.tick((int) ((System.currentTimeMillis() - settings.startMillis()) / 1000));
        }
        Map<Sampler, SamplerStats.Snapshot> snapshots = new EnumMap<>(Sampler.class);
        stats.forEach((k, v) -> snapshots.put(k, v.snapshot()));
        Map<String, Long> failureCounts = new java.util.TreeMap<>();
        failures.forEach((k, v) -> failureCounts.put(k, v.get()));
        return new WorkerResult(snapshots, failureCounts, series.maxConnections.get(), publishesWritten.get(),
                churned.get(), series.connectionSeries(), series.connectSeries(), series.publishSeries(),
                series.receiveSeries());
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
        ChannelFuture future = b.connect(settings.host(), settings.port());
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
        if (c.publishTopic == null || !c.connected || c.publishTask != null) {
            return;
        }
        long interval = scenario.publishInterval().toNanos();
        long offset = ThreadLocalRandom.current().nextLong(Math.max(1, interval));
        c.publishTask = c.channel.eventLoop().scheduleAtFixedRate(() -> publish(c), offset, interval, TimeUnit.NANOSECONDS);
    }

    private void publish(BenchClient c) {
        // closingOnPurpose: a churning client has sent DISCONNECT and is closing (same event loop as
        // this task); a publish now would fail on the closed channel and count against the broker
        if (!publishing || !c.connected || c.closingOnPurpose) {
            return;
        }
        boolean qos1 = ThreadLocalRandom.current().nextDouble() < scenario.qos1Share();
        SamplerStats sampler = stats.get(c.publishSampler);
        sampler.attempt();
        ByteBuf payload = c.channel.alloc().buffer(Math.max(Long.BYTES, scenario.payloadBytes()));
        BenchClient.writePayload(payload, scenario.payloadBytes());
        int packetId = qos1 ? c.nextPacketId() : 0;
        // built directly: MqttMessageBuilders.publish() copies or retains the payload, which would leak this buffer
        MqttQoS qos = qos1 ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        MqttPublishMessage message = new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, false, qos, false, 0),
                new io.netty.handler.codec.mqtt.MqttPublishVariableHeader(c.publishTopic, packetId), payload);
        if (qos1) {
            c.unacknowledged.put(packetId, System.nanoTime());
        }
        expectReceivers(c.publishTopic);
        publishesWritten.incrementAndGet();
        series.published.incrementAndGet();
        c.channel.writeAndFlush(message).addListener(f -> {
            if (!f.isSuccess()) {
                sampler.failure();
                fail("publish write: " + rootMessage(f.cause()));
                if (qos1) {
                    c.unacknowledged.remove(packetId);
                }
            } else if (!qos1) {
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
                case PUBACK -> onPubAck(c, (MqttPubAckMessage) msg);
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
            stats.get(Sampler.Connect).success((System.nanoTime() - c.connectStartedNanos) / 1_000);
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
                c.subscriptions.forEach(f -> subscribe.addSubscription(MqttQoS.AT_LEAST_ONCE, f));
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

        private void onPubAck(BenchClient c, MqttPubAckMessage ack) {
            Long sent = c.unacknowledged.remove(ack.variableHeader().messageId());
            if (sent != null) {
                stats.get(c.publishSampler).success((System.nanoTime() - sent) / 1_000);
            }
        }

        private void onPublish(ChannelHandlerContext ctx, BenchClient c, MqttPublishMessage publish) {
            long sentMicros = BenchClient.sentMicros(publish.payload());
            series.received.incrementAndGet();
            if (c.receiveSampler != null) {
                if (sentMicros > 0) {
                    stats.get(c.receiveSampler).success(Clock.epochMicros() - sentMicros);
                } else {
                    stats.get(c.receiveSampler).failure();
                    fail("payload without timestamp");
                }
            }
            if (publish.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                ctx.writeAndFlush(new MqttPubAckMessage(new MqttFixedHeader(MqttMessageType.PUBACK, false,
                        MqttQoS.AT_MOST_ONCE, false, 2), MqttMessageIdVariableHeader.from(publish.variableHeader().packetId())));
            }
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
                fail("connection closed with unacknowledged QoS 1");
                c.unacknowledged.clear();
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
