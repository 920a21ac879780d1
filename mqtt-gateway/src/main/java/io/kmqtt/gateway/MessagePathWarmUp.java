package io.kmqtt.gateway;

import io.kmqtt.core.auth.AclRule;
import io.kmqtt.core.auth.Permissions;
import io.kmqtt.gateway.handler.ConnectHandler;
import io.kmqtt.gateway.session.SessionRegistry;
import io.kmqtt.gateway.wire.MqttGatewayServer;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.MqttServerOptions;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends messages through the whole cluster's message path before the gateway opens its listeners:
 * from in-process MQTT clients through this gateway's PUBLISH handling, the bus (Kafka), the
 * routers that own the topics' shards, the delivery channel and back out to a subscriber here.
 *
 * <p>Why: a freshly started cluster whose connections were already warm still fell 10–30 s behind
 * its first traffic, every process compiling its message path at once on 2 cores, while a warm one
 * kept up with the same load (docs/benchmarks.md, #14). The CONNECT warm-up ({@link ConnectWarmUp})
 * does not touch that path.
 *
 * <p>The clients connect to a loopback listener of their own with the gateway's real pipeline and
 * CONNECT handling, as user {@value #USER} with a secret drawn here, which never leaves the process;
 * they may use only {@code $warm-up/<gateway>/#} (a '$' topic, which no client's '#' or '+' matches:
 * MQTT-4.7.2-1). Half the messages are QoS 1, half QoS 0, over 64 topics so that every router's
 * shards see some. The sessions are ordinary ones while they last, and closed before the listeners
 * open. The warm-up ends once {@code messages} have come back
 * or at {@code timeout}; it publishes at most twice {@code messages} (early ones find no route yet);
 * it never fails the start.
 */
final class MessagePathWarmUp {

    private static final Logger LOG = Logger.getLogger(MessagePathWarmUp.class);
    static final String USER = "$warm-up";
    private static final int PUBLISHERS = 4;
    private static final int TOPICS_PER_PUBLISHER = 16;
    /** QoS 1 PUBLISHes each publisher keeps unacknowledged; the client allows 32. */
    private static final int IN_FLIGHT = 16;
    private static final Buffer PAYLOAD = Buffer.buffer(new byte[100]);

    private MessagePathWarmUp() {
    }

    /** Runs the warm-up ({@code messages} 0: nothing), logs what it did and returns; never throws. */
    static void run(Vertx vertx, MqttServerOptions listener, ConnectHandler connectHandler, SessionRegistry sessions,
                    String gatewayId, int messages, Duration timeout) {
        if (messages <= 0) {
            return;
        }
        long started = System.nanoTime();
        String prefix = "$warm-up/" + gatewayId.replaceAll("[^A-Za-z0-9_.-]", "_") + "/";
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        String secret = HexFormat.of().formatHex(random);
        Permissions permissions = Permissions.resolve(false, List.of(new AclRule(prefix + "#", AclRule.BOTH)), USER, "", false);
        MqttServerOptions options = ConnectWarmUp.loopback(listener);
        MqttGatewayServer server = new MqttGatewayServer(vertx, options, connectHandler.connectionLimit(),
                connectHandler.forWarmUp(USER, secret.getBytes(StandardCharsets.UTF_8), permissions), error -> { });
        Run run = new Run(vertx, prefix, secret, messages, HexFormat.of().formatHex(random, 0, 4));
        String outcome = "";
        try {
            server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            run.context.runOnContext(v -> run.start(server.actualPort()));
            run.done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            outcome = "; stopped at mqtt.warm-up.timeout (" + timeout + ")";
        } catch (Exception e) {
            outcome = "; stopped by " + e;
        } finally {
            run.context.runOnContext(v -> run.stop());
            awaitClosed(sessions, run.clientIds, 5_000);
            server.close().toCompletionStage().toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
        LOG.infof("warmed up the message path: %d of %d messages back through the bus, %d published, %d PUBACKs, in %d ms%s"
                        + " (mqtt.warm-up.messages)", run.delivered.get(), messages, run.published.get(), run.acked.get(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), outcome);
    }

    private static void awaitClosed(SessionRegistry sessions, List<String> clientIds, long millis) {
        long until = System.currentTimeMillis() + millis;
        while (clientIds.stream().anyMatch(id -> sessions.get(id) != null) && System.currentTimeMillis() < until) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One warm-up: its clients and counters; everything but the counters is used on {@link #context} only. */
    private static final class Run {
        final Context context;
        final String prefix;
        final String secret;
        final int target;
        final String tag;
        final List<String> clientIds = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<MqttClient> clients = new ArrayList<>();
        final AtomicInteger published = new AtomicInteger();
        final AtomicInteger acked = new AtomicInteger();
        final AtomicInteger delivered = new AtomicInteger();
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Run(Vertx vertx, String prefix, String secret, int target, String tag) {
            this.context = vertx.getOrCreateContext();
            this.prefix = prefix;
            this.secret = secret;
            this.target = target;
            this.tag = tag;
        }

        void start(int port) {
            MqttClient subscriber = client("sub");
            subscriber.publishHandler(message -> {
                if (delivered.incrementAndGet() >= target) {
                    done.complete(null);
                }
            });
            subscriber.connect(port, "127.0.0.1")
                    .compose(connack -> subscribed(subscriber))
                    .onSuccess(v -> {
                        for (int p = 0; p < PUBLISHERS; p++) {
                            MqttClient publisher = client("pub-" + p);
                            int[] inFlight = {0};
                            int[] next = {0};
                            String topics = prefix + p + "/";
                            publisher.publishCompletionHandler(id -> {
                                acked.incrementAndGet();
                                inFlight[0]--;
                                pump(publisher, topics, inFlight, next);
                            });
                            publisher.connect(port, "127.0.0.1").onSuccess(c -> pump(publisher, topics, inFlight, next))
                                    .onFailure(done::completeExceptionally);
                        }
                    })
                    .onFailure(done::completeExceptionally);
        }

        private Future<Void> subscribed(MqttClient subscriber) {
            io.vertx.core.Promise<Void> suback = io.vertx.core.Promise.promise();
            subscriber.subscribeCompletionHandler(ack -> suback.tryComplete());
            subscriber.subscribe(prefix + "#", MqttQoS.AT_LEAST_ONCE.value());
            return suback.future();
        }

        /** Keeps {@link #IN_FLIGHT} QoS 1 messages unacknowledged, each followed by one at QoS 0. */
        private void pump(MqttClient publisher, String topics, int[] inFlight, int[] next) {
            while (inFlight[0] < IN_FLIGHT && !done.isDone() && published.get() < 2 * target) {
                String topic = topics + (next[0]++ % TOPICS_PER_PUBLISHER);
                inFlight[0]++;
                publisher.publish(topic, PAYLOAD, MqttQoS.AT_LEAST_ONCE, false, false);
                publisher.publish(topic, PAYLOAD, MqttQoS.AT_MOST_ONCE, false, false);
                published.addAndGet(2);
            }
        }

        private MqttClient client(String role) {
            String id = "kmqtt-warm-up-" + tag + "-" + role;
            MqttClientOptions options = new MqttClientOptions().setClientId(id).setUsername(USER).setPassword(secret)
                    .setCleanSession(true).setMaxInflightQueue(2 * IN_FLIGHT).setKeepAliveInterval(60);
            options.setAutoAck(true);
            MqttClient client = MqttClient.create(context.owner(), options);
            clients.add(client);
            clientIds.add(id);
            return client;
        }

        void stop() {
            done.complete(null);
            for (MqttClient client : clients) {
                if (client.isConnected()) {
                    client.disconnect();
                }
            }
        }
    }
}
