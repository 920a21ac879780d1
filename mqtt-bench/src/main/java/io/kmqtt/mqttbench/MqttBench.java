package io.kmqtt.mqttbench;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * bin/mqtt-bench: runs a scenario against any MQTT 3.1.1 broker and writes report.md,
 * report.json and charts into the output directory. {@code bin/mqtt-bench --help} and
 * {@code bin/mqtt-bench run --help} list the options, their defaults and the scenarios.
 */
@Command(name = "mqtt-bench", usageHelpWidth = 120,
        description = "MQTT load generator: the seed's eight scenarios and more, against any MQTT 3.1.1 broker.",
        subcommands = {MqttBench.Run.class, MqttBench.Compare.class, MqttBench.Plan.class, MqttBench.CompareReports.class,
                MqttBench.Worker.class})
public final class MqttBench implements Runnable {

    /** -h, --help on every command (picocli's standard mixin would add a -V that has no version to print). */
    public static final class Help {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean help;
    }

    @Mixin
    Help help;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "give a command: run, compare, plan or compare-reports");
    }

    /**
     * The command line: every subcommand's --help lists its options with their defaults (and the
     * built-in scenarios); bad input is one line and exit 2, a failed run one line and exit 1.
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new MqttBench());
        List<String> scenarios = new ArrayList<>(List.of("", "Scenarios:"));
        scenarios.addAll(Scenario.builtInSummary());
        CommandLines.appendToFooter(List.of(cli, cli.getSubcommands().get("run"), cli.getSubcommands().get("compare"),
                cli.getSubcommands().get("plan")), scenarios);
        return CommandLines.withOneLineErrors(cli);
    }

    /** The arguments after this subcommand's name, as typed: what the driver passes to its workers. */
    private static List<String> argsAfter(CommandSpec spec) {
        List<String> all = spec.commandLine().getParseResult().originalArgs();
        int at = all.indexOf(spec.name());
        return all.subList(at + 1, all.size());
    }

    @Command(name = "run", sortOptions = false, showDefaultValues = true, usageHelpWidth = 120,
            description = "Runs a scenario against a broker and writes DIR/report.md, report.json and charts (SVG and PNG).",
            footer = {"", "Examples:",
                    "  bin/mqtt-bench run --scenario seed-1 --port 1883 --out bench-out/seed-1 --cluster-dir run/cluster",
                    "  bin/mqtt-bench run --scenario stream --qos 1 --count 100000 --port 1883 --out bench-out/stream"})
    static final class Run implements Callable<Integer> {

        @Mixin
        Help help;

        @Mixin
        LoadOptions load;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Report report = MqttBench.run(load, argsAfter(spec), out);
            report.write(load.out);
            out.println();
            out.println(report.markdown().lines().limit(12).reduce("", (a, b) -> a + b + "\n"));
            if (report.streamTotal() != null) {
                Report.StreamRow t = report.streamTotal();
                out.printf(Locale.ROOT, "streams: %,.0f msg/s delivered, %,d sent, %,d acknowledged, %,d received, %,d lost "
                                + "(%,d after ack), %,d duplicates, %,d reordered, longest silence %,.1f ms%n",
                        t.deliveredPerSecond(), t.sent(), t.acknowledged(), t.received(), t.lost(), t.lostAcknowledged(),
                        t.duplicates(), t.reordered(), t.longestSilenceMs());
            }
            out.println("report: " + load.out.resolve("report.md"));
            out.flush();
            return 0;
        }
    }

    @Command(name = "worker", hidden = true, description = "One load process of a run with --workers (started by run).")
    static final class Worker implements Callable<Integer> {

        @Mixin
        LoadOptions load;

        @Option(names = "--slice", required = true)
        int slice;

        @Option(names = "--result", required = true)
        Path result;

        @Option(names = "--source-net", required = true)
        String sourceNet;

        @Override
        public Integer call() throws Exception {
            Scenario scenario = load.scenario();
            LoadRun run = new LoadRun(scenario, load.settings(scenario, slice, sourceNet));
            run.prepare();
            OptionalLong start = LoadProcesses.awaitStart(); // comes once every load process is up
            if (start.isEmpty()) {
                return 2;
            }
            WorkerResult r = run.run(start.getAsLong(), LoadProcesses::reportProgress);
            new ObjectMapper().writeValue(result.toFile(), r);
            return 0;
        }
    }

    @Command(name = "plan", sortOptions = false, showDefaultValues = true, usageHelpWidth = 120,
            description = "Prints the connections a run opens and the seed users it needs: connections=N users=U "
                    + "(bin/cluster up --users U). Takes every option of run.")
    static final class Plan implements Callable<Integer> {

        @Mixin
        Help help;

        @Mixin
        LoadOptions load;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Scenario s = load.scenario();
            spec.commandLine().getOut().println("connections=" + s.connections() + " users=" + s.users());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /**
     * bin/mqtt-bench compare is a script (it starts and stops the brokers); it asks this command to
     * check its options first and to print the plan.
     */
    @Command(name = "compare", sortOptions = false, showDefaultValues = true, usageHelpWidth = 120,
            description = {"Runs one scenario against the standalone broker (users and ACL from files), the bin/cluster "
                    + "topology (Redis through the auth-service; cluster-direct: the same without its load balancer, the "
                    + "connections spread over the gateways) and Mosquitto (password and ACL files), one after the other, "
                    + "with the same seed users, and writes DIR/<target>/report.* and DIR/comparison.md with ratios to the last "
                    + "target. Takes every option of run.",
                    "Mosquitto is one process: keep runs under ~19k connections for it. The cluster gets MQTT_LB_PORT, "
                            + "MQTT_LB_WS_PORT, KMQTT_PORT_BASE and KMQTT_CLUSTER_DIR as bin/cluster does."},
            footer = {"", "Examples:",
                    "  bin/mqtt-bench compare --scenario seed-1 --time-scale 0.2 --warmup 20s --out bench-out/compare",
                    "  bin/mqtt-bench compare --scenario stream --count 20000 --targets standalone,mosquitto --out bench-out/stream"})
    static final class Compare implements Callable<Integer> {

        @Mixin
        Help help;

        static final Set<String> TARGETS = Set.of("standalone", "cluster", "cluster-direct", "mosquitto");

        @Mixin
        LoadOptions load;

        @Option(names = "--gateways", paramLabel = "N", description = "Gateways of the cluster target (2 routers).")
        int gateways = 2;

        @Option(names = "--targets", paramLabel = "T,...", description = "Which brokers, in this order; the last is the reference of the ratios.")
        String targets = "standalone,cluster,mosquitto";

        @Option(names = "--warmup", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "Run the scenario unmeasured this long against each target first (JIT warm-up).")
        Duration warmup;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            for (String t : targets.split(",")) {
                if (!TARGETS.contains(t)) {
                    throw new ParameterException(spec.commandLine(), "unknown target '" + t + "': give some of standalone, cluster, cluster-direct, mosquitto");
                }
            }
            if (gateways < 1) {
                throw new ParameterException(spec.commandLine(), "--gateways is at least 1");
            }
            Scenario s = load.scenario();
            spec.commandLine().getOut().println("connections=" + s.connections() + " users=" + s.users());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "compare-reports", usageHelpWidth = 120,
            description = "Writes the side-by-side table of runs of one scenario against several brokers (bin/mqtt-bench compare calls it).")
    static final class CompareReports implements Callable<Integer> {

        @Mixin
        Help help;

        @Parameters(index = "0", paramLabel = "OUT.md", description = "The table to write.")
        Path outFile;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "NAME=DIR",
                description = "A run's name and its output directory (with report.json); the last is the reference of the ratios.")
        List<String> runs;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Map<String, Path> byName = new LinkedHashMap<>();
            for (String run : runs) {
                String[] kv = run.split("=", 2);
                if (kv.length != 2 || !Files.isRegularFile(Path.of(kv[1]).resolve("report.json"))) {
                    throw new ParameterException(spec.commandLine(), "'" + run + "' is not NAME=DIR with DIR/report.json");
                }
                byName.put(kv[0], Path.of(kv[1]));
            }
            Comparison.write(outFile, byName);
            return 0;
        }
    }

    // ---------------------------------------------------------------- running

    static Report run(LoadOptions o, List<String> rawArgs, PrintWriter out) throws Exception {
        Scenario scenario = o.scenario();
        if (o.workers > 1 && !scenario.family().equals("seed")) {
            throw new IllegalArgumentException(scenario.family() + " scenarios run in one load process (--workers 1): "
                    + "only the seed family is split between processes");
        }
        Map<String, Long> pids = o.brokerPids();
        out.printf(Locale.ROOT, "%s: %s, %,d connections at scale %s, %d load process(es), against %s%n",
                scenario.name(), scenario.description(), scenario.connections(), o.scaleLabel(), o.workers, o.address());
        out.flush();
        LoadProcesses workers = o.workers > 1 ? LoadProcesses.start(o, rawArgs) : null;
        long start = System.currentTimeMillis() + 500;
        List<WorkerResult> results = new ArrayList<>();
        try (ProcSampler proc = new ProcSampler(pids, start)) {
            if (workers == null) {
                LoadRun run = new LoadRun(scenario, o.settings(scenario, 0, null));
                results.add(run.run(start, line -> {
                    out.printf("\r%-100s", line);
                    out.flush();
                }));
            } else {
                results.addAll(workers.run(start));
            }
            double seconds = (System.currentTimeMillis() - start) / 1000.0;
            return Report.merge(scenario, o.address(), o.scale(), o.timeScale(), results, pids, proc.samples(), seconds);
        }
    }
}
