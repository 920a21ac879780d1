package io.kmqtt.admin.state;

import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class PageTest {

    private static Page<Integer> page(int items, int page, int limit) {
        Page.Builder<Integer> builder = new Page.Builder<>(page, limit);
        IntStream.range(0, items).forEach(builder::offer);
        return builder.build();
    }

    @Test
    void firstPageTakesTheFirstLimitItems() {
        Page<Integer> p = page(7, 1, 3);
        assertThat(p.data()).containsExactly(0, 1, 2);
        assertThat(p.meta()).isEqualTo(new Page.Meta(1, 3, 7, true));
    }

    @Test
    void middlePageSkipsEarlierPages() {
        Page<Integer> p = page(7, 2, 3);
        assertThat(p.data()).containsExactly(3, 4, 5);
        assertThat(p.meta().hasnext()).isTrue();
    }

    @Test
    void lastPartialPageHasNoNext() {
        Page<Integer> p = page(7, 3, 3);
        assertThat(p.data()).containsExactly(6);
        assertThat(p.meta()).isEqualTo(new Page.Meta(3, 3, 7, false));
    }

    @Test
    void lastPageOfAnExactMultipleHasNoNext() {
        Page<Integer> p = page(6, 2, 3);
        assertThat(p.data()).containsExactly(3, 4, 5);
        assertThat(p.meta()).isEqualTo(new Page.Meta(2, 3, 6, false));
    }

    @Test
    void fullPageBeforeAnExactMultipleHasNext() {
        assertThat(page(6, 1, 3).meta().hasnext()).isTrue();
    }

    @Test
    void emptyListingHasNoDataAndNoNext() {
        Page<Integer> p = page(0, 1, 10);
        assertThat(p.data()).isEmpty();
        assertThat(p.meta()).isEqualTo(new Page.Meta(1, 10, 0, false));
    }

    @Test
    void pagePastTheEndIsEmptyButStillCountsEveryMatch() {
        Page<Integer> p = page(5, 4, 2);
        assertThat(p.data()).isEmpty();
        assertThat(p.meta()).isEqualTo(new Page.Meta(4, 2, 5, false));
    }

    @Test
    void limitLargerThanTheListingTakesEverything() {
        Page<Integer> p = page(4, 1, 100);
        assertThat(p.data()).containsExactly(0, 1, 2, 3);
        assertThat(p.meta().hasnext()).isFalse();
    }
}
