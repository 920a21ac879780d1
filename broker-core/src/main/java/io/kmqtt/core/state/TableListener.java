package io.kmqtt.core.state;

/** Receives a {@link ReplicatedTable}'s entries and changes, from one thread. */
public interface TableListener {

    void onPut(String key, byte[] value);

    void onRemove(String key);

    /** Every entry that existed when following began has been delivered. */
    default void onCaughtUp() {
    }
}
