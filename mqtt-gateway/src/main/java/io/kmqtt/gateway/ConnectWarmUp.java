package io.kmqtt.gateway;

import io.kmqtt.core.auth.AuthBackend;
import io.kmqtt.core.auth.AuthDecision;
import io.kmqtt.core.auth.AuthRequest;
import io.kmqtt.gateway.wire.MqttGatewayServer;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.mqtt.MqttServerOptions;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the CONNECT path a few thousand times before the gateway opens its listeners, so that the
 * first real clients meet compiled code and open connections rather than a JVM that interprets and
 * a pool that connects: a freshly started cluster refused 15 % of a 1,000 CONNECT/s ramp while its
 * JVMs compiled (docs/benchmarks.md).
 *
 * <p>A loopback listener with the gateway's own pipeline (packet checker, decoder, Vert.x endpoint)
 * takes MQTT 3.1.1 CONNECTs from a client in this process; each is decided by the configured
 * authenticator (the auth-service over HTTP, or Redis) for a user that does not exist, and answered
 * with a CONNACK. Nothing reaches the bus, the sessions, the metrics or the log of CONNECTs; the
 * auth-service sees lookups of the user {@code $warm-up}, which no client can have (MQTT user names
 * may contain '$', the seed's never do, and a real one would only be refused).
 */
final class ConnectWarmUp {

    private static final Logger LOG = Logger.getLogger(ConnectWarmUp.class);
    private static final String USER = "$warm-up";
    private static final byte[] PASSWORD = "warm-up".getBytes(StandardCharsets.UTF_8);
    private static final int CONCURRENCY = 32;

    private ConnectWarmUp() {
    }

    /** Runs {@code connects} CONNECTs (at most {@code timeout}); logs what it did; never fails the start. */
    static void run(Vertx vertx, MqttServerOptions listener, AuthBackend auth, int connects, Duration timeout) {
        if (connects <= 0) {
            return;
        }
        long started = System.nanoTime();
        MqttServerOptions options = loopback(listener);
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger unavailable = new AtomicInteger();
        MqttGatewayServer server = new MqttGatewayServer(vertx, options, ConnectionLimit.NONE, (endpoint, credentials, keepAlive, channel, acceptedNanos) -> {
            if (!auth.configured()) {
                endpoint.reject(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
                return;
            }
            io.vertx.core.Context context = Vertx.currentContext();
            auth.authenticator().authenticate(new AuthRequest(endpoint.clientIdentifier(), credentials.username(),
                            credentials.password(), String.valueOf(endpoint.remoteAddress())))
                    .whenComplete((decision, error) -> context.runOnContext(v -> {
                        if (error != null || decision.outcome() == AuthDecision.Outcome.UNAVAILABLE) {
                            unavailable.incrementAndGet();
                        }
                        try {
                            endpoint.reject(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
                        } catch (IllegalStateException gone) {
                            // the warm-up client gave up on it
                        }
                    }));
        }, error -> { });
        NetClient client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(5_000));
        try {
            server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            CompletableFuture<Void> done = new CompletableFuture<>();
            AtomicInteger next = new AtomicInteger();
            AtomicInteger finished = new AtomicInteger();
            for (int i = 0; i < Math.min(CONCURRENCY, connects); i++) {
                vertx.runOnContext(v -> connectNext(client, server.actualPort(), connects, next, finished, answered, done));
            }
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.infof("warm-up stopped after %d of %d CONNECTs (%s); opening the listeners anyway", answered.get(), connects,
                    e instanceof java.util.concurrent.TimeoutException ? "mqtt.warm-up.timeout of " + timeout + " reached" : e.toString());
        } finally {
            client.close();
            server.close();
        }
        LOG.infof("warmed up: %d CONNECTs through the listener's pipeline and the authenticator in %d ms (%d answered"
                        + " 'unavailable'; mqtt.warm-up.connects)", answered.get(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), unavailable.get());
    }

    /** The listener's MQTT settings on a free loopback port, as plain TCP: for clients in this process. */
    static MqttServerOptions loopback(MqttServerOptions listener) {
        return new MqttServerOptions(listener).setHost("127.0.0.1").setPort(0)
                .setUseProxyProtocol(false).setUseWebSocket(false).setSsl(false);
    }

    /** One CONNECT, its CONNACK, close; then the next, until {@code total} are done. */
    private static void connectNext(NetClient client, int port, int total, AtomicInteger next, AtomicInteger finished,
                                    AtomicInteger answered, CompletableFuture<Void> done) {
        int n = next.getAndIncrement();
        if (n >= total || done.isDone()) {
            return;
        }
        Promise<Void> one = Promise.promise();
        client.connect(port, "127.0.0.1").onSuccess(socket -> {
            socket.handler(bytes -> {
                if (bytes.length() >= 4 && bytes.getByte(0) == 0x20) {
                    answered.incrementAndGet();
                }
                socket.close();
            });
            socket.closeHandler(v -> one.tryComplete());
            socket.exceptionHandler(e -> one.tryComplete());
            socket.write(connect("warm-up-" + n));
        }).onFailure(e -> one.tryComplete());
        one.future().onComplete(v -> {
            if (finished.incrementAndGet() >= total) {
                done.complete(null);
            } else {
                connectNext(client, port, total, next, finished, answered, done);
            }
        });
    }

    /** An MQTT 3.1.1 CONNECT with user name and password, clean session, keep alive 60 s. */
    private static Buffer connect(String clientId) {
        Buffer variable = Buffer.buffer();
        string(variable, "MQTT");
        variable.appendByte((byte) 4).appendByte((byte) 0b1100_0010).appendShort((short) 60);
        string(variable, clientId);
        string(variable, USER);
        variable.appendShort((short) PASSWORD.length).appendBytes(PASSWORD);
        Buffer packet = Buffer.buffer().appendByte((byte) 0x10);
        int remaining = variable.length();
        do {
            int digit = remaining % 128;
            remaining /= 128;
            packet.appendByte((byte) (remaining > 0 ? digit | 0x80 : digit));
        } while (remaining > 0);
        return packet.appendBuffer(variable);
    }

    private static void string(Buffer out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.appendShort((short) bytes.length).appendBytes(bytes);
    }
}
