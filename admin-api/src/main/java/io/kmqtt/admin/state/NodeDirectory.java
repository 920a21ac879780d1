package io.kmqtt.admin.state;

import io.kmqtt.core.state.NodeRecord;
import io.kmqtt.core.state.TableListener;
import org.jboss.logging.Logger;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every gateway and router, from the nodes table: the latest record of each, and the one before it
 * for rates.
 */
public final class NodeDirectory implements TableListener {

    private static final Logger LOG = Logger.getLogger(NodeDirectory.class);

    /** The latest and the previous status of one node. */
    public record Status(NodeRecord latest, NodeRecord previous) {
        /** Per-second rate of a counter between the two records; 0 before there are two. */
        public double rate(String stat) {
            if (previous == null || !previous.incarnation().equals(latest.incarnation())) {
                return 0;
            }
            long millis = latest.updatedAtMillis() - previous.updatedAtMillis();
            return millis <= 0 ? 0 : Math.max(0, latest.stat(stat) - previous.stat(stat)) * 1000.0 / millis;
        }
    }

    private final Map<String, Status> nodes = new ConcurrentHashMap<>();
    private final long expiryMillis;
    private volatile boolean caughtUp;

    public NodeDirectory(long expiryMillis) {
        this.expiryMillis = expiryMillis;
    }

    @Override
    public void onPut(String key, byte[] value) {
        try {
            NodeRecord record = NodeRecord.decode(value);
            nodes.compute(key, (k, old) -> new Status(record, old == null ? null : old.latest()));
        } catch (IllegalArgumentException e) {
            LOG.warnf("node status '%s' skipped: %s", key, e.getMessage());
        }
    }

    @Override
    public void onRemove(String key) {
        nodes.remove(key);
    }

    @Override
    public void onCaughtUp() {
        caughtUp = true;
    }

    public boolean caughtUp() {
        return caughtUp;
    }

    public Collection<Status> all() {
        return List.copyOf(nodes.values());
    }

    public Optional<Status> find(String kind, String id) {
        return Optional.ofNullable(nodes.get(NodeRecord.key(kind, id)));
    }

    public boolean isLive(NodeRecord node, long now) {
        return !node.leaving() && now - node.updatedAtMillis() < expiryMillis;
    }

    /** Whether this run (incarnation) of this gateway is alive. */
    public boolean gatewayLive(String gatewayId, String incarnation, long now) {
        Status s = nodes.get(NodeRecord.key("gateway", gatewayId));
        return s != null && s.latest().incarnation().equals(incarnation) && isLive(s.latest(), now);
    }

    /**
     * Whether this run of this gateway is certainly gone: another run replaced it, or it left or
     * fell silent. A gateway never heard of is not known to be dead.
     */
    public boolean gatewayDead(String gatewayId, String incarnation, long now) {
        Status s = nodes.get(NodeRecord.key("gateway", gatewayId));
        return s != null && (!s.latest().incarnation().equals(incarnation) || !isLive(s.latest(), now));
    }
}
