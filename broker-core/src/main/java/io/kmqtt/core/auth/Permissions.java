package io.kmqtt.core.auth;

import io.kmqtt.core.topic.Topics;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
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
 * have 20 rules each, which name the user: {@code topic/device_user7/t_1}. So the resolved rules
 * are kept in one string (for each rule its access as one char, its filter, then U+0000, which no
 * topic may contain: MQTT-4.7.3-2), with the client's user name written as
 * {@link Topics#USER_MARK} wherever it occurs, and that string is shared: {@link #resolve} gives
 * every client whose rules differ only by its own user name (every user of the seed, a user's
 * device and mobile) the same {@link RuleList}. A connection holds only this small object: the
 * shared list and its user name. Matching reads the mark as the user name
 * ({@link Topics#matches(String, int, int, String, String)}), which is exactly matching the
 * resolved rules: the name is written as the mark only where it cannot change how a filter
 * splits into levels (no '/', '+', '#' or control characters in the name, the mark being one, and
 * no mark in the rules), so the shared list cannot give one client another's rules. Lists nobody
 * holds any more are dropped from the table.
 */
public final class Permissions {

    /** Everything allowed: for a broker without authentication. */
    public static final Permissions ALLOW_ALL = new Permissions(new RuleList(true, "", true), null);

    private static final char END_OF_RULE = '\u0000';
    private static final String USER_MARK = String.valueOf(Topics.USER_MARK);
    private static final Interner INTERNED = new Interner();

    /** Shared with every client whose resolved rules differ only by their user name. */
    private final RuleList shared;
    /** What {@link Topics#USER_MARK} stands for in the shared rules; null when they hold no mark. */
    private final String user;

    private Permissions(RuleList shared, String user) {
        this.shared = shared;
        this.user = user;
    }

    /**
     * Resolves a client's rules: placeholders substituted, unsafe substitutions dropped. The
     * result shares its rule list with every other client whose resolved rules differ only by
     * their user name.
     */
    public static Permissions resolve(boolean superuser, List<AclRule> rules, String username, String clientId,
                                      boolean allowOnNoMatch) {
        // A plain loop and array: this runs on every CONNECT, where streams cost more than the work.
        String[] resolved = new String[rules.size()];
        int count = 0;
        boolean markInRules = false;
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
            markInRules |= filter.indexOf(Topics.USER_MARK) >= 0;
            resolved[count++] = (char) rule.access() + filter;
        }
        String user = !markInRules && canStandForUser(username) && anyContains(resolved, count, username) ? username : null;
        if (user != null) {
            for (int i = 0; i < count; i++) {
                resolved[i] = resolved[i].replace(user, USER_MARK);
            }
        }
        // Every rule allows, so their order decides nothing: sorted, equal lists in any order are one.
        Arrays.sort(resolved, 0, count);
        StringBuilder encoded = new StringBuilder(rules.size() * 32);
        for (int i = 0; i < count; i++) {
            encoded.append(resolved[i]).append(END_OF_RULE);
        }
        return new Permissions(INTERNED.intern(new RuleList(superuser, encoded.toString(), allowOnNoMatch)), user);
    }

    private static boolean anyContains(String[] rules, int count, String username) {
        for (int i = 0; i < count; i++) {
            if (rules[i].contains(username)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSafeForSubstitution(String value) {
        return value != null && !value.isEmpty() && value.indexOf('+') < 0 && value.indexOf('#') < 0
                && value.indexOf('/') < 0;
    }

    /** A name the mark may stand for: one that cannot change a filter's levels or a rule's bounds. */
    private static boolean canStandForUser(String username) {
        if (!isSafeForSubstitution(username)) {
            return false;
        }
        for (int i = 0; i < username.length(); i++) {
            char c = username.charAt(i);
            if (c < ' ' || c == Topics.USER_MARK) {
                return false;
            }
        }
        return true;
    }

    public boolean canPublish(String topic) {
        return check(topic, AclRule.PUBLISH);
    }

    public boolean canSubscribe(String filter) {
        return check(stripSharePrefix(filter), AclRule.SUBSCRIBE);
    }

    public boolean isSuperuser() {
        return shared.superuser;
    }

    /**
     * The resolved rules, sorted by access and filter: every rule allows, so their order decides
     * nothing (built on each call: not for the per-message path).
     */
    public List<AclRule> rules() {
        String rules = user == null ? shared.rules : shared.rules.replace(USER_MARK, user);
        List<AclRule> list = new ArrayList<>();
        for (int start = 0; start < rules.length(); ) {
            int end = rules.indexOf(END_OF_RULE, start + 1);
            list.add(new AclRule(rules.substring(start + 1, end), rules.charAt(start)));
            start = end + 1;
        }
        return List.copyOf(list);
    }

    private boolean check(String topic, int action) {
        RuleList list = shared;
        if (list.superuser) {
            return true;
        }
        String rules = list.rules;
        for (int start = 0; start < rules.length(); ) {
            int access = rules.charAt(start);
            int end = rules.indexOf(END_OF_RULE, start + 1);
            // As in emq_auth_redis, only rules for this action are considered; the rest is a no-match.
            if ((access & action) == action && Topics.matches(rules, start + 1, end, topic, user)) {
                return true;
            }
            start = end + 1;
        }
        return list.allowOnNoMatch;
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

    /** Whether the two hold one shared rule list (for tests). */
    boolean sharesRulesWith(Permissions other) {
        return other.shared == shared;
    }

    /** Distinct rule lists currently shared by at least one holder (for tests and metrics). */
    static int internedCount() {
        return INTERNED.size();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Permissions p && p.shared.equals(shared) && Objects.equals(p.user, user);
    }

    @Override
    public int hashCode() {
        return shared.hash * 31 + Objects.hashCode(user);
    }

    /**
     * The part of a client's permissions that clients share: the superuser flag, the no-match
     * policy and the encoded rules, with the user name written as {@link Topics#USER_MARK}.
     */
    private static final class RuleList {
        final boolean superuser;
        /** Per rule: access ('\u0001' subscribe, '\u0002' publish, '\u0003' both), filter, {@link #END_OF_RULE}. */
        final String rules;
        final boolean allowOnNoMatch;
        final int hash;

        RuleList(boolean superuser, String rules, boolean allowOnNoMatch) {
            this.superuser = superuser;
            this.rules = rules;
            this.allowOnNoMatch = allowOnNoMatch;
            this.hash = (rules.hashCode() * 31 + (superuser ? 1 : 0)) * 31 + (allowOnNoMatch ? 1 : 0);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof RuleList r && r.hash == hash && r.superuser == superuser
                    && r.allowOnNoMatch == allowOnNoMatch && r.rules.equals(rules);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * Equal rule lists to one shared instance, held weakly: a list no session holds any more
     * is collected and its entry removed at a later {@link #intern}.
     */
    private static final class Interner {

        private final ConcurrentHashMap<RuleList, Ref> table = new ConcurrentHashMap<>();
        private final ReferenceQueue<RuleList> collected = new ReferenceQueue<>();

        RuleList intern(RuleList candidate) {
            purge();
            while (true) {
                Ref ref = table.get(candidate);
                RuleList held = ref == null ? null : ref.get();
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
        private static final class Ref extends WeakReference<RuleList> {
            final RuleList key;

            Ref(RuleList referent, ReferenceQueue<RuleList> queue) {
                super(referent, queue);
                this.key = new RuleList(referent.superuser, referent.rules, referent.allowOnNoMatch);
            }
        }
    }
}
