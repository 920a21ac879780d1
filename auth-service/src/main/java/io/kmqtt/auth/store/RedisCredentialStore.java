package io.kmqtt.auth.store;

import io.kmqtt.auth.config.AuthConfig;
import io.kmqtt.core.auth.AclRule;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.mutiny.redis.client.Command;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Users in Redis with the emq_auth_redis layout, read with the configured commands: by default
 * {@code HMGET mqtt_user:%u password}, {@code HGET mqtt_user:%u is_superuser} and
 * {@code HGETALL mqtt_acl:%u}, sent as one batch on one pooled connection (one round trip and
 * one connection per CONNECT). The commands are split into arguments before %u and %c are
 * substituted, so a username can never add arguments.
 */
public final class RedisCredentialStore implements CredentialStore {

    private static final Logger LOG = Logger.getLogger(RedisCredentialStore.class);

    private final Redis redis;
    private final AuthConfig.Redis config;
    private final String hosts;

    public RedisCredentialStore(Redis redis, AuthConfig.Redis config, String hosts) {
        this.redis = redis;
        this.config = config;
        this.hosts = hosts;
    }

    @Override
    public CompletionStage<StoredUser> find(String username, String clientId) {
        List<Request> batch = List.of(request(config.authCmd(), username, clientId),
                request(config.superCmd(), username, clientId), request(config.aclCmd(), username, clientId));
        return redis.batch(batch)
                .ifNoItem().after(config.timeout()).fail()
                .onFailure().transform(e -> {
                    LOG.warnf("Redis at %s did not answer for user '%s': %s", hosts, username, e.toString());
                    return new StoreUnavailableException("Redis at " + hosts + " unavailable: " + e, e);
                })
                .map(replies -> toUser(username, replies.get(0), replies.get(1), replies.get(2)))
                .subscribeAsCompletionStage();
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
