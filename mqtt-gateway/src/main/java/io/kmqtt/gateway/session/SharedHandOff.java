package io.kmqtt.gateway.session;

import io.kmqtt.core.bus.Delivery;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.routing.SharedStrategy;
import io.kmqtt.core.topic.SharedSubscription;
import io.kmqtt.gateway.GatewayMetrics;
import io.kmqtt.gateway.config.GatewayConfig;
import io.kmqtt.gateway.delivery.OutboundWindow;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Gives the messages a leaving member of a shared subscription had not finished to another member
 * of its group (MQTT 5.0 section 4.8.2 allows either that or waiting for it): one here if there is
 * one, else through the router, which picks another gateway of the group. Nothing it was given is
 * lost because it left; a QoS 1 message it had received but not acknowledged may reach the group
 * twice.
 */
@ApplicationScoped
public class SharedHandOff {

    private static final Logger LOG = Logger.getLogger(SharedHandOff.class);

    private final LocalSubscriptions subscriptions;
    private final MessageBus bus;
    private final SharedStrategy strategy;
    private final GatewayMetrics metrics;

    @Inject
    public SharedHandOff(LocalSubscriptions subscriptions, MessageBus bus, GatewayConfig config, GatewayMetrics metrics) {
        this.subscriptions = subscriptions;
        this.bus = bus;
        this.strategy = config.sharedSubscriptionStrategy();
        this.metrics = metrics;
    }

    /** Call after the leaving session is closed and out of its groups. */
    public void handOff(String leavingClientId, List<OutboundWindow.Unfinished> unfinished) {
        for (OutboundWindow.Unfinished u : unfinished) {
            Envelope message = u.message();
            SharedSubscription share = SharedSubscription.parse(u.share());
            LocalSubscriptions.Member member = subscriptions.pickShared(u.share(), message, strategy);
            if (member != null) {
                // Queued whatever the member's queue holds: these are few, and already acknowledged to their publishers.
                member.session().outbound().offer(member.outbound(new Delivery(message, -1, share.group(), share.filter())));
                continue;
            }
            bus.publishToShare(share.group(), share.filter(), message).whenComplete((ok, error) -> {
                if (error != null) {
                    metrics.dropped(GatewayMetrics.DropReason.BUS_UNAVAILABLE, 1);
                    LOG.warnf("a message of shared subscription '%s' that '%s' left unfinished is lost: %s", u.share(),
                            leavingClientId, error.getMessage());
                }
            });
        }
        if (!unfinished.isEmpty()) {
            LOG.debugf("client '%s' left %d shared-subscription messages unfinished; handed to other members",
                    leavingClientId, unfinished.size());
        }
    }
}
