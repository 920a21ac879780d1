package io.kmqtt.core.auth;

import io.kmqtt.core.topic.Topics;

import java.util.ArrayList;
import java.util.List;

/**
 * What one connected client may publish and subscribe to, resolved once at CONNECT from its ACL
 * rules and checked locally on every PUBLISH and SUBSCRIBE: no network call on those paths.
 *
 * <p>Semantics of emq_auth_redis 2.x: every rule allows; a superuser bypasses the rules; a topic no
 * rule matches gets the no-match policy (deny by default). {@code %u} and {@code %c} are replaced by
 * the username and client id, except when those contain '+', '#' or '/': substituting them would
 * let a client named "#" read everything (the CVE-2017-7650 class), so such a rule is dropped.
 * A subscription's filter is checked as a topic against each rule's filter, so "a/#" is allowed by
 * a rule "a/#" but "#" is not; shared subscriptions are checked without their "$share/group/" or
 * "$queue/" prefix.
 */
public final class Permissions {

    /** Everything allowed: for a broker without authentication. */
    public static final Permissions ALLOW_ALL = new Permissions(true, List.of(), true);

    private final boolean superuser;
    private final List<AclRule> rules;
    private final boolean allowOnNoMatch;

    private Permissions(boolean superuser, List<AclRule> rules, boolean allowOnNoMatch) {
        this.superuser = superuser;
        this.rules = rules;
        this.allowOnNoMatch = allowOnNoMatch;
    }

    /** Resolves a client's rules: placeholders substituted, unsafe substitutions dropped. */
    public static Permissions resolve(boolean superuser, List<AclRule> rules, String username, String clientId,
                                      boolean allowOnNoMatch) {
        List<AclRule> resolved = new ArrayList<>(rules.size());
        for (AclRule rule : rules) {
            String filter = rule.filter();
            if (filter.contains("%u")) {
                if (!isSafeForSubstitution(username)) {
                    continue;
                }
                filter = filter.replace("%u", username);
            }
            if (filter.contains("%c")) {
                if (!isSafeForSubstitution(clientId)) {
                    continue;
                }
                filter = filter.replace("%c", clientId);
            }
            resolved.add(new AclRule(filter, rule.access()));
        }
        return new Permissions(superuser, List.copyOf(resolved), allowOnNoMatch);
    }

    private static boolean isSafeForSubstitution(String value) {
        return value != null && !value.isEmpty() && value.indexOf('+') < 0 && value.indexOf('#') < 0
                && value.indexOf('/') < 0;
    }

    public boolean canPublish(String topic) {
        return check(topic, AclRule.PUBLISH);
    }

    public boolean canSubscribe(String filter) {
        return check(stripSharePrefix(filter), AclRule.SUBSCRIBE);
    }

    public boolean isSuperuser() {
        return superuser;
    }

    public List<AclRule> rules() {
        return rules;
    }

    private boolean check(String topic, int action) {
        if (superuser) {
            return true;
        }
        for (AclRule rule : rules) {
            // As in emq_auth_redis, only rules for this action are considered; the rest is a no-match.
            if (rule.allows(action) && Topics.matches(rule.filter(), topic)) {
                return true;
            }
        }
        return allowOnNoMatch;
    }

    /** "$share/group/a/b" and "$queue/a/b" are checked as "a/b". */
    static String stripSharePrefix(String filter) {
        if (filter.startsWith("$queue/")) {
            return filter.substring("$queue/".length());
        }
        if (filter.startsWith("$share/")) {
            int slash = filter.indexOf('/', "$share/".length());
            return slash < 0 ? filter : filter.substring(slash + 1);
        }
        return filter;
    }
}
