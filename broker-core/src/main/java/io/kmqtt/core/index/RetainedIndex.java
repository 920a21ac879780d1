package io.kmqtt.core.index;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Retained messages by topic, in a trie of topic levels, so that a subscription's filter finds the
 * retained topics it matches by walking the levels it names rather than testing every topic.
 * Thread-safe: written by one thread, read by many.
 *
 * <p>Wildcards at the first level do not match topics starting with {@code $} (MQTT-4.7.2-1).
 *
 * @param <V> the retained message
 */
public final class RetainedIndex<V> {

    private static final class Node<V> {
        final Map<String, Node<V>> children = new ConcurrentHashMap<>();
        volatile V value;
    }

    private final Node<V> root = new Node<>();
    private final AtomicInteger size = new AtomicInteger();

    public synchronized void put(String topic, V value) {
        Node<V> node = root;
        for (String level : topic.split("/", -1)) {
            node = node.children.computeIfAbsent(level, l -> new Node<>());
        }
        if (node.value == null) {
            size.incrementAndGet();
        }
        node.value = value;
    }

    public synchronized void remove(String topic) {
        removeFrom(root, topic.split("/", -1), 0);
    }

    /** Removes the value at the path and prunes nodes left empty; returns whether this node is now empty. */
    private boolean removeFrom(Node<V> node, String[] levels, int depth) {
        if (depth == levels.length) {
            if (node.value != null) {
                node.value = null;
                size.decrementAndGet();
            }
        } else {
            Node<V> child = node.children.get(levels[depth]);
            if (child != null && removeFrom(child, levels, depth + 1)) {
                node.children.remove(levels[depth]);
            }
        }
        return node.value == null && node.children.isEmpty();
    }

    public V get(String topic) {
        Node<V> node = root;
        for (String level : topic.split("/", -1)) {
            node = node.children.get(level);
            if (node == null) {
                return null;
            }
        }
        return node.value;
    }

    /** Calls sink for every retained message whose topic the filter matches. */
    public void match(String filter, Consumer<V> sink) {
        match(root, filter.split("/", -1), 0, sink);
    }

    private void match(Node<V> node, String[] levels, int depth, Consumer<V> sink) {
        if (depth == levels.length) {
            V v = node.value;
            if (v != null) {
                sink.accept(v);
            }
            return;
        }
        String level = levels[depth];
        if (level.equals("#")) {
            // '#' matches the parent level too ("a/#" matches "a").
            if (node != root && node.value != null) {
                sink.accept(node.value);
            }
            all(node, depth == 0, sink);
        } else if (level.equals("+")) {
            node.children.forEach((name, child) -> {
                if (!(depth == 0 && name.startsWith("$"))) {
                    match(child, levels, depth + 1, sink);
                }
            });
        } else {
            Node<V> child = node.children.get(level);
            if (child != null) {
                match(child, levels, depth + 1, sink);
            }
        }
    }

    /** Every value below node; at the root, not below '$' levels. */
    private void all(Node<V> node, boolean atRoot, Consumer<V> sink) {
        node.children.forEach((name, child) -> {
            if (atRoot && name.startsWith("$")) {
                return;
            }
            V v = child.value;
            if (v != null) {
                sink.accept(v);
            }
            all(child, false, sink);
        });
    }

    public int size() {
        return size.get();
    }
}
