package io.kmqtt.gateway.session;

import io.kmqtt.core.auth.Permissions;
import io.vertx.mqtt.MqttEndpoint;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The subscription maps an idle connection holds only once it subscribes. */
class ClientSessionTest {

    /** An endpoint that answers nothing: the session reads only its remote address at creation. */
    private static final MqttEndpoint ENDPOINT = (MqttEndpoint) Proxy.newProxyInstance(ClientSessionTest.class.getClassLoader(),
            new Class<?>[]{MqttEndpoint.class}, (proxy, method, args) -> null);

    private final ClientSession session = new ClientSession("c1", "u1", ENDPOINT, null,
            Permissions.resolve(true, List.of(), "u1", "c1", false), null);

    @Test
    void aSessionWithoutSubscriptionsHoldsNoMaps() {
        assertThat(session.subscriptions()).isSameAs(Map.of());
        assertThat(session.subscriptionIds()).isSameAs(Map.of());
        assertThat(session.removeSubscription("a/b")).isFalse();
    }

    @Test
    void subscriptionIdentifiersAreKeptOnlyForSubscriptionsThatHaveOne() {
        session.putSubscription("a/b", 1, 0);
        assertThat(session.subscriptions()).containsExactly(Map.entry("a/b", 1));
        assertThat(session.subscriptionIds()).isSameAs(Map.of());

        session.putSubscription("a/+", 2, 7);
        assertThat(session.subscriptionIds()).containsExactly(Map.entry("a/+", 7));

        session.putSubscription("a/+", 2, 0); // re-subscribed without an identifier: the old one goes
        assertThat(session.subscriptions()).containsOnly(Map.entry("a/b", 1), Map.entry("a/+", 2));
        assertThat(session.subscriptionIds()).isEmpty();
    }

    @Test
    void unsubscribingRemovesTheFilterAndItsIdentifier() {
        session.putSubscription("a/b", 1, 3);

        assertThat(session.removeSubscription("a/b")).isTrue();
        assertThat(session.removeSubscription("a/b")).isFalse();
        assertThat(session.subscriptions()).isEmpty();
        assertThat(session.subscriptionIds()).isEmpty();
    }
}
