package io.kmqtt.gateway;

import io.kmqtt.gateway.session.ClientSession;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Disconnects a gateway's clients at shutdown in equal batches spread over a drain period, so that
 * they reconnect to the other gateways a few at a time instead of all in the same second.
 */
final class ConnectionDrain {

    private static final Logger LOG = Logger.getLogger(ConnectionDrain.class);
    private static final long STEP_MILLIS = 100;

    private ConnectionDrain() {
    }

    static void disconnectSpread(List<ClientSession> clients, Duration drain, Consumer<ClientSession> disconnect) {
        if (clients.isEmpty()) {
            return;
        }
        long steps = Math.max(1, drain.toMillis() / STEP_MILLIS);
        int batch = (int) Math.max(1, (clients.size() + steps - 1) / steps);
        if (steps > 1) {
            LOG.infof("draining %d client(s) over %s, %d every %d ms", clients.size(), drain, batch, STEP_MILLIS);
        }
        for (int from = 0; from < clients.size(); from += batch) {
            if (from > 0) {
                sleep(STEP_MILLIS);
            }
            clients.subList(from, Math.min(clients.size(), from + batch)).forEach(disconnect);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
