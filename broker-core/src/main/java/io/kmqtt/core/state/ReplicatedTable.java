package io.kmqtt.core.state;

import io.kmqtt.core.bus.MessageBus;

import java.util.concurrent.CompletionStage;

/**
 * A key-value table every process of the cluster can read in full: the latest value of each key
 * survives, older ones are compacted away. Writes never block; a write is durable when its stage
 * completes.
 */
public interface ReplicatedTable {

    ClusterTable table();

    CompletionStage<Void> put(String key, byte[] value);

    CompletionStage<Void> remove(String key);

    /**
     * Delivers every current entry, then {@link TableListener#onCaughtUp()}, then changes as they
     * happen, all from one thread.
     */
    MessageBus.Registration follow(TableListener listener);
}
