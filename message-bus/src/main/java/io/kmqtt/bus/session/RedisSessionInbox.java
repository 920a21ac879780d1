package io.kmqtt.bus.session;

import io.kmqtt.core.session.PendingMessage;
import io.kmqtt.core.session.SessionInbox;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The offline queues of persistent sessions in Redis, shared by every gateway and router of a cluster.
 *
 * <p>Each client's queue is one Redis list, {@code <keyPrefix>inbox:<clientId>}, oldest entry first,
 * each entry the bytes of {@link PendingMessage#encode()}. Appending (push, trim to the bound, reset
 * the expiry) and taking (read, delete) are each one Lua script, so they are atomic on the server.
 *
 * <p>Every call completes within the operation timeout (5 s unless given): when Redis cannot be
 * reached or does not answer, the stage fails with a {@link RedisInboxException} naming the Redis,
 * the operation and the client. A call that timed out may still reach Redis later: an append that
 * failed this way may have been applied.
 */
public final class RedisSessionInbox implements SessionInbox {

    /** A call to Redis failed or went unanswered; the message says which Redis, which call, and why. */
    public static final class RedisInboxException extends RuntimeException {
        RedisInboxException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofSeconds(5);
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    /** Callers waiting for a pooled connection beyond this fail at once (the client's default is 24). */
    private static final int MAX_POOL_WAITING = 1_024;
    /** Longer expiries (e.g. Long.MAX_VALUE for "never") would overflow Redis's clock arithmetic. */
    private static final long MAX_TTL_MILLIS = TimeUnit.DAYS.toMillis(365L * 1_000);

    private static final Logger LOG = Logger.getLogger(RedisSessionInbox.class.getName());

    /** KEYS[1] the queue; ARGV[1] max length, ARGV[2] ttl in ms, ARGV[3..] entries. Returns how many were dropped. */
    private static final Script APPEND = new Script("""
            local n = #ARGV
            for i = 3, n, 1000 do
              redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 999, n)))
            end
            local max = tonumber(ARGV[1])
            local dropped = 0
            local length = redis.call('LLEN', KEYS[1])
            if length > max then
              dropped = length - max
              redis.call('LTRIM', KEYS[1], dropped, -1)
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return dropped
            """);

    /** KEYS[1] the queue. Returns its entries, oldest first, and deletes it. */
    private static final Script TAKE_ALL = new Script("""
            local entries = redis.call('LRANGE', KEYS[1], 0, -1)
            redis.call('DEL', KEYS[1])
            return entries
            """);

    private final Vertx vertx;
    private final boolean ownsVertx;
    private final Redis redis;
    private final String where;
    private final String keyPrefix;
    private final long timeoutMillis;

    private RedisSessionInbox(Vertx vertx, boolean ownsVertx, String connectionString, String keyPrefix,
            Duration operationTimeout) {
        RedisOptions options = new RedisOptions()
                .setConnectionString(connectionString)
                .setMaxPoolWaiting(MAX_POOL_WAITING);
        options.getNetClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.redis = Redis.createClient(vertx, options);
        this.where = withoutCredentials(connectionString);
        this.keyPrefix = keyPrefix;
        this.timeoutMillis = Math.max(1, operationTimeout.toMillis());
    }

    /**
     * An inbox on the application's Vert.x, which it leaves open on {@link #close()}.
     *
     * @param connectionString e.g. {@code redis://host:6379} or {@code redis://:password@host:6379/0}
     * @param keyPrefix        put before every key, e.g. {@code mqtt:}
     */
    public static RedisSessionInbox create(Vertx vertx, String connectionString, String keyPrefix) {
        return create(vertx, connectionString, keyPrefix, DEFAULT_OPERATION_TIMEOUT);
    }

    /** As {@link #create(Vertx, String, String)}, with the time after which a call fails unanswered. */
    public static RedisSessionInbox create(Vertx vertx, String connectionString, String keyPrefix,
            Duration operationTimeout) {
        return new RedisSessionInbox(vertx, false, connectionString, keyPrefix, operationTimeout);
    }

    /** An inbox with a Vert.x of its own, closed with it: for tests and tools. */
    public static RedisSessionInbox create(String connectionString, String keyPrefix, Duration operationTimeout) {
        return new RedisSessionInbox(Vertx.vertx(), true, connectionString, keyPrefix, operationTimeout);
    }

    /** The Redis key of a client's queue. */
    public String key(String clientId) {
        return keyPrefix + "inbox:" + clientId;
    }

    @Override
    public CompletionStage<Integer> append(String clientId, List<PendingMessage> entries, int maxLength, long ttlMillis) {
        if (maxLength < 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("negative max length: " + maxLength));
        }
        return call("append to", clientId, () -> {
            List<byte[]> encoded = entries.stream().map(PendingMessage::encode).toList();
            return runScript(APPEND, key(clientId), request -> {
                request.arg(maxLength).arg(Math.min(ttlMillis, MAX_TTL_MILLIS));
                encoded.forEach(request::arg);
            });
        }, Response::toInteger);
    }

    @Override
    public CompletionStage<List<PendingMessage>> takeAll(String clientId) {
        return call("take all from", clientId, () -> runScript(TAKE_ALL, key(clientId), request -> { }),
                reply -> decodeAll(clientId, reply));
    }

    @Override
    public CompletionStage<Void> delete(String clientId) {
        return call("delete", clientId, () -> redis.send(Request.cmd(Command.DEL).arg(key(clientId))), reply -> null);
    }

    @Override
    public CompletionStage<Integer> length(String clientId) {
        return call("length of", clientId, () -> redis.send(Request.cmd(Command.LLEN).arg(key(clientId))),
                Response::toInteger);
    }

    @Override
    public void close() {
        redis.close();
        if (ownsVertx) {
            Future<Void> closing = vertx.close();
            if (!Context.isOnVertxThread()) { // waiting on its own thread would never end
                try {
                    closing.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    LOG.log(Level.FINE, "Vert.x of the session inbox did not close in 5 s", e);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "RedisSessionInbox[" + where + ", " + keyPrefix + "inbox:*]";
    }

    private List<PendingMessage> decodeAll(String clientId, Response reply) {
        if (reply == null) {
            return List.of();
        }
        List<PendingMessage> messages = new ArrayList<>(reply.size());
        int index = 0;
        for (Response entry : reply) {
            try {
                messages.add(PendingMessage.decode(entry.toBytes()));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Skipping entry " + index + " of the offline queue of client '" + clientId
                        + "' (" + key(clientId) + " on Redis " + where + "): it cannot be decoded: " + e.getMessage());
            }
            index++;
        }
        return messages;
    }

    /** EVALSHA, and EVAL when this Redis has not seen the script yet (or has restarted since). */
    private Future<Response> runScript(Script script, String key, Consumer<Request> args) {
        Request bySha = Request.cmd(Command.EVALSHA).arg(script.sha1()).arg(1).arg(key);
        args.accept(bySha);
        return redis.send(bySha).recover(failure -> {
            if (failure.getMessage() == null || !failure.getMessage().startsWith("NOSCRIPT")) {
                return Future.failedFuture(failure);
            }
            Request bySource = Request.cmd(Command.EVAL).arg(script.source()).arg(1).arg(key);
            args.accept(bySource);
            return redis.send(bySource);
        });
    }

    /** Sends, and completes with the reply mapped, or fails with the Redis, operation and client named. */
    private <T> CompletionStage<T> call(String operation, String clientId, Supplier<Future<Response>> send,
            Function<Response, T> reply) {
        CompletableFuture<T> result = new CompletableFuture<>();
        long timer = vertx.setTimer(timeoutMillis, id -> result.completeExceptionally(
                failure(operation, clientId, "no reply within " + timeoutMillis + " ms", null)));
        Future<Response> sent;
        try {
            sent = send.get();
        } catch (RuntimeException e) {
            sent = Future.failedFuture(e);
        }
        sent.onComplete(done -> {
            vertx.cancelTimer(timer);
            if (done.failed()) {
                result.completeExceptionally(failure(operation, clientId, reason(done.cause()), done.cause()));
                return;
            }
            try {
                result.complete(reply.apply(done.result()));
            } catch (RuntimeException e) {
                result.completeExceptionally(failure(operation, clientId, "unexpected reply: " + reason(e), e));
            }
        });
        return result;
    }

    private RedisInboxException failure(String operation, String clientId, String reason, Throwable cause) {
        return new RedisInboxException("Session inbox on Redis " + where + ": " + operation + " the queue of client '"
                + clientId + "' (" + key(clientId) + ") failed: " + reason, cause);
    }

    private static String reason(Throwable e) {
        if (e instanceof ClosedChannelException) { // Netty's has no message
            return "the connection was closed";
        }
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getName() : e.getMessage();
    }

    /** The connection string for messages: a password in it is left out. */
    static String withoutCredentials(String connectionString) {
        return connectionString.replaceFirst("//[^/@]*@", "//");
    }

    private record Script(String source, String sha1) {
        Script(String source) {
            this(source, sha1(source));
        }

        private static String sha1(String source) {
            try {
                return HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
