package io.kmqtt.gateway.cluster;

import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.index.RetainedIndex;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.EnvelopeCodec;
import io.kmqtt.core.state.ClusterTable;
import io.kmqtt.core.state.TableListener;
import io.kmqtt.gateway.delivery.Outbound;
import io.kmqtt.gateway.session.ClientSession;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Every retained message of the cluster, followed from the retained table (which the routers
 * write), so that a SUBSCRIBE is answered here whatever shards its filter's topics live in. Memory:
 * each gateway holds every retained message, as EMQX nodes do.
 */
@ApplicationScoped
public class RetainedMessages implements TableListener {

    private static final Logger LOG = Logger.getLogger(RetainedMessages.class);

    private final MessageBus bus;
    private final RetainedIndex<Envelope> index = new RetainedIndex<>();
    private MessageBus.Registration following;

    @Inject
    public RetainedMessages(MessageBus bus) {
        this.bus = bus;
    }

    /** Starts following the retained table. Call at start-up. */
    public void start() {
        following = bus.table(ClusterTable.RETAINED).follow(this);
    }

    public void stop() {
        if (following != null) {
            following.close();
        }
    }

    /**
     * Queues to the session, RETAIN flag set, every unexpired retained message the filter matches,
     * at min(message QoS, granted QoS). Wildcards do not match {@code $} topics at the first level.
     */
    public void sendMatching(ClientSession session, String filter, int grantedQos, int subscriptionId) {
        long now = System.currentTimeMillis();
        int[] ids = subscriptionId == 0 ? new int[0] : new int[] {subscriptionId};
        index.match(filter, message -> {
            if (!message.isExpired(now)) {
                session.outbound().offer(new Outbound(message, Math.min(message.qos(), grantedQos), true, ids));
            }
        });
    }

    public int size() {
        return index.size();
    }

    @Override
    public void onPut(String topic, byte[] value) {
        try {
            index.put(topic, EnvelopeCodec.decode(value));
        } catch (IllegalArgumentException e) {
            LOG.warnf("retained message of '%s' skipped: %s", topic, e.getMessage());
        }
    }

    @Override
    public void onRemove(String topic) {
        index.remove(topic);
    }
}
