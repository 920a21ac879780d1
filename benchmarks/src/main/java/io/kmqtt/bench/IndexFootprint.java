package io.kmqtt.bench;

import io.kmqtt.core.index.SubscriptionIndex;

/**
 * Prints the retained heap per filter of a subscription index shaped like the seed workload.
 * Run: java -Xmx4g -cp benchmarks/target/benchmarks.jar io.kmqtt.bench.IndexFootprint
 */
public final class IndexFootprint {

    public static void main(String[] args) {
        int exact = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int wildcard = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        long base = usedAfterGc();
        SubscriptionIndex<String, Integer> exactOnly = SeedTopics.build(exact, 0);
        long withExact = usedAfterGc();
        SubscriptionIndex<String, Integer> wildcardOnly = SeedTopics.build(0, wildcard);
        long withWildcards = usedAfterGc();
        System.out.printf("exact filters:    %,d  -> %,d bytes per filter (keys and topic strings included)%n",
                exactOnly.filterCount(), (withExact - base) / exact);
        System.out.printf("wildcard filters: %,d  -> %,d bytes per filter%n",
                wildcardOnly.filterCount(), (withWildcards - withExact) / wildcard);
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
