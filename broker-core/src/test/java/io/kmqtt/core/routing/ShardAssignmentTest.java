package io.kmqtt.core.routing;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class ShardAssignmentTest {

    @Test
    void everyShardHasOneOwnerAndTheSplitIsEven() {
        for (int routers = 1; routers <= 7; routers++) {
            List<String> ids = java.util.stream.IntStream.rangeClosed(1, routers).mapToObj(i -> "router-" + i).toList();
            String[] owners = ShardAssignment.assign(ids, 12);
            Map<String, Long> load = Arrays.stream(owners).collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            assertThat(owners).doesNotContainNull();
            long cap = (12 + routers - 1) / routers;
            assertThat(load.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(cap));
        }
    }

    @Test
    void everyRouterComputesTheSameAssignmentWhateverTheOrderItKnowsTheRoutersIn() {
        String[] a = ShardAssignment.assign(List.of("r-1", "r-2", "r-3"), 12);
        String[] b = ShardAssignment.assign(List.of("r-3", "r-1", "r-2"), 12);
        assertThat(a).containsExactly(b);
    }

    @Test
    void aRouterJoiningMovesOnlyShardsToItself() {
        String[] before = ShardAssignment.assign(List.of("router-a", "router-b"), 12);
        String[] after = ShardAssignment.assign(List.of("router-a", "router-b", "router-c"), 12);
        int moved = 0;
        for (int shard = 0; shard < 12; shard++) {
            if (!before[shard].equals(after[shard])) {
                moved++;
                assertThat(after[shard]).as("shard %d moved between the routers that stayed", shard).isEqualTo("router-c");
            }
        }
        assertThat(moved).isEqualTo(4);
    }

    @Test
    void noRouterNoOwner() {
        assertThat(ShardAssignment.assign(List.of(), 3)).containsExactly(null, null, null);
    }
}
