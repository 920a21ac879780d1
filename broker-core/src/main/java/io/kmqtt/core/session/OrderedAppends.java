package io.kmqtt.core.session;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Appends to offline queues one after another per client, so that a client's messages reach its
 * queue in the order they were handed over, whatever connection of a pooled store each append
 * takes. A client's chain is forgotten as soon as its last append completes.
 */
public final class OrderedAppends {

    private final SessionInbox inbox;
    private final Map<String, CompletableFuture<Integer>> tails = new ConcurrentHashMap<>();

    public OrderedAppends(SessionInbox inbox) {
        this.inbox = inbox;
    }

    /** Appends after every earlier append for this client; completes with the number of entries dropped. */
    public CompletionStage<Integer> append(String clientId, List<PendingMessage> entries, int maxLength, long ttlMillis) {
        CompletableFuture<Integer>[] mine = new CompletableFuture[1];
        tails.compute(clientId, (id, tail) -> {
            CompletableFuture<Integer> previous = tail == null ? CompletableFuture.completedFuture(0) : tail;
            // An earlier failure does not stop later appends: each reports its own outcome.
            mine[0] = previous.handle((ok, error) -> null)
                    .thenCompose(v -> inbox.append(id, entries, maxLength, ttlMillis)).toCompletableFuture();
            return mine[0];
        });
        mine[0].whenComplete((ok, error) -> tails.remove(clientId, mine[0]));
        return mine[0];
    }

    /** Completes once every append for this client made so far has completed, failed or not. */
    public CompletionStage<Void> flushed(String clientId) {
        CompletableFuture<Integer> tail = tails.get(clientId);
        return tail == null ? CompletableFuture.completedFuture(null) : tail.handle((ok, error) -> null);
    }

    /** Completes once every append made so far, for every client, has completed, failed or not. */
    public CompletionStage<Void> allFlushed() {
        return CompletableFuture.allOf(tails.values().stream().map(t -> t.handle((ok, error) -> null))
                .toArray(CompletableFuture[]::new));
    }

    /** Clients with an append under way. */
    public int pendingClients() {
        return tails.size();
    }
}
