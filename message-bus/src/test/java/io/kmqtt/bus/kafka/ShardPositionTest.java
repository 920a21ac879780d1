package io.kmqtt.bus.kafka;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ShardPositionTest {

    @Test
    void encodesShardAndOffset() {
        byte[] b = ShardPosition.encode(11, 1L << 40 | 7);
        assertThat(ShardPosition.shard(b)).isEqualTo(11);
        assertThat(ShardPosition.offset(b)).isEqualTo(1L << 40 | 7);
    }

    @Test
    void aShardsOffsetsMayOnlyGrow() {
        ShardPosition seen = new ShardPosition();
        assertThat(seen.advance(3, 0)).isTrue();
        assertThat(seen.advance(3, 1)).isTrue();
        assertThat(seen.advance(0, 1)).as("another shard has its own offsets").isTrue();
        assertThat(seen.advance(3, 1)).as("a copy").isFalse();
        assertThat(seen.advance(3, 0)).as("an older copy").isFalse();
        assertThat(seen.advance(3, 5)).as("a gap is not a copy").isTrue();
        assertThat(seen.advance(100, 0)).isTrue();
    }

    @Test
    void refusesAMalformedPosition() {
        assertThatThrownBy(() -> ShardPosition.shard(new byte[3])).isInstanceOf(IllegalArgumentException.class);
    }
}
