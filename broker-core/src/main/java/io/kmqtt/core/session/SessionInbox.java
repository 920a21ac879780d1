package io.kmqtt.core.session;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The offline queues of persistent sessions, shared by every gateway and router: what a client
 * is owed while no gateway holds its connection. Redis in a cluster, memory in the standalone broker.
 *
 * <p>Each queue is bounded: appending beyond the bound drops the oldest entries, and says how many.
 * Appends to one client's queue made one after another (each after the previous stage completed)
 * keep their order.
 */
public interface SessionInbox extends AutoCloseable {

    /**
     * Appends entries to the client's queue, dropping the oldest beyond {@code maxLength}, and
     * (re)sets the queue to vanish {@code ttlMillis} from now unless appended to again.
     *
     * @return the number of entries dropped to stay within the bound
     */
    CompletionStage<Integer> append(String clientId, List<PendingMessage> entries, int maxLength, long ttlMillis);

    /** Removes and returns the client's whole queue, oldest first; empty if it has none. */
    CompletionStage<List<PendingMessage>> takeAll(String clientId);

    /** Deletes the client's queue (its session ended). */
    CompletionStage<Void> delete(String clientId);

    /** Entries in the client's queue, for the admin API and tests. */
    CompletionStage<Integer> length(String clientId);

    @Override
    void close();
}
