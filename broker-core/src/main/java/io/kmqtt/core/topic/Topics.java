package io.kmqtt.core.topic;

import java.nio.charset.StandardCharsets;

/**
 * Validation and matching of topic names and topic filters, MQTT 3.1.1 and 5.0 section 4.7.
 *
 * <p>All methods are pure and allocation-light: they run on the per-message path.
 */
public final class Topics {

    public static final char SEPARATOR = '/';
    public static final char SINGLE_LEVEL_WILDCARD = '+';
    public static final char MULTI_LEVEL_WILDCARD = '#';
    /**
     * Stands for a user name in a filter given to {@link #matches(String, int, int, String, String)}:
     * U+001A (SUBSTITUTE), a control character that topics should not contain (MQTT 5.0 section
     * 1.5.4), and one that keeps a string of Latin-1 filters in one byte per character.
     */
    public static final char USER_MARK = '\u001A';

    private Topics() {
    }

    /** Validates a topic name as used in PUBLISH: no wildcards allowed (MQTT-3.3.2-2). */
    public static TopicVerdict validateName(String name, TopicLimits limits) {
        TopicVerdict common = validateCommon(name, limits);
        if (common != TopicVerdict.VALID) {
            return common;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == SINGLE_LEVEL_WILDCARD || c == MULTI_LEVEL_WILDCARD) {
                return TopicVerdict.WILDCARD_IN_NAME;
            }
        }
        return TopicVerdict.VALID;
    }

    /** Validates a topic filter as used in SUBSCRIBE and UNSUBSCRIBE (MQTT-4.7.1). */
    public static TopicVerdict validateFilter(String filter, TopicLimits limits) {
        TopicVerdict common = validateCommon(filter, limits);
        if (common != TopicVerdict.VALID) {
            return common;
        }
        int length = filter.length();
        for (int i = 0; i < length; i++) {
            char c = filter.charAt(i);
            boolean startsLevel = i == 0 || filter.charAt(i - 1) == SEPARATOR;
            boolean endsLevel = i == length - 1 || filter.charAt(i + 1) == SEPARATOR;
            if (c == MULTI_LEVEL_WILDCARD && (!startsLevel || i != length - 1)) {
                return TopicVerdict.MISPLACED_MULTI_LEVEL_WILDCARD;
            }
            if (c == SINGLE_LEVEL_WILDCARD && (!startsLevel || !endsLevel)) {
                return TopicVerdict.MISPLACED_SINGLE_LEVEL_WILDCARD;
            }
        }
        return TopicVerdict.VALID;
    }

    private static TopicVerdict validateCommon(String topic, TopicLimits limits) {
        if (topic == null || topic.isEmpty()) {
            return TopicVerdict.EMPTY;
        }
        // A char is at most 3 UTF-8 bytes: skip the exact count when it cannot matter.
        if (topic.length() * 3 > limits.maxLength()
                && topic.getBytes(StandardCharsets.UTF_8).length > limits.maxLength()) {
            return TopicVerdict.TOO_LONG;
        }
        int levels = 1;
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == '\u0000') {
                return TopicVerdict.NULL_CHARACTER;
            }
            if (c == SEPARATOR) {
                levels++;
            }
        }
        return levels > limits.maxLevels() ? TopicVerdict.TOO_MANY_LEVELS : TopicVerdict.VALID;
    }

    /** True if the filter contains '+' or '#'. Assumes a valid filter. */
    public static boolean isWildcard(String filter) {
        return filter.indexOf(SINGLE_LEVEL_WILDCARD) >= 0 || filter.indexOf(MULTI_LEVEL_WILDCARD) >= 0;
    }

    /**
     * True if the valid topic name matches the valid filter. Topics starting with '$' are not matched
     * by a filter starting with a wildcard (MQTT-4.7.2-1). Walks both strings once, no allocation.
     */
    public static boolean matches(String filter, String topic) {
        return matches(filter, 0, filter.length(), topic);
    }

    /**
     * {@link #matches(String, String)} for the filter held in {@code filters} from {@code from}
     * (inclusive) to {@code to} (exclusive): lets many filters share one string (an ACL's rules).
     */
    public static boolean matches(String filters, int from, int to, String topic) {
        return matches(filters, from, to, topic, null);
    }

    /**
     * {@link #matches(String, int, int, String)} for a filter in which each {@link #USER_MARK}
     * stands for {@code user}: as if the filter were written with {@code user} in its place, for
     * a {@code user} without '/', '+', '#' or {@link #USER_MARK}. With a null {@code user}, the
     * mark is an ordinary character.
     */
    public static boolean matches(String filters, int from, int to, String topic, String user) {
        if (!topic.isEmpty() && topic.charAt(0) == '$' && from < to
                && (filters.charAt(from) == SINGLE_LEVEL_WILDCARD || filters.charAt(from) == MULTI_LEVEL_WILDCARD)) {
            return false;
        }
        int f = from;
        int t = 0;
        int tLen = topic.length();
        while (f < to) {
            char fc = filters.charAt(f);
            if (fc == MULTI_LEVEL_WILDCARD) {
                return true; // '#' matches the parent level and everything below it (MQTT-4.7.1-2)
            }
            if (fc == SINGLE_LEVEL_WILDCARD) {
                while (t < tLen && topic.charAt(t) != SEPARATOR) {
                    t++;
                }
                f++;
            } else {
                while (f < to && t < tLen && filters.charAt(f) != SEPARATOR && topic.charAt(t) != SEPARATOR) {
                    char c = filters.charAt(f);
                    if (c == USER_MARK && user != null) {
                        if (!topic.startsWith(user, t)) {
                            return false;
                        }
                        f++;
                        t += user.length();
                    } else if (c != topic.charAt(t)) {
                        return false;
                    } else {
                        f++;
                        t++;
                    }
                }
                boolean fLevelEnd = f == to || filters.charAt(f) == SEPARATOR;
                boolean tLevelEnd = t == tLen || topic.charAt(t) == SEPARATOR;
                if (!fLevelEnd || !tLevelEnd) {
                    return false;
                }
            }
            // Both are now at the end of a level.
            if (f == to) {
                return t == tLen;
            }
            // filter has a separator at f
            if (t == tLen) {
                // "a/#" matches "a": the rest of the filter must be exactly "/#"
                return f + 2 == to && filters.charAt(f + 1) == MULTI_LEVEL_WILDCARD;
            }
            f++;
            t++;
        }
        return t == tLen;
    }
}
