package io.kmqtt.core.auth;

import java.util.Objects;

/**
 * One allow rule, as in emq_auth_redis's {@code mqtt_acl:<username>} hash: a topic filter, which may
 * contain {@code %u} (username) and {@code %c} (client id), and what it allows.
 *
 * @param filter topic filter, possibly with placeholders
 * @param access 1 subscribe, 2 publish, 3 both
 */
public record AclRule(String filter, int access) {

    public static final int SUBSCRIBE = 1;
    public static final int PUBLISH = 2;
    public static final int BOTH = SUBSCRIBE | PUBLISH;

    public AclRule {
        Objects.requireNonNull(filter, "filter");
        if (access < 1 || access > 3) {
            throw new IllegalArgumentException("ACL access must be 1 (subscribe), 2 (publish) or 3 (both): " + access);
        }
    }

    public boolean allows(int action) {
        return (access & action) == action;
    }
}
