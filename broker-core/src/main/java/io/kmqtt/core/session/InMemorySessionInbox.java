package io.kmqtt.core.session;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Offline queues in this process's memory, for the standalone broker (gateway and router in one
 * JVM): lost when the process ends, like the rest of its state.
 */
public final class InMemorySessionInbox implements SessionInbox {

    private static final class Queue {
        final ArrayDeque<PendingMessage> entries = new ArrayDeque<>();
        long expiresAtMillis;
    }

    private final Map<String, Queue> queues = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    public InMemorySessionInbox() {
        this(System::currentTimeMillis);
    }

    public InMemorySessionInbox(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public CompletionStage<Integer> append(String clientId, List<PendingMessage> entries, int maxLength, long ttlMillis) {
        if (maxLength < 0 || ttlMillis < 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("negative bound or time to live"));
        }
        long now = clock.getAsLong();
        long expiresAt = ttlMillis > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + ttlMillis;
        int[] dropped = {0};
        queues.compute(clientId, (id, queue) -> {
            if (queue == null || queue.expiresAtMillis <= now) {
                queue = new Queue();
            }
            queue.entries.addAll(entries);
            while (queue.entries.size() > maxLength) {
                queue.entries.pollFirst();
                dropped[0]++;
            }
            queue.expiresAtMillis = expiresAt;
            return queue;
        });
        return CompletableFuture.completedFuture(dropped[0]);
    }

    @Override
    public CompletionStage<List<PendingMessage>> takeAll(String clientId) {
        Queue queue = queues.remove(clientId);
        if (queue == null || queue.expiresAtMillis <= clock.getAsLong()) {
            return CompletableFuture.completedFuture(List.of());
        }
        synchronized (queue) {
            return CompletableFuture.completedFuture(List.copyOf(queue.entries));
        }
    }

    @Override
    public CompletionStage<Void> delete(String clientId) {
        queues.remove(clientId);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Integer> length(String clientId) {
        Queue queue = queues.get(clientId);
        return CompletableFuture.completedFuture(queue == null || queue.expiresAtMillis <= clock.getAsLong() ? 0
                : queue.entries.size());
    }

    @Override
    public void close() {
        queues.clear();
    }
}
