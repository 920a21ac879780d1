package io.kmqtt.gateway.cluster;

import io.kmqtt.bus.NodeStatusReporter;
import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.PublishProperties;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.NodeRecord;
import io.kmqtt.core.state.TableMirror;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code $SYS} topics, published as retained QoS 0 messages through the bus like any message:
 * <ul>
 *   <li>{@code $SYS/brokers/<gateway id>/...} by every gateway: uptime, connected clients, messages
 *       and bytes received and sent, messages dropped, subscription filters;</li>
 *   <li>{@code $SYS/cluster/...} by the live gateway with the lowest id: the sums over every live
 *       gateway (from the nodes table), and the numbers of gateways and routers.</li>
 * </ul>
 * Filters starting with a wildcard never match them (MQTT-4.7.2-1); clients may not publish there.
 */
@ApplicationScoped
public class SysTopics {

    private static final Logger LOG = Logger.getLogger(SysTopics.class);

    /** $SYS path → stat name in the nodes table (see MqttListener's NODE_STATS). */
    static final Map<String, String> PATHS = paths();

    private final MessageBus bus;
    private final GatewayRef self;
    private final TableMirror<NodeRecord> mirror = new TableMirror<>(new ConcurrentHashMap<>(), NodeRecord::decode, "node status");
    private final Map<String, NodeRecord> nodes = mirror.entries();
    private MessageBus.Registration following;
    private long liveWithinMillis;
    private boolean warned;

    @Inject
    public SysTopics(MessageBus bus, GatewayRef self) {
        this.bus = bus;
        this.self = self;
    }

    private static Map<String, String> paths() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("clients/connected", "connections");
        p.put("clients/connects", "connects");
        p.put("messages/received", "messages_in");
        p.put("messages/sent", "messages_out");
        p.put("messages/dropped", "messages_dropped");
        p.put("bytes/received", "bytes_in");
        p.put("bytes/sent", "bytes_out");
        p.put("subscriptions/filters", "filters");
        return p;
    }

    /** Follows the nodes table (for the cluster sums). Call at start-up. */
    public void start(long statsIntervalMillis) {
        liveWithinMillis = 3 * statsIntervalMillis;
        following = bus.table(ClusterTable.NODES).follow(mirror);
    }

    public void stop() {
        if (following != null) {
            following.close();
        }
    }

    /** Publishes this gateway's figures, and the cluster's if this gateway is the one that does. */
    public void publish(NodeStatusReporter status) {
        long now = System.currentTimeMillis();
        String base = "$SYS/brokers/" + self.id() + "/";
        Map<String, Long> mine = status.snapshot();
        send(base + "uptime", (now - status.startedAtMillis()) / 1000, now);
        PATHS.forEach((path, stat) -> send(base + path, mine.getOrDefault(stat, 0L), now));
        if (isClusterPublisher(now)) {
            publishCluster(now);
        }
    }

    private boolean isClusterPublisher(long now) {
        for (NodeRecord n : nodes.values()) {
            if (n.kind().equals("gateway") && live(n, now) && n.id().compareTo(self.id()) < 0) {
                return false;
            }
        }
        return true;
    }

    private void publishCluster(long now) {
        Map<String, Long> sums = new LinkedHashMap<>();
        long gateways = 0;
        long routers = 0;
        for (NodeRecord n : nodes.values()) {
            if (!live(n, now)) {
                continue;
            }
            if (n.kind().equals("gateway")) {
                gateways++;
                PATHS.values().forEach(stat -> sums.merge(stat, n.stat(stat), Long::sum));
            } else {
                routers++;
            }
        }
        PATHS.forEach((path, stat) -> send("$SYS/cluster/" + path, sums.getOrDefault(stat, 0L), now));
        send("$SYS/cluster/gateways", gateways, now);
        send("$SYS/cluster/routers", routers, now);
    }

    private boolean live(NodeRecord n, long now) {
        return !n.leaving() && now - n.updatedAtMillis() < liveWithinMillis;
    }

    private void send(String topic, long value, long now) {
        Envelope message = new Envelope(topic, Long.toString(value).getBytes(StandardCharsets.US_ASCII), 0, true, "",
                self.id(), now, 0, PublishProperties.NONE);
        bus.publish(message).whenComplete((ok, error) -> {
            if (error != null && !warned) {
                warned = true;
                LOG.warnf("$SYS topics not published: %s", error.getMessage());
            } else if (error == null) {
                warned = false;
            }
        });
    }
}
