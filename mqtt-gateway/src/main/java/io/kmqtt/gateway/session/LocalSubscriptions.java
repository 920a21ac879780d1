package io.kmqtt.gateway.session;

import io.kmqtt.core.bus.Delivery;
import io.kmqtt.core.bus.GatewayRef;
import io.kmqtt.core.bus.MessageBus;
import io.kmqtt.core.bus.RouteChange;
import io.kmqtt.core.index.SubscriptionIndex;
import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.routing.SharedStrategy;
import io.kmqtt.core.topic.MatchedSubscriptions;
import io.kmqtt.core.topic.SharedSubscription;
import io.kmqtt.core.topic.SubscriptionOptions;
import io.kmqtt.gateway.delivery.Outbound;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * This gateway's subscriptions: filter to local sessions, and the routes they imply.
 *
 * <p>Routes are reference-counted: the first local subscriber of a filter announces the route, the
 * last one to leave withdraws it. The index change and the announcement happen under one lock per
 * filter stripe, so announcements for a filter reach the bus in the order the index changed: an
 * unsubscribe racing a subscribe on another event loop cannot leave the route withdrawn while a
 * subscriber remains. Announcing never blocks, so holding the lock across it is cheap.
 */
@ApplicationScoped
public class LocalSubscriptions {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private static final int STRIPES = 64;

    /** Values: {@link SubscriptionOptions#withIdentifier} (options and Subscription Identifier). */
    private final SubscriptionIndex<ClientSession, Long> index = new SubscriptionIndex<>();
    /** Members here of each shared subscription, by its full filter ($share/g/f or $queue/f). */
    private final Map<String, CopyOnWriteArrayList<ClientSession>> sharedMembers = new ConcurrentHashMap<>();
    private final Object[] stripes = new Object[STRIPES];
    private final MessageBus bus;
    private final GatewayRef self;

    @Inject
    public LocalSubscriptions(MessageBus bus, GatewayRef self) {
        this.bus = bus;
        this.self = self;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
    }

    /**
     * Subscribes, or replaces the session's subscription to the filter; the stage completes when the
     * route (if this is the first subscriber here) is durable.
     *
     * @param options the subscription options ({@link io.kmqtt.core.topic.SubscriptionOptions}); a plain QoS is valid
     */
    public CompletionStage<Void> subscribe(ClientSession session, String filter, int options) {
        return subscribe(session, filter, options, 0);
    }

    /**
     * Subscribes with an MQTT 5 Subscription Identifier (0 for none), which messages matching this
     * subscription carry to the client.
     */
    public CompletionStage<Void> subscribe(ClientSession session, String filter, int options, int subscriptionId) {
        session.putSubscription(filter, options, subscriptionId);
        if (SharedSubscription.isShared(filter)) {
            synchronized (stripe(filter)) {
                CopyOnWriteArrayList<ClientSession> members = sharedMembers.computeIfAbsent(filter, f -> new CopyOnWriteArrayList<>());
                boolean first = members.isEmpty();
                members.addIfAbsent(session);
                return first ? routeAdded(filter) : DONE;
            }
        }
        synchronized (stripe(filter)) {
            boolean first = index.add(filter, session, SubscriptionOptions.withIdentifier(options, subscriptionId));
            return first ? routeAdded(filter) : DONE;
        }
    }

    /** Unsubscribes; returns null if the session was not subscribed to the filter. */
    public CompletionStage<Void> unsubscribe(ClientSession session, String filter) {
        if (!session.removeSubscription(filter)) {
            return null;
        }
        if (SharedSubscription.isShared(filter)) {
            synchronized (stripe(filter)) {
                List<ClientSession> members = sharedMembers.get(filter);
                if (members == null || !members.remove(session) || !members.isEmpty()) {
                    return DONE;
                }
                sharedMembers.remove(filter);
                return routeRemoved(filter);
            }
        }
        synchronized (stripe(filter)) {
            boolean last = index.remove(filter, session);
            return last ? routeRemoved(filter) : DONE;
        }
    }

    /**
     * Takes a disconnected session out of the groups of its shared subscriptions, keeping the
     * subscriptions themselves (a parked session gets no shared messages; its resumption joins again).
     */
    public CompletionStage<Void> leaveSharedGroups(ClientSession session) {
        List<CompletableFuture<Void>> withdrawals = new java.util.ArrayList<>();
        for (String filter : List.copyOf(session.subscriptions().keySet())) {
            if (!SharedSubscription.isShared(filter)) {
                continue;
            }
            synchronized (stripe(filter)) {
                List<ClientSession> members = sharedMembers.get(filter);
                if (members == null || !members.remove(session) || !members.isEmpty()) {
                    continue;
                }
                sharedMembers.remove(filter);
                withdrawals.add(routeRemoved(filter).toCompletableFuture());
            }
        }
        return CompletableFuture.allOf(withdrawals.toArray(CompletableFuture[]::new));
    }

    private CompletionStage<Void> routeAdded(String filter) {
        return bus.announceRoute(RouteChange.add(self, filter));
    }

    private CompletionStage<Void> routeRemoved(String filter) {
        return bus.announceRoute(RouteChange.remove(self, filter));
    }

    /**
     * Announces every route of this gateway again. A router that heard nothing from this gateway for
     * its gateway expiry (this process was paused, or cut off from the bus) removed them; announcing
     * a route that exists changes nothing.
     *
     * @return the number of routes announced
     */
    public int renewRoutes() {
        List<String> filters = new java.util.ArrayList<>(sharedMembers.keySet());
        index.forEachFilter(filters::add);
        int renewed = 0;
        for (String filter : filters) {
            synchronized (stripe(filter)) {
                // Still routed: a withdrawal since the snapshot was announced under this lock, and must stay last.
                boolean routed = SharedSubscription.isShared(filter) ? sharedMembers.containsKey(filter)
                        : index.subscriberCount(filter) > 0;
                if (routed) {
                    bus.announceRoute(RouteChange.add(self, filter));
                    renewed++;
                }
            }
        }
        return renewed;
    }

    /** Removes every subscription of a session that is going away. */
    public CompletionStage<Void> unsubscribeAll(ClientSession session) {
        List<CompletableFuture<Void>> withdrawals = new java.util.ArrayList<>();
        for (String filter : List.copyOf(session.subscriptions().keySet())) {
            CompletionStage<Void> w = unsubscribe(session, filter);
            if (w != null) {
                withdrawals.add(w.toCompletableFuture());
            }
        }
        return CompletableFuture.allOf(withdrawals.toArray(CompletableFuture[]::new));
    }

    /**
     * Calls sink for every (session, subscription) whose filter matches the topic; the subscription
     * is its options and identifier ({@link SubscriptionOptions#withIdentifier}).
     */
    public void match(String topic, BiConsumer<ClientSession, Long> sink) {
        index.match(topic, sink);
    }

    /** A member of a shared subscription picked for one message, with its subscription's options and identifier. */
    public record Member(ClientSession session, int options, int subscriptionId) {

        /** The delivery as this member gets it: at its subscription's QoS, marked shared so that it moves on if the member leaves. */
        public Outbound outbound(Delivery d) {
            MatchedSubscriptions match = new MatchedSubscriptions().add(options, subscriptionId);
            Envelope m = d.message();
            return new Outbound(m, match.qos(m.qos()), match.retain(m.retain()), match.subscriptionIds(),
                    new SharedSubscription(d.group(), d.filter()).fullFilter(), d.channelOffset());
        }
    }

    /**
     * Picks the open member here of the shared subscription ({@code fullFilter}) that gets the
     * message: by the strategy among the members with room in their queues, or among all of them if
     * none has room. Null if no member is left here.
     */
    public Member pickShared(String fullFilter, Envelope message, SharedStrategy strategy) {
        List<ClientSession> members = sharedMembers.get(fullFilter);
        if (members == null) {
            return null;
        }
        for (int attempt = 0; attempt < 3; attempt++) {
            List<ClientSession> open = new java.util.ArrayList<>(members.size());
            List<ClientSession> withRoom = new java.util.ArrayList<>(members.size());
            for (ClientSession m : members) {
                if (!m.isClosed()) {
                    open.add(m);
                    if (m.outbound().canTakeNow()) {
                        withRoom.add(m);
                    }
                }
            }
            if (open.isEmpty()) {
                return null;
            }
            List<ClientSession> candidates = withRoom.isEmpty() ? open : withRoom;
            ClientSession member = candidates.get(strategy.pick(candidates.size(), fullFilter, message));
            Integer options = member.subscriptions().get(fullFilter);
            if (options != null && !member.isClosed()) {
                Integer id = member.subscriptionIds().get(fullFilter);
                return new Member(member, options, id == null ? 0 : id);
            }
        }
        return null;
    }

    public int filterCount() {
        return index.filterCount();
    }

    private Object stripe(String filter) {
        return stripes[(filter.hashCode() & 0x7fffffff) % STRIPES];
    }
}
