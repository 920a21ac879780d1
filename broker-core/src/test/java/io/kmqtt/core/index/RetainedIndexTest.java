package io.kmqtt.core.index;

import io.kmqtt.core.topic.SubscriptionOptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RetainedIndexTest {

    private final RetainedIndex<String> index = new RetainedIndex<>();

    private List<String> match(String filter) {
        List<String> out = new ArrayList<>();
        index.match(filter, out::add);
        out.sort(null);
        return out;
    }

    private void retain(String... topics) {
        for (String t : topics) {
            index.put(t, t);
        }
    }

    @Test
    void exactFiltersFindOnlyTheirTopic() {
        retain("a/b", "a/b/c", "a");
        assertThat(match("a/b")).containsExactly("a/b");
        assertThat(match("a/x")).isEmpty();
    }

    @Test
    void plusMatchesExactlyOneLevelIncludingAnEmptyOne() {
        retain("a/b/c", "a/x/c", "a/b/d", "a//c", "a/b");
        assertThat(match("a/+/c")).containsExactly("a//c", "a/b/c", "a/x/c");
        assertThat(match("+/+")).containsExactly("a/b");
    }

    @Test
    void hashMatchesTheParentAndEverythingBelow() {
        retain("a", "a/b", "a/b/c", "b");
        assertThat(match("a/#")).containsExactly("a", "a/b", "a/b/c");
        assertThat(match("#")).containsExactly("a", "a/b", "a/b/c", "b");
    }

    @Test
    void wildcardsAtTheFirstLevelSkipDollarTopics() {
        retain("$SYS/uptime", "a/b");
        assertThat(match("#")).containsExactly("a/b");
        assertThat(match("+/uptime")).isEmpty();
        assertThat(match("$SYS/#")).containsExactly("$SYS/uptime");
        assertThat(match("$SYS/+")).containsExactly("$SYS/uptime");
    }

    @Test
    void replacingAndRemovingKeepTheSizeAndPruneEmptyBranches() {
        retain("a/b/c", "a/b");
        index.put("a/b", "new");
        assertThat(index.size()).isEqualTo(2);
        assertThat(index.get("a/b")).isEqualTo("new");
        index.remove("a/b/c");
        index.remove("a/b/c");
        index.remove("never/there");
        assertThat(index.size()).isEqualTo(1);
        assertThat(match("#")).containsExactly("new");
        index.remove("a/b");
        assertThat(index.size()).isZero();
        assertThat(match("#")).isEmpty();
    }

    @Test
    void subscriptionOptionsPackAndMergeAsMqtt5Says() {
        int o = SubscriptionOptions.of(1, true, true, SubscriptionOptions.DO_NOT_SEND_RETAINED);
        assertThat(o).isEqualTo(0b10_1_1_01);
        assertThat(SubscriptionOptions.qos(o)).isEqualTo(1);
        assertThat(SubscriptionOptions.noLocal(o)).isTrue();
        assertThat(SubscriptionOptions.retainAsPublished(o)).isTrue();
        assertThat(SubscriptionOptions.retainHandling(o)).isEqualTo(2);
        int merged = SubscriptionOptions.merge(SubscriptionOptions.of(2, false, false, 0), SubscriptionOptions.of(0, false, true, 0));
        assertThat(SubscriptionOptions.qos(merged)).isEqualTo(2);
        assertThat(SubscriptionOptions.retainAsPublished(merged)).isTrue();
    }
}
