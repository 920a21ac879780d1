package io.kmqtt.auth.store;

import io.kmqtt.auth.config.AuthConfig;
import io.kmqtt.core.auth.AclRule;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Users in Redis with the emq_auth_redis layout, read with the configured commands: by default
 * {@code HMGET mqtt_user:%u password}, {@code HGET mqtt_user:%u is_superuser} and
 * {@code HGETALL mqtt_acl:%u}, sent together. The commands are split into arguments before %u and
 * %c are substituted, so a username can never add arguments.
 */
public final class RedisCredentialStore implements CredentialStore {

    private static final Logger LOG = Logger.getLogger(RedisCredentialStore.class);

    private final ReactiveRedisDataSource redis;
    private final AuthConfig.Redis config;
    private final String hosts;

    public RedisCredentialStore(ReactiveRedisDataSource redis, AuthConfig.Redis config, String hosts) {
        this.redis = redis;
        this.config = config;
        this.hosts = hosts;
    }

    @Override
    public CompletionStage<StoredUser> find(String username, String clientId) {
        Uni<Response> auth = run(config.authCmd(), username, clientId);
        Uni<Response> superuser = run(config.superCmd(), username, clientId);
        Uni<Response> acl = run(config.aclCmd(), username, clientId);
        return Uni.combine().all().unis(auth, superuser, acl).asTuple()
                .ifNoItem().after(config.timeout()).fail()
                .onFailure().transform(e -> {
                    LOG.warnf("Redis at %s did not answer for user '%s': %s", hosts, username, e.toString());
                    return new StoreUnavailableException("Redis at " + hosts + " unavailable: " + e, e);
                })
                .map(t -> toUser(username, t.getItem1(), t.getItem2(), t.getItem3()))
                .subscribeAsCompletionStage();
    }

    private Uni<Response> run(String template, String username, String clientId) {
        String[] words = template.trim().split("\\s+");
        String[] args = new String[words.length - 1];
        for (int i = 1; i < words.length; i++) {
            args[i - 1] = words[i].replace("%u", username).replace("%c", clientId == null ? "" : clientId);
        }
        return redis.execute(words[0], args);
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
