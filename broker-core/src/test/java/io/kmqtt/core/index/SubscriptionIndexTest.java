package io.kmqtt.core.index;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class SubscriptionIndexTest {

    private final SubscriptionIndex<String, Integer> index = new SubscriptionIndex<>();

    private Map<String, Integer> match(String topic) {
        Map<String, Integer> out = new HashMap<>();
        index.match(topic, (k, v) -> out.merge(k, v, Integer::sum));
        return out;
    }

    @Test
    void everyFilterWithSubscribersIsListedOnce() {
        for (String filter : List.of("a/b", "a/+", "a/#", "#", "/x/", "+/+", "a/+/c")) {
            index.add(filter, "s1", 0);
            index.add(filter, "s2", 0);
        }
        index.add("gone/+", "s1", 0);
        index.remove("gone/+", "s1");
        index.remove("a/b", "s1"); // s2 remains
        List<String> filters = new ArrayList<>();
        index.forEachFilter(filters::add);
        assertThat(filters).containsExactlyInAnyOrder("a/b", "a/+", "a/#", "#", "/x/", "+/+", "a/+/c");
    }

    @Test
    void firstAndLastSubscriberAreReportedForRouteCounting() {
        for (String filter : List.of("a/b", "a/+")) {
            assertThat(index.add(filter, "s1", 0)).as("first on %s", filter).isTrue();
            assertThat(index.add(filter, "s2", 1)).as("second on %s", filter).isFalse();
            assertThat(index.add(filter, "s1", 2)).as("replacing s1 on %s", filter).isFalse();
            assertThat(index.remove(filter, "s1")).as("s2 remains on %s", filter).isFalse();
            assertThat(index.remove(filter, "s1")).as("s1 already gone from %s", filter).isFalse();
            assertThat(index.remove(filter, "s2")).as("last left %s", filter).isTrue();
            assertThat(index.remove(filter, "s2")).as("nothing left on %s", filter).isFalse();
        }
        assertThat(index.filterCount()).isZero();
    }

    @Test
    void replacingAValueKeepsOneEntry() {
        index.add("a/b", "s1", 0);
        index.add("a/b", "s1", 2);
        assertThat(index.subscriberCount("a/b")).isEqualTo(1);
        assertThat(match("a/b")).containsExactly(Map.entry("s1", 2));
    }

    @Test
    void exactAndWildcardSubscriptionsAreMatchedTogether() {
        index.add("home/kitchen/temp", "exact", 1);
        index.add("home/+/temp", "plus", 1);
        index.add("home/#", "hash", 1);
        index.add("#", "all", 1);
        index.add("office/#", "other", 1);

        assertThat(match("home/kitchen/temp")).containsOnlyKeys("exact", "plus", "hash", "all");
        assertThat(match("home")).containsOnlyKeys("hash", "all");
        assertThat(match("office")).containsOnlyKeys("other", "all");
        assertThat(match("$SYS/x")).isEmpty();
    }

    @Test
    void aKeyMatchingThroughSeveralFiltersIsReportedOncePerFilter() {
        index.add("a/b", "s", 1);
        index.add("a/+", "s", 2);
        index.add("a/#", "s", 0);
        List<Integer> qos = new ArrayList<>();
        index.match("a/b", (k, v) -> qos.add(v));
        assertThat(qos).containsExactlyInAnyOrder(1, 2, 0);
    }

    @Test
    void emptyTrieNodesArePruned() {
        index.add("a/+/c/#", "s", 0);
        index.add("a/+/d", "s", 0);
        index.remove("a/+/c/#", "s");
        index.remove("a/+/d", "s");
        assertThat(index.filterCount()).isZero();
        assertThat(match("a/x/c/y")).isEmpty();
        // re-adding after pruning works
        index.add("a/+/c/#", "s", 1);
        assertThat(match("a/x/c")).containsOnlyKeys("s");
    }

    @Test
    void concurrentWritersAndReadersLeaveAConsistentIndex() throws Exception {
        int threads = 4;
        int perThread = 5_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String client = "c" + t;
            futures.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    String filter = (i % 2 == 0) ? "t/" + (i % 50) : "t/+/" + (i % 50);
                    index.add(filter, client, 1);
                    if (i % 3 == 0) {
                        index.remove(filter, client);
                    }
                }
                return null;
            }));
        }
        futures.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < perThread; i++) {
                index.match("t/" + (i % 50), (k, v) -> { });
                index.match("t/x/" + (i % 50), (k, v) -> { });
            }
            return null;
        }));
        start.countDown();
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        // Each client's last operation on each filter decides whether it is subscribed.
        for (int f = 0; f < 50; f++) {
            for (String filter : List.of("t/" + f, "t/+/" + f)) {
                int lastI = -1;
                for (int i = 0; i < perThread; i++) {
                    String current = (i % 2 == 0) ? "t/" + (i % 50) : "t/+/" + (i % 50);
                    if (current.equals(filter)) {
                        lastI = i;
                    }
                }
                int expected = lastI >= 0 && lastI % 3 != 0 ? threads : 0;
                assertThat(index.subscriberCount(filter)).as(filter).isEqualTo(expected);
            }
        }
    }
}
