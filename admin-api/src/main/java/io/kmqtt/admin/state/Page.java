package io.kmqtt.admin.state;

import java.util.List;

/**
 * One page of a listing, as EMQX's API gives it: {@code data}, and {@code meta} with the page
 * number, the page size, the total number of matches and whether a next page exists.
 */
public record Page<T>(List<T> data, Meta meta) {

    public record Meta(int page, int limit, long count, boolean hasnext) {
    }

    /** Cuts one page out of a stream of matches: skips what earlier pages hold, counts the rest. */
    public static final class Builder<T> {
        private final int page;
        private final int limit;
        private final long skip;
        private final List<T> data = new java.util.ArrayList<>();
        private long count;

        public Builder(int page, int limit) {
            this.page = page;
            this.limit = limit;
            this.skip = (long) (page - 1) * limit;
        }

        public void offer(T item) {
            if (count >= skip && data.size() < limit) {
                data.add(item);
            }
            count++;
        }

        public Page<T> build() {
            return new Page<>(data, new Meta(page, limit, count, skip + data.size() < count));
        }
    }
}
