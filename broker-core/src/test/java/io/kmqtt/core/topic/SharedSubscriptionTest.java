package io.kmqtt.core.topic;

import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.routing.SharedStrategy;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class SharedSubscriptionTest {

    @Test
    void parsesShareAndQueueForms() {
        assertThat(SharedSubscription.parse("$share/g1/a/+/c")).isEqualTo(new SharedSubscription("g1", "a/+/c"));
        assertThat(SharedSubscription.parse("$queue/a/#")).isEqualTo(new SharedSubscription("$queue", "a/#"));
        assertThat(SharedSubscription.parse("$share/g/#").fullFilter()).isEqualTo("$share/g/#");
        assertThat(SharedSubscription.parse("$queue/x").fullFilter()).isEqualTo("$queue/x");
        assertThat(SharedSubscription.parse("a/b")).isNull();
    }

    @Test
    void rejectsMalformedShares() {
        assertThat(SharedSubscription.parse("$share/g")).isNull();       // no filter (MQTT-4.8.2-2)
        assertThat(SharedSubscription.parse("$share//a")).isNull();      // empty group
        assertThat(SharedSubscription.parse("$share/g+/a")).isNull();    // wildcard in the group (MQTT-4.8.2-1)
        assertThat(SharedSubscription.parse("$share/g/")).isNull();
        assertThat(SharedSubscription.parse("$queue/")).isNull();
    }

    @Test
    void routesLiveWhereTheInnerFilterWould() {
        assertThat(SharedSubscription.routingFilter("$share/g/a/b")).isEqualTo("a/b");
        assertThat(SharedSubscription.routingFilter("a/b")).isEqualTo("a/b");
    }

    @Test
    void strategiesPickWithinRangeAndHashesAreStable() {
        Envelope m = Envelope.of("t/1", new byte[0], 0, false, "publisher-7");
        Set<Integer> turns = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            turns.add(SharedStrategy.ROUND_ROBIN.pick(3, "$share/test-rr/x", m));
        }
        assertThat(turns).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(SharedStrategy.HASH_TOPIC.pick(5, "s", m)).isEqualTo(SharedStrategy.HASH_TOPIC.pick(5, "s", m));
        assertThat(SharedStrategy.HASH_CLIENTID.pick(5, "s", m)).isBetween(0, 4);
        assertThat(SharedStrategy.RANDOM.pick(1, "s", m)).isZero();
        assertThat(SharedStrategy.parse("hash-topic")).isEqualTo(SharedStrategy.HASH_TOPIC);
    }
}
