package io.kmqtt.auth.store;

import io.kmqtt.auth.store.CredentialStore.StoredUser;
import io.kmqtt.core.auth.AclRule;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;

/** Reads a user out of Redis's replies to the emq_auth_redis commands ({@link RedisCredentialStore}). */
public final class RedisUserReplies {

    private static final Logger LOG = Logger.getLogger(RedisUserReplies.class);

    private RedisUserReplies() {
    }

    /**
     * The user from the replies to the three commands: the password (and salt) from an array reply
     * (HMGET) or a single value (HGET), the superuser flag, and the ACL hash as an array of field and
     * value (RESP2) or a map (RESP3). Null if there is no password.
     */
    public static StoredUser toUser(String username, Response auth, Response superuser, Response acl) {
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
        if (isArray(acl)) { // RESP2: field, value, field, value, ...
            for (int i = 0; i + 1 < acl.size(); i += 2) {
                addRule(rules, username, acl.get(i).toString(), acl.get(i + 1).toString());
            }
        } else if (acl.type() == ResponseType.MULTI) { // RESP3 map
            for (String key : acl.getKeys()) {
                addRule(rules, username, key, acl.get(key).toString());
            }
        }
        return rules;
    }

    private static void addRule(List<AclRule> rules, String username, String filter, String access) {
        try {
            rules.add(new AclRule(filter, Integer.parseInt(access.trim())));
        } catch (IllegalArgumentException e) {
            LOG.warnf("ignoring ACL rule '%s' -> '%s' of user '%s': access must be 1, 2 or 3", filter, access, username);
        }
    }

    /** An array reply (RESP2 and RESP3), not a map (RESP3 HGETALL) nor a single value (HGET). */
    private static boolean isArray(Response r) {
        return r.type() == ResponseType.MULTI && !r.isMap();
    }
}
