package io.kmqtt.auth.store;

import io.kmqtt.auth.core.RepeatedWarning;
import io.kmqtt.core.auth.AclRule;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

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

    private final Redis redis;
    private final Commands commands;
    private final String hosts;
    private final RepeatedWarning unanswered = new RepeatedWarning(10_000, System::currentTimeMillis);

    public RedisCredentialStore(Redis redis, Commands commands, String hosts) {
        this.redis = redis;
        this.commands = commands;
        this.hosts = hosts;
    }

    @Override
    public CompletionStage<StoredUser> find(String username, String clientId) {
        List<Request> batch = List.of(request(commands.auth(), username, clientId),
                request(commands.superuser(), username, clientId), request(commands.acl(), username, clientId));
        return redis.batch(batch).toCompletionStage().toCompletableFuture()
                .orTimeout(commands.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((replies, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                        unanswered.warn(LOG, "Redis at " + hosts + " did not answer for user '" + username + "': " + cause);
                        throw new StoreUnavailableException("Redis at " + hosts + " unavailable: " + cause, cause);
                    }
                    return toUser(username, replies.get(0), replies.get(1), replies.get(2));
                });
    }

    private static Request request(String template, String username, String clientId) {
        String[] words = template.trim().split("\\s+");
        Request request = Request.cmd(Command.create(words[0]));
        for (int i = 1; i < words.length; i++) {
            request.arg(words[i].replace("%u", username).replace("%c", clientId == null ? "" : clientId));
        }
        return request;
    }

    private static StoredUser toUser(String username, Response auth, Response superuser, Response acl) {
        String password = null;
        String salt = null;
        if (auth != null) {
            if (isArray(auth)) {
                password = auth.size() > 0 && auth.get(0) != null ? auth.get(0).toString() : null;
                salt = auth.size() > 1 && auth.get(1) != null ? auth.get(1).toString() : null;
            } else {
                password = auth.toString();
            }
        }
        if (password == null) {
            return null;
        }
        boolean isSuper = superuser != null && "1".equals(superuser.toString());
        return new StoredUser(username, password, salt, isSuper, rules(username, acl));
    }

    private static List<AclRule> rules(String username, Response acl) {
        List<AclRule> rules = new ArrayList<>();
        if (acl == null) {
            return rules;
        }
        List<String[]> pairs = new ArrayList<>();
        if (isArray(acl)) {
            for (int i = 0; i + 1 < acl.size(); i += 2) {
                pairs.add(new String[] {acl.get(i).toString(), acl.get(i + 1).toString()});
            }
        } else {
            for (String key : acl.getKeys()) { // RESP3 map
                pairs.add(new String[] {key, acl.get(key).toString()});
            }
        }
        for (String[] pair : pairs) {
            try {
                rules.add(new AclRule(pair[0], Integer.parseInt(pair[1].trim())));
            } catch (IllegalArgumentException e) {
                LOG.warnf("ignoring ACL rule '%s' -> '%s' of user '%s': access must be 1, 2 or 3", pair[0], pair[1], username);
            }
        }
        return rules;
    }

    private static boolean isArray(Response r) {
        try {
            r.getKeys();
            return false;
        } catch (RuntimeException notAMap) {
            return r.size() > 0 || r.type() == io.vertx.redis.client.ResponseType.MULTI;
        }
    }

    @Override
    public String describe() {
        return "Redis at " + hosts;
    }
}
