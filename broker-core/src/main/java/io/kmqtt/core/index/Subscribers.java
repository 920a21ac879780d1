package io.kmqtt.core.index;

import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * An immutable set of (key, value) pairs: the subscribers of one filter.
 *
 * <p>Immutable so that matching reads it without locks while writers replace it atomically.
 * Kept as two parallel arrays because almost every filter has one or two subscribers: a map per
 * filter would cost several times the memory at a million filters.
 */
final class Subscribers<K, V> {

    private static final Object[] NONE = new Object[0];

    private final Object[] keys;
    private final Object[] values;

    private Subscribers(Object[] keys, Object[] values) {
        this.keys = keys;
        this.values = values;
    }

    @SuppressWarnings("unchecked")
    static <K, V> Subscribers<K, V> empty() {
        return (Subscribers<K, V>) EMPTY;
    }

    private static final Subscribers<?, ?> EMPTY = new Subscribers<>(NONE, NONE);

    int size() {
        return keys.length;
    }

    boolean isEmpty() {
        return keys.length == 0;
    }

    /** Returns a copy with key set to value, replacing an existing entry for key. */
    Subscribers<K, V> with(K key, V value) {
        int i = indexOf(key);
        if (i >= 0) {
            Object[] newValues = values.clone();
            newValues[i] = value;
            return new Subscribers<>(keys, newValues);
        }
        Object[] newKeys = Arrays.copyOf(keys, keys.length + 1);
        Object[] newValues = Arrays.copyOf(values, values.length + 1);
        newKeys[keys.length] = key;
        newValues[values.length] = value;
        return new Subscribers<>(newKeys, newValues);
    }

    /** Returns a copy without key, or this if key is absent. */
    Subscribers<K, V> without(K key) {
        int i = indexOf(key);
        if (i < 0) {
            return this;
        }
        if (keys.length == 1) {
            return empty();
        }
        Object[] newKeys = new Object[keys.length - 1];
        Object[] newValues = new Object[values.length - 1];
        System.arraycopy(keys, 0, newKeys, 0, i);
        System.arraycopy(keys, i + 1, newKeys, i, keys.length - i - 1);
        System.arraycopy(values, 0, newValues, 0, i);
        System.arraycopy(values, i + 1, newValues, i, values.length - i - 1);
        return new Subscribers<>(newKeys, newValues);
    }

    boolean contains(K key) {
        return indexOf(key) >= 0;
    }

    @SuppressWarnings("unchecked")
    void forEach(BiConsumer<? super K, ? super V> sink) {
        for (int i = 0; i < keys.length; i++) {
            sink.accept((K) keys[i], (V) values[i]);
        }
    }

    private int indexOf(Object key) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i].equals(key)) {
                return i;
            }
        }
        return -1;
    }
}
