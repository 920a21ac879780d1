package io.kmqtt.core.state;

import io.kmqtt.core.bus.MessageBus;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link ReplicatedTable} for one JVM. Listeners are called synchronously, in write order. */
public final class InMemoryTable implements ReplicatedTable {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final ClusterTable table;
    private final Map<String, byte[]> entries = new LinkedHashMap<>();
    private final List<TableListener> listeners = new CopyOnWriteArrayList<>();

    public InMemoryTable(ClusterTable table) {
        this.table = table;
    }

    @Override
    public ClusterTable table() {
        return table;
    }

    @Override
    public synchronized CompletionStage<Void> put(String key, byte[] value) {
        entries.put(key, value);
        listeners.forEach(l -> l.onPut(key, value));
        return DONE;
    }

    @Override
    public synchronized CompletionStage<Void> remove(String key) {
        if (entries.remove(key) != null) {
            listeners.forEach(l -> l.onRemove(key));
        }
        return DONE;
    }

    @Override
    public synchronized MessageBus.Registration follow(TableListener listener) {
        entries.forEach(listener::onPut);
        listener.onCaughtUp();
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}
