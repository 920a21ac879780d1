package io.kmqtt.core.index;

import io.kmqtt.core.topic.Topics;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Answers "who subscribed to a filter matching topic T". Exact filters live in a hash map, so the
 * common case (a device's own topic) is one lookup; wildcard filters live in a trie.
 *
 * <p>Each filter maps keys (a session, a gateway) to values (subscription options). Thread-safe:
 * matching never blocks, writers to the same filter serialise.
 *
 * @param <K> who subscribed; must have value equality
 * @param <V> what they subscribed with
 */
public final class SubscriptionIndex<K, V> {

    private final ConcurrentHashMap<String, Subscribers<K, V>> exact = new ConcurrentHashMap<>();
    private final WildcardTrie<K, V> wildcards = new WildcardTrie<>();

    /**
     * Adds or replaces key's subscription to a valid filter.
     *
     * @return true if the filter had no subscribers before this call
     */
    public boolean add(String filter, K key, V value) {
        if (Topics.isWildcard(filter)) {
            return wildcards.add(filter, key, value);
        }
        boolean[] wasEmpty = new boolean[1];
        exact.compute(filter, (f, subs) -> {
            wasEmpty[0] = subs == null;
            return (subs == null ? Subscribers.<K, V>empty() : subs).with(key, value);
        });
        return wasEmpty[0];
    }

    /**
     * Removes key's subscription to filter, if any.
     *
     * @return true if key was subscribed and the filter now has no subscribers left
     */
    public boolean remove(String filter, K key) {
        if (Topics.isWildcard(filter)) {
            return wildcards.remove(filter, key);
        }
        boolean[] becameEmpty = new boolean[1];
        exact.computeIfPresent(filter, (f, subs) -> {
            if (!subs.contains(key)) {
                return subs;
            }
            Subscribers<K, V> rest = subs.without(key);
            becameEmpty[0] = rest.isEmpty();
            return rest.isEmpty() ? null : rest;
        });
        return becameEmpty[0];
    }

    /** True if key is subscribed to exactly this filter. */
    public boolean contains(String filter, K key) {
        Subscribers<K, V> subs = Topics.isWildcard(filter) ? wildcards.get(filter) : exact.get(filter);
        return subs != null && subs.contains(key);
    }

    /** Number of subscribers of exactly this filter. */
    public int subscriberCount(String filter) {
        Subscribers<K, V> subs = Topics.isWildcard(filter) ? wildcards.get(filter) : exact.get(filter);
        return subs == null ? 0 : subs.size();
    }

    /**
     * Calls sink once per (key, value) of every filter that matches the valid topic name. A key
     * subscribed through several matching filters is reported once per filter.
     */
    public void match(String topic, BiConsumer<? super K, ? super V> sink) {
        Subscribers<K, V> subs = exact.get(topic);
        if (subs != null) {
            subs.forEach(sink);
        }
        if (wildcards.filterCount() > 0) {
            wildcards.match(WildcardTrie.levels(topic), sink);
        }
    }

    /** Calls sink with every filter that has at least one subscriber; concurrent changes may or may not show. */
    public void forEachFilter(Consumer<String> sink) {
        exact.keySet().forEach(sink);
        wildcards.forEachFilter(sink);
    }

    /** Number of distinct filters with at least one subscriber. */
    public int filterCount() {
        return exact.size() + wildcards.filterCount();
    }
}
