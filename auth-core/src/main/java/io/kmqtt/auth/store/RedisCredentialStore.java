package io.kmqtt.auth.store;

import io.kmqtt.auth.core.RepeatedWarning;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

/**
 * Users in Redis with the emq_auth_redis layout, read with the configured commands: by default
 * {@code HMGET mqtt_user:%u password}, {@code HGET mqtt_user:%u is_superuser} and
 * {@code HGETALL mqtt_acl:%u}, sent as one batch on one pooled connection (one round trip and
 * one connection per CONNECT). The commands are split into arguments before %u and %c are
 * substituted, so a username can never add arguments.
 */
public final class RedisCredentialStore implements CredentialStore {

    /** emq_auth_redis's default commands. */
    public static final String DEFAULT_AUTH_CMD = "HMGET mqtt_user:%u password";
    public static final String DEFAULT_SUPER_CMD = "HGET mqtt_user:%u is_superuser";
    public static final String DEFAULT_ACL_CMD = "HGETALL mqtt_acl:%u";

    /**
     * The three lookups of a CONNECT and the bound on their round trip.
     *
     * @param auth      fetches the password (and salt, if salted) of user %u
     * @param superuser fetches the superuser flag ("1" means superuser)
     * @param acl       fetches the ACL hash: field = topic filter, value = 1 subscribe, 2 publish, 3 both
     * @param timeout   beyond it the answer is "server unavailable"
     */
    public record Commands(String auth, String superuser, String acl, Duration timeout) {
    }

    private static final Logger LOG = Logger.getLogger(RedisCredentialStore.class);

    private final Vertx vertx;
    private final Redis redis;
    private final Commands commands;
    private final Template auth;
    private final Template superuser;
    private final Template acl;
    private final String hosts;
    private final RepeatedWarning unanswered = new RepeatedWarning(10_000, System::currentTimeMillis);

    public RedisCredentialStore(Vertx vertx, Redis redis, Commands commands, String hosts) {
        this.vertx = vertx;
        this.redis = redis;
        this.commands = commands;
        this.auth = Template.parse(commands.auth());
        this.superuser = Template.parse(commands.superuser());
        this.acl = Template.parse(commands.acl());
        this.hosts = hosts;
    }

    @Override
    public CompletionStage<StoredUser> find(String username, String clientId) {
        List<Request> batch = List.of(auth.request(username, clientId), superuser.request(username, clientId),
                acl.request(username, clientId));
        CompletableFuture<StoredUser> user = new CompletableFuture<>();
        // A Vert.x timer on the caller's event loop bounds the round trip. CompletableFuture.orTimeout
        // did too, but woke its scheduler thread at every lookup (5.7 % of the auth-service's CPU).
        long timeoutMillis = commands.timeout().toMillis();
        long timer = vertx.setTimer(timeoutMillis, id ->
                unavailable(user, username, new TimeoutException("no answer within " + timeoutMillis + " ms")));
        redis.batch(batch).onComplete(replies -> {
            vertx.cancelTimer(timer);
            if (replies.failed()) {
                unavailable(user, username, replies.cause());
                return;
            }
            try {
                user.complete(RedisUserReplies.toUser(username, replies.result().get(0), replies.result().get(1),
                        replies.result().get(2)));
            } catch (RuntimeException e) {
                user.completeExceptionally(e);
            }
        });
        return user;
    }

    private void unavailable(CompletableFuture<StoredUser> user, String username, Throwable cause) {
        if (user.completeExceptionally(new StoreUnavailableException("Redis at " + hosts + " unavailable: " + cause, cause))) {
            unanswered.warn(LOG, "Redis at " + hosts + " did not answer for user '" + username + "': " + cause);
        }
    }

    /**
     * A configured command, split into its words once: %u and %c are substituted into the argument
     * words of each request, so a username can never add arguments.
     */
    private record Template(Command command, String[] arguments) {

        static Template parse(String template) {
            String[] words = template.trim().split("\\s+");
            return new Template(Command.create(words[0]), java.util.Arrays.copyOfRange(words, 1, words.length));
        }

        Request request(String username, String clientId) {
            Request request = Request.cmd(command);
            for (String word : arguments) {
                request.arg(word.replace("%u", username).replace("%c", clientId == null ? "" : clientId));
            }
            return request;
        }
    }

    @Override
    public String describe() {
        return "Redis at " + hosts;
    }
}
