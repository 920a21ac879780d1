package io.kmqtt.core.index;

import io.kmqtt.core.topic.Topics;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A trie of wildcard topic filters, one node per level. Matching is lock-free; writers serialise
 * on the trie so that pruning empty nodes cannot race with an insert below them.
 */
final class WildcardTrie<K, V> {

    private static final String PLUS = "+";
    private static final String HASH = "#";

    private static final class Node<K, V> {
        final ConcurrentHashMap<String, Node<K, V>> children = new ConcurrentHashMap<>(2);
        volatile Subscribers<K, V> subscribers = Subscribers.empty();

        boolean isEmpty() {
            return subscribers.isEmpty() && children.isEmpty();
        }
    }

    private final Node<K, V> root = new Node<>();
    /** Written under the trie's lock, read without it on the match path. */
    private volatile int filterCount;

    /** Returns true if the filter had no subscribers before. */
    synchronized boolean add(String filter, K key, V value) {
        Node<K, V> node = root;
        for (String level : levels(filter)) {
            node = node.children.computeIfAbsent(level, l -> new Node<>());
        }
        boolean wasEmpty = node.subscribers.isEmpty();
        node.subscribers = node.subscribers.with(key, value);
        if (wasEmpty) {
            filterCount++;
        }
        return wasEmpty;
    }

    /** Returns true if the key was removed and the filter has no subscribers left. */
    synchronized boolean remove(String filter, K key) {
        String[] levels = levels(filter);
        @SuppressWarnings("unchecked")
        Node<K, V>[] path = new Node[levels.length + 1];
        path[0] = root;
        for (int i = 0; i < levels.length; i++) {
            path[i + 1] = path[i].children.get(levels[i]);
            if (path[i + 1] == null) {
                return false;
            }
        }
        Node<K, V> node = path[levels.length];
        if (!node.subscribers.contains(key)) {
            return false;
        }
        node.subscribers = node.subscribers.without(key);
        if (!node.subscribers.isEmpty()) {
            return false;
        }
        filterCount--;
        for (int i = levels.length; i > 0 && path[i].isEmpty(); i--) {
            path[i - 1].children.remove(levels[i - 1], path[i]);
        }
        return true;
    }

    Subscribers<K, V> get(String filter) {
        Node<K, V> node = root;
        for (String level : levels(filter)) {
            node = node.children.get(level);
            if (node == null) {
                return Subscribers.empty();
            }
        }
        return node.subscribers;
    }

    int filterCount() {
        return filterCount;
    }

    /** Calls sink with every filter that has subscribers (a snapshot per node: concurrent changes may or may not show). */
    void forEachFilter(Consumer<String> sink) {
        root.children.forEach((level, child) -> forEachFilter(child, level, sink));
    }

    private void forEachFilter(Node<K, V> node, String filter, Consumer<String> sink) {
        if (!node.subscribers.isEmpty()) {
            sink.accept(filter);
        }
        node.children.forEach((level, child) -> forEachFilter(child, filter + Topics.SEPARATOR + level, sink));
    }

    void match(String[] topicLevels, BiConsumer<? super K, ? super V> sink) {
        if (root.children.isEmpty()) {
            return;
        }
        // MQTT-4.7.2-1: a filter starting with a wildcard does not match a topic starting with '$'.
        boolean dollar = topicLevels[0].startsWith("$");
        match(root, topicLevels, 0, !dollar, sink);
    }

    private void match(Node<K, V> node, String[] levels, int depth, boolean wildcardsAllowed,
                       BiConsumer<? super K, ? super V> sink) {
        if (wildcardsAllowed) {
            Node<K, V> hash = node.children.get(HASH);
            if (hash != null) {
                hash.subscribers.forEach(sink); // '#' also matches the parent level itself
            }
        }
        if (depth == levels.length) {
            node.subscribers.forEach(sink);
            return;
        }
        Node<K, V> exact = node.children.get(levels[depth]);
        if (exact != null) {
            match(exact, levels, depth + 1, true, sink);
        }
        if (wildcardsAllowed) {
            Node<K, V> plus = node.children.get(PLUS);
            if (plus != null) {
                match(plus, levels, depth + 1, true, sink);
            }
        }
    }

    static String[] levels(String topic) {
        return topic.split(String.valueOf(Topics.SEPARATOR), -1);
    }
}
