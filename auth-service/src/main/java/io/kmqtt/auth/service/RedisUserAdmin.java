package io.kmqtt.auth.service;

import io.kmqtt.auth.config.AuthConfig;
import io.kmqtt.auth.core.PasswordHashing;
import io.kmqtt.core.auth.AclRule;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Creates, changes and deletes users and their ACL rules in Redis, in the emq_auth_redis layout
 * ({@code mqtt_user:<u>} with password, salt, is_superuser; {@code mqtt_acl:<u>} filter -> access).
 * Passwords are stored hashed with {@code auth.password-hash}.
 */
@ApplicationScoped
public class RedisUserAdmin {

    public record User(String username, boolean superuser, List<AclRule> acl) {
    }

    /** One page of a scan: the users found and the cursor to continue from, "0" when the scan is complete. */
    public record UserPage(List<String> usernames, String cursor) {
    }

    /** SCAN rounds one listing may take: a prefix few users match does not walk millions of keys in one call. */
    private static final int MAX_SCAN_ROUNDS = 50;

    @Inject
    Instance<ReactiveRedisDataSource> redis;
    @Inject
    AuthConfig config;
    @ConfigProperty(name = "quarkus.redis.hosts")
    Optional<String> redisHosts;

    public boolean available() {
        return redisHosts.isPresent();
    }

    /**
     * Up to {@code limit} user names starting with {@code prefix}, by Redis SCAN from {@code cursor}
     * ("0" to start): unordered; a page may be short (or empty) while the scan goes on, and may hold
     * up to about twice {@code limit} (one SCAN round examines about {@code limit} keys).
     */
    public Uni<UserPage> list(String prefix, String cursor, int limit) {
        String match = "mqtt_user:" + prefix.replaceAll("([*?\\[\\]\\\\])", "\\\\$1") + "*";
        return scan(match, cursor, limit, new LinkedHashSet<>(), 0);
    }

    private Uni<UserPage> scan(String match, String cursor, int limit, Set<String> found, int round) {
        return exec("SCAN", cursor, "MATCH", match, "COUNT", Integer.toString(Math.max(limit, 10))).flatMap(r -> {
            String next = r.get(0).toString();
            for (Response key : r.get(1)) {
                found.add(key.toString().substring("mqtt_user:".length()));
            }
            if (found.size() >= limit || "0".equals(next) || round + 1 >= MAX_SCAN_ROUNDS) {
                return Uni.createFrom().item(new UserPage(List.copyOf(found), next));
            }
            return scan(match, next, limit, found, round + 1);
        });
    }

    /** Whether each user is a superuser, in the order given. */
    public Uni<List<Boolean>> superusers(List<String> usernames) {
        if (usernames.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<Uni<Boolean>> each = usernames.stream().map(u -> exec("HGET", key(u), "is_superuser")
                .map(r -> r != null && "1".equals(r.toString()))).toList();
        return Uni.join().all(each).andFailFast();
    }

    public Uni<Boolean> exists(String username) {
        return exec("EXISTS", key(username)).map(r -> r.toInteger() == 1);
    }

    /** Creates or replaces the user's password and superuser flag; keeps its ACL. */
    public Uni<Void> save(String username, String password, boolean superuser) {
        PasswordHashing hashing = PasswordHashing.parse(config.passwordHash());
        List<String> args = new ArrayList<>(List.of(key(username)));
        String salt = hashing.usesSalt() ? PasswordHashing.newSalt() : null;
        args.addAll(List.of("password", hashing.hash(password.getBytes(StandardCharsets.UTF_8), salt == null ? "" : salt)));
        if (salt != null) {
            args.addAll(List.of("salt", salt));
        }
        args.addAll(List.of("is_superuser", superuser ? "1" : "0"));
        return exec("HSET", args.toArray(String[]::new)).replaceWithVoid();
    }

    public Uni<Void> setSuperuser(String username, boolean superuser) {
        return exec("HSET", key(username), "is_superuser", superuser ? "1" : "0").replaceWithVoid();
    }

    public Uni<User> find(String username) {
        return exec("HGET", key(username), "is_superuser").flatMap(superuser ->
                exists(username).flatMap(exists -> !exists ? Uni.createFrom().nullItem()
                        : acl(username).map(acl -> new User(username, superuser != null && "1".equals(superuser.toString()), acl))));
    }

    public Uni<Boolean> delete(String username) {
        return exec("DEL", key(username), aclKey(username)).map(r -> r.toInteger() > 0);
    }

    public Uni<List<AclRule>> acl(String username) {
        return exec("HGETALL", aclKey(username)).map(r -> {
            List<AclRule> rules = new ArrayList<>();
            if (r == null) {
                return rules;
            }
            try {
                for (String field : r.getKeys()) {
                    rules.add(new AclRule(field, Integer.parseInt(r.get(field).toString())));
                }
            } catch (UnsupportedOperationException flatArray) {
                for (int i = 0; i + 1 < r.size(); i += 2) {
                    rules.add(new AclRule(r.get(i).toString(), Integer.parseInt(r.get(i + 1).toString())));
                }
            }
            return rules;
        });
    }

    public Uni<Void> addRule(String username, AclRule rule) {
        return exec("HSET", aclKey(username), rule.filter(), Integer.toString(rule.access())).replaceWithVoid();
    }

    public Uni<Boolean> removeRule(String username, String filter) {
        return exec("HDEL", aclKey(username), filter).map(r -> r.toInteger() > 0);
    }

    public Uni<Void> replaceAcl(String username, List<AclRule> rules) {
        Uni<Response> cleared = exec("DEL", aclKey(username));
        if (rules.isEmpty()) {
            return cleared.replaceWithVoid();
        }
        List<String> args = new ArrayList<>(List.of(aclKey(username)));
        rules.forEach(r -> args.addAll(List.of(r.filter(), Integer.toString(r.access()))));
        return cleared.flatMap(x -> exec("HSET", args.toArray(String[]::new))).replaceWithVoid();
    }

    private Uni<Response> exec(String command, String... args) {
        return redis.get().execute(command, args).ifNoItem().after(config.redis().timeout()).fail();
    }

    private static String key(String username) {
        return "mqtt_user:" + username;
    }

    private static String aclKey(String username) {
        return "mqtt_acl:" + username;
    }
}
