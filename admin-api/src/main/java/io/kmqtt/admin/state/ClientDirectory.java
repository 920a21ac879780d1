package io.kmqtt.admin.state;

import io.kmqtt.core.state.ClientRecord;
import io.kmqtt.core.state.TableListener;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The cluster's clients, from the clients table, sorted by client id, plus the routes they imply
 * (filter → gateways with a subscriber). Fed by one thread (the table follower); read by request
 * threads, which walk the sorted map and never copy it: a page costs the entries it skips and
 * returns, not the whole table.
 *
 * <p>A client id may have an entry per gateway for a moment (it reconnected elsewhere before its
 * old connection was noticed closed); the newest live connected entry speaks for it. An entry
 * whose gateway run is gone is not a connection: it is hidden, and {@link #staleKeys} names it for
 * removal. A disconnected entry ({@code disconnectedAtMillis != 0}) is a persistent session parked
 * on its gateway; it is listed as disconnected until it resumes or expires. (If its gateway dies,
 * the entry goes with the gateway's run, although the routers keep the session.)
 */
public final class ClientDirectory implements TableListener {

    private static final Logger LOG = Logger.getLogger(ClientDirectory.class);

    /** A client as the API shows it: its newest entry and whether that connection is live. */
    public record Client(ClientRecord record, boolean connected) {
    }

    /** Filters of {@code GET /clients}; null means any. */
    public record Query(String username, String clientIdPrefix, String gateway, Boolean connected) {
        boolean accepts(Client c) {
            return (username == null || username.equals(c.record().username()))
                    && (gateway == null || gateway.equals(c.record().gatewayId()))
                    && (connected == null || connected == c.connected());
        }
    }

    private final NavigableMap<String, ClientRecord> entries = new ConcurrentSkipListMap<>();
    private final NavigableMap<String, Map<String, Integer>> routes = new ConcurrentSkipListMap<>();
    private final AtomicLong subscriptions = new AtomicLong();
    private final NodeDirectory nodes;
    private volatile boolean caughtUp;

    public ClientDirectory(NodeDirectory nodes) {
        this.nodes = nodes;
    }

    @Override
    public synchronized void onPut(String key, byte[] value) {
        ClientRecord record;
        try {
            record = ClientRecord.decode(value);
        } catch (IllegalArgumentException e) {
            LOG.warnf("client entry '%s' skipped: %s", key.replace('\u0000', '@'), e.getMessage());
            return;
        }
        unindex(entries.put(key, record));
        index(record, +1);
    }

    @Override
    public synchronized void onRemove(String key) {
        unindex(entries.remove(key));
    }

    @Override
    public void onCaughtUp() {
        caughtUp = true;
    }

    public boolean caughtUp() {
        return caughtUp;
    }

    private void unindex(ClientRecord old) {
        if (old != null) {
            index(old, -1);
        }
    }

    private void index(ClientRecord record, int delta) {
        if (!record.connected()) {
            return;
        }
        subscriptions.addAndGet((long) delta * record.subscriptions().size());
        for (ClientRecord.Subscription s : record.subscriptions()) {
            routes.compute(s.filter(), (filter, byGateway) -> {
                Map<String, Integer> m = byGateway == null ? new ConcurrentHashMap<>() : byGateway;
                m.merge(record.gatewayId(), delta, (a, b) -> a + b == 0 ? null : a + b);
                return m.isEmpty() ? null : m;
            });
        }
    }

    /** The client with this id, if it is connected or has a session. */
    public Optional<Client> find(String clientId) {
        List<Client> found = new ArrayList<>(1);
        forEachClient(range(clientId + '\u0000', clientId + '\u0001'), found::add);
        return found.stream().findFirst();
    }

    /** One page of the clients that match the query, in client-id order. */
    public Page<Client> list(Query query, int page, int limit) {
        Page.Builder<Client> builder = new Page.Builder<>(page, limit);
        NavigableMap<String, ClientRecord> scope = query.clientIdPrefix() == null || query.clientIdPrefix().isEmpty()
                ? entries : range(query.clientIdPrefix(), query.clientIdPrefix() + Character.MAX_VALUE);
        forEachClient(scope, c -> {
            if (query.accepts(c)) {
                builder.offer(c);
            }
        });
        return builder.build();
    }

    /** Every client in client-id order (one entry per client id). */
    public void forEachClient(Consumer<Client> sink) {
        forEachClient(entries, sink);
    }

    private NavigableMap<String, ClientRecord> range(String from, String to) {
        return entries.subMap(from, true, to, false);
    }

    /** Walks the entries grouped by client id and hands over one {@link Client} per id that is shown. */
    private void forEachClient(NavigableMap<String, ClientRecord> scope, Consumer<Client> sink) {
        long now = System.currentTimeMillis();
        String currentId = null;
        Client best = null;
        for (ClientRecord r : scope.values()) {
            if (!r.clientId().equals(currentId)) {
                if (best != null) {
                    sink.accept(best);
                }
                currentId = r.clientId();
                best = null;
            }
            Client candidate = view(r, now);
            if (candidate != null && better(candidate, best)) {
                best = candidate;
            }
        }
        if (best != null) {
            sink.accept(best);
        }
    }

    private Client view(ClientRecord r, long now) {
        if (r.connected()) {
            if (nodes.gatewayLive(r.gatewayId(), r.incarnation(), now)) {
                return new Client(r, true);
            }
            // Its gateway run is gone, and the session with it (sessions do not outlive their gateway yet).
            return null;
        }
        return new Client(r, false);
    }

    private static boolean better(Client a, Client b) {
        if (b == null) {
            return true;
        }
        if (a.connected() != b.connected()) {
            return a.connected();
        }
        return a.record().connectedAtMillis() > b.record().connectedAtMillis();
    }

    /** Keys of entries to remove: connections of gateway runs that are gone, and expired sessions. */
    public List<String> staleKeys(long now) {
        List<String> stale = new ArrayList<>();
        if (!caughtUp || !nodes.caughtUp()) {
            return stale; // a gateway not read yet is not dead
        }
        for (Map.Entry<String, ClientRecord> e : entries.entrySet()) {
            ClientRecord r = e.getValue();
            boolean gone = r.connected()
                    ? nodes.gatewayDead(r.gatewayId(), r.incarnation(), now)
                    : r.sessionExpirySeconds() != ClientRecord.NEVER_EXPIRES
                            && now >= r.disconnectedAtMillis() + r.sessionExpirySeconds() * 1000;
            if (gone) {
                stale.add(e.getKey());
            }
        }
        return stale;
    }

    /** Filters with at least one connected subscriber, each with the gateways that hold them. */
    public NavigableMap<String, Map<String, Integer>> routes() {
        return routes;
    }

    /** Subscriptions of connected clients. */
    public long subscriptionCount() {
        return Math.max(0, subscriptions.get());
    }

    /** Entries in the table (about one per client). */
    public int size() {
        return entries.size();
    }
}
