package io.kmqtt.core.auth;

import io.kmqtt.core.topic.Topics;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

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
 *
 * <p><b>Memory.</b> A gateway holds one of these per connection, for hours, and the seed's users
 * have 20 rules each. So the resolved rules are kept in one string (for each rule its access as one
 * char, its filter, then U+0000, which no topic may contain: MQTT-4.7.3-2), and equal resolved
 * permissions are shared: {@link #resolve} returns the instance already held by another connection
 * with exactly the same superuser flag, no-match policy and resolved rules (a user's device and
 * mobile, every connection of one user). The instance carries nothing but those, so sharing it
 * cannot give one client another's rules: two clients share only what they would hold anyway.
 * Instances nobody holds any more are dropped from the table.
 */
public final class Permissions {

    /** Everything allowed: for a broker without authentication. */
    public static final Permissions ALLOW_ALL = new Permissions(true, "", true);

    private static final char END_OF_RULE = '\u0000';
    private static final Interner INTERNED = new Interner();

    private final boolean superuser;
    /** Per rule: access ('\u0001' subscribe, '\u0002' publish, '\u0003' both), filter, {@link #END_OF_RULE}. */
    private final String rules;
    private final boolean allowOnNoMatch;
    private final int hash;

    private Permissions(boolean superuser, String rules, boolean allowOnNoMatch) {
        this.superuser = superuser;
        this.rules = rules;
        this.allowOnNoMatch = allowOnNoMatch;
        this.hash = (rules.hashCode() * 31 + (superuser ? 1 : 0)) * 31 + (allowOnNoMatch ? 1 : 0);
    }

    /**
     * Resolves a client's rules: placeholders substituted, unsafe substitutions dropped. Returns the
     * instance another client with the same result already holds, if any.
     */
    public static Permissions resolve(boolean superuser, List<AclRule> rules, String username, String clientId,
                                      boolean allowOnNoMatch) {
        StringBuilder resolved = new StringBuilder(rules.size() * 32);
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
            if (filter.indexOf(END_OF_RULE) >= 0) {
                continue; // matches no valid topic name (MQTT-4.7.3-2), so dropping it changes no decision
            }
            resolved.append((char) rule.access()).append(filter).append(END_OF_RULE);
        }
        return INTERNED.intern(new Permissions(superuser, resolved.toString(), allowOnNoMatch));
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

    /** The resolved rules, in their order (built on each call: not for the per-message path). */
    public List<AclRule> rules() {
        List<AclRule> list = new ArrayList<>();
        for (int start = 0; start < rules.length(); ) {
            int end = rules.indexOf(END_OF_RULE, start + 1);
            list.add(new AclRule(rules.substring(start + 1, end), rules.charAt(start)));
            start = end + 1;
        }
        return List.copyOf(list);
    }

    private boolean check(String topic, int action) {
        if (superuser) {
            return true;
        }
        for (int start = 0; start < rules.length(); ) {
            int access = rules.charAt(start);
            int end = rules.indexOf(END_OF_RULE, start + 1);
            // As in emq_auth_redis, only rules for this action are considered; the rest is a no-match.
            if ((access & action) == action && Topics.matches(rules, start + 1, end, topic)) {
                return true;
            }
            start = end + 1;
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

    /** Distinct resolved permissions currently shared by at least one holder (for tests and metrics). */
    static int internedCount() {
        return INTERNED.size();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Permissions p && p.hash == hash && p.superuser == superuser
                && p.allowOnNoMatch == allowOnNoMatch && p.rules.equals(rules);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /**
     * Equal permissions to one shared instance, held weakly: an instance no session holds any more
     * is collected and its entry removed at a later {@link #intern}.
     */
    private static final class Interner {

        private final ConcurrentHashMap<Permissions, Ref> table = new ConcurrentHashMap<>();
        private final ReferenceQueue<Permissions> collected = new ReferenceQueue<>();

        Permissions intern(Permissions candidate) {
            purge();
            while (true) {
                Ref ref = table.get(candidate);
                Permissions held = ref == null ? null : ref.get();
                if (held != null) {
                    return held;
                }
                Ref mine = new Ref(candidate, collected);
                if (ref == null ? table.putIfAbsent(mine.key, mine) == null : table.replace(ref.key, ref, mine)) {
                    return candidate;
                }
                // another thread interned an equal instance meanwhile: take that one
            }
        }

        int size() {
            purge();
            return table.size();
        }

        private void purge() {
            for (Ref ref; (ref = (Ref) collected.poll()) != null; ) {
                table.remove(ref.key, ref);
            }
        }

        /**
         * The key is a copy without the referent's identity: the table must not keep the instance
         * alive. It shares the referent's rules string, which is what equality compares.
         */
        private static final class Ref extends WeakReference<Permissions> {
            final Permissions key;

            Ref(Permissions referent, ReferenceQueue<Permissions> queue) {
                super(referent, queue);
                this.key = new Permissions(referent.superuser, referent.rules, referent.allowOnNoMatch);
            }
        }
    }
}
