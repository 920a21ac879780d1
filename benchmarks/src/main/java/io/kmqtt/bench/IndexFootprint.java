package io.kmqtt.bench;

import io.kmqtt.core.index.SubscriptionIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * Prints the retained heap per filter of a subscription index shaped like the seed workload.
 * Run: java -Xmx4g -cp benchmarks/target/benchmarks.jar io.kmqtt.bench.IndexFootprint
 */
@Command(name = "IndexFootprint", showDefaultValues = true,
        description = "Retained heap per filter of a subscription index shaped like the seed workload "
                + "(topic/device_user<i>/t_<k> exact filters, +/# wildcard filters).",
        footer = "Example: java -Xmx4g -cp benchmarks/target/benchmarks.jar io.kmqtt.bench.IndexFootprint 1000000 10000")
public final class IndexFootprint implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Parameters(index = "0", arity = "0..1", paramLabel = "EXACT", description = "Exact filters to index.")
    int exact = 1_000_000;

    @Parameters(index = "1", arity = "0..1", paramLabel = "WILDCARD", description = "Wildcard filters to index.")
    int wildcard = 10_000;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(Cli.commandLine(new IndexFootprint()).execute(args));
    }

    @Override
    public Integer call() {
        if (exact < 1 || wildcard < 1) {
            throw new IllegalArgumentException("EXACT and WILDCARD must be at least 1 (the figures divide by them)");
        }
        long base = usedAfterGc();
        SubscriptionIndex<String, Integer> exactOnly = SeedTopics.build(exact, 0);
        long withExact = usedAfterGc();
        SubscriptionIndex<String, Integer> wildcardOnly = SeedTopics.build(0, wildcard);
        long withWildcards = usedAfterGc();
        spec.commandLine().getOut().printf("exact filters:    %,d  -> %,d bytes per filter (keys and topic strings included)%n",
                exactOnly.filterCount(), (withExact - base) / exact);
        spec.commandLine().getOut().printf("wildcard filters: %,d  -> %,d bytes per filter%n",
                wildcardOnly.filterCount(), (withWildcards - withExact) / wildcard);
        return 0;
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
