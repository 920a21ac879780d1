package io.kmqtt.gateway.session;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

class SubscriptionMapsTest {

    @Test
    void aFewEntriesAreImmutableCopiesAndTheOriginalNeverChanges() {
        Map<String, Integer> one = SubscriptionMaps.with(null, "a/b", 1);
        Map<String, Integer> two = SubscriptionMaps.with(one, "c/#", 2);
        Map<String, Integer> replaced = SubscriptionMaps.with(two, "a/b", 0);

        assertThat(one).containsExactly(Map.entry("a/b", 1));
        assertThat(two).containsOnly(Map.entry("a/b", 1), Map.entry("c/#", 2));
        assertThat(replaced).containsOnly(Map.entry("a/b", 0), Map.entry("c/#", 2));
        assertThat(replaced).isNotInstanceOf(ConcurrentHashMap.class);

        Map<String, Integer> removed = SubscriptionMaps.without(replaced, "c/#");
        assertThat(removed).containsExactly(Map.entry("a/b", 0));
        assertThat(replaced).hasSize(2);
        assertThat(SubscriptionMaps.without(removed, "a/b")).as("the last one removed").isNull();
        assertThat(SubscriptionMaps.without(removed, "x")).as("absent: unchanged").isSameAs(removed);
        assertThat(SubscriptionMaps.without(null, "x")).isNull();
    }

    @Test
    void pastTheSmallSizeOneMapChangesInPlace() {
        Map<String, Integer> map = null;
        for (int i = 0; i < SubscriptionMaps.SMALL; i++) {
            map = SubscriptionMaps.with(map, "f/" + i, i % 3);
        }
        assertThat(map).hasSize(SubscriptionMaps.SMALL).isNotInstanceOf(ConcurrentHashMap.class);
        assertThat(SubscriptionMaps.with(map, "f/0", 2)).as("a replacement does not grow it")
                .isNotInstanceOf(ConcurrentHashMap.class);

        Map<String, Integer> large = SubscriptionMaps.with(map, "f/new", 1);
        assertThat(large).isInstanceOf(ConcurrentHashMap.class).hasSize(SubscriptionMaps.SMALL + 1).containsEntry("f/new", 1);
        assertThat(SubscriptionMaps.with(large, "f/more", 0)).isSameAs(large);
        assertThat(SubscriptionMaps.without(large, "f/0")).isSameAs(large);
        assertThat(large).hasSize(SubscriptionMaps.SMALL + 1).doesNotContainKey("f/0").containsKey("f/more");
    }
}
