package io.kmqtt.mqttbench.chaos;

import io.kmqtt.mqttbench.CommandLines;
import io.kmqtt.mqttbench.DurationConverter;
import io.kmqtt.mqttbench.MqttBench.Help;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * bin/chaos: a fault-injection suite against a running bin/cluster. A steady QoS 1 workload with
 * persistent-session subscribers runs through the cluster's load balancer while faults are
 * injected one at a time; each fault is a row of DIR/report.md and report.json.
 */
@Command(name = "chaos", usageHelpWidth = 120,
        description = "Fault injection against a running bin/cluster, under a steady QoS 1 workload with a loss checker.",
        subcommands = {Chaos.Run.class, Chaos.ListFaults.class})
public final class Chaos implements Runnable {

    @CommandLine.Mixin
    Help help;

    @Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "give a command: run or list");
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Chaos());
        List<String> footer = new ArrayList<>(List.of("", "Scenarios and faults (--scenario NAME, --fault NAME):"));
        footer.addAll(FaultCatalog.summary());
        CommandLines.appendToFooter(List.of(cli, cli.getSubcommands().get("run")), footer);
        return CommandLines.withOneLineErrors(cli);
    }

    @Command(name = "list", description = "Lists the scenarios and faults.")
    static final class ListFaults implements Callable<Integer> {

        @CommandLine.Mixin
        Help help;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            FaultCatalog.summary().forEach(out::println);
            out.println();
            out.println("Or ACTION:PROCESS (kill, pause, stop, restart; e.g. kill:router-2, pause:kafka-3), either with");
            out.println("@HOLD (pause-redis@15s); rows separated by commas.");
            out.flush();
            return 0;
        }
    }

    @Command(name = "run", sortOptions = false, showDefaultValues = true, usageHelpWidth = 120,
            description = {"Runs a steady QoS 1 workload through the cluster's load balancer and injects faults one at a time "
                    + "(a baseline row first), each measured as its own row; writes DIR/report.md and report.json and prints "
                    + "the table. Every step has a fixed length and every fault is undone in its row (killed processes started "
                    + "again, paused ones resumed), so the run ends by itself with the cluster whole.",
                    "Give the cluster's services room for the backlog a subscriber's outage builds up (rate x seconds), e.g. "
                            + "SESSION_MAX_QUEUED_MESSAGES=100000 MQTT_MAX_QUEUED_MESSAGES=100000 bin/cluster up ...: with the "
                            + "defaults (1,000 each) a longer outage of the subscriber to every topic loses messages by design."},
            footer = {"", "Examples:",
                    "  bin/cluster up --kafka-brokers 3 && bin/chaos run --scenario targets --out chaos-out/targets",
                    "  bin/chaos run --fault kill-router,kill:kafka-2@20s --rate 500 --out chaos-out/two"})
    static final class Run implements Callable<Integer> {

        @CommandLine.Mixin
        Help help;

        @CommandLine.ArgGroup(multiplicity = "1")
        What what;

        static final class What {
            @Option(names = "--scenario", paramLabel = "NAME", description = "A built-in scenario (listed below).")
            String scenario;

            @Option(names = "--fault", paramLabel = "SPEC,...", description = "Faults, one row each: names, ACTION:PROCESS, "
                    + "@HOLD (bin/chaos list).")
            String faults;
        }

        @Option(names = "--out", paramLabel = "DIR", description = "Where report.md and report.json go.")
        Path out = Path.of("chaos-out");

        @Option(names = "--cluster-dir", paramLabel = "DIR", description = "The bin/cluster directory. Default: KMQTT_CLUSTER_DIR, else run/cluster.")
        Path clusterDir;

        @Option(names = "--endpoint", paramLabel = "[NAME=]HOST:PORT", description = "Where clients connect (repeatable). "
                + "Default: the cluster's load balancer.")
        List<String> endpoints;

        @Option(names = "--user", paramLabel = "USER", description = "The user every client logs in as; it must be allowed the topics.")
        String user = "backend";

        @Option(names = "--password", paramLabel = "PASSWORD", description = "Its password.")
        String password = "123456";

        @Option(names = "--anonymous", description = "Log in without a user name (a cluster started with --anonymous).")
        boolean anonymous;

        @Option(names = "--publishers", paramLabel = "P", description = "Publishers; topic t is published by publisher t mod P.")
        int publishers = 4;

        @Option(names = "--subscribers", paramLabel = "S", description = "Subscribers with persistent sessions: one on PREFIX/#, "
                + "the others share the topics out between them.")
        int subscribers = 3;

        @Option(names = "--topics", paramLabel = "T", description = "Topics PREFIX/00 ...")
        int topics = 20;

        @Option(names = "--rate", paramLabel = "MSG/S", description = "Messages per second over all publishers.")
        double rate = 1000;

        @Option(names = "--topic-prefix", paramLabel = "PREFIX", description = "The topics' first level.")
        String topicPrefix = "chaos";

        @Option(names = "--payload", paramLabel = "BYTES", description = "Payload size.")
        int payload = 64;

        @Option(names = "--inflight", paramLabel = "N", description = "Unacknowledged PUBLISHes per publisher.")
        int inflight = 500;

        @Option(names = "--stall-timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5s",
                description = "A connection that reads nothing this long (pings every second) is dropped and made again.")
        Duration stallTimeout;

        @Option(names = "--baseline", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10s",
                description = "The first row, without a fault (0s: none).")
        Duration baseline;

        @Option(names = "--warmup", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5s",
                description = "Steady traffic in each row before its fault.")
        Duration warmup;

        @Option(names = "--hold", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "15s",
                description = "How long a fault lasts (a killed process stays dead, a paused one stopped) unless its spec says @HOLD.")
        Duration hold;

        @Option(names = "--quiet", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10s",
                description = "After the recovery, before the next row.")
        Duration quiet;

        @Option(names = "--drain", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "30s",
                description = "At the end, the longest wait for unacknowledged and undelivered messages.")
        Duration drain;

        @Option(names = "--settle", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "60s",
                description = "Before each fault, the longest wait for the earlier rows' messages to arrive (a backlog "
                        + "one fault left would otherwise be lost or delayed by the next and counted in the wrong row).")
        Duration settle;

        @Option(names = "--step-pause", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5s",
                description = "Between two restarts of a rolling restart.")
        Duration stepPause;

        @Option(names = "--build", paramLabel = "TEXT", description = "Which build the cluster runs, for the report. "
                + "Default: KMQTT_BUILD (bin/chaos sets it to git describe of the checkout).")
        String build;

        @Option(names = "--fail-on-loss", description = "Exit 3 if a message the broker acknowledged was lost.")
        boolean failOnLoss;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter console = spec.commandLine().getOut();
            List<Fault> faults = what.scenario != null ? FaultCatalog.scenario(what.scenario) : FaultCatalog.parseList(what.faults);
            Path root = Path.of(System.getProperty("kmqtt.root", ".")).toAbsolutePath().normalize();
            String dir = clusterDir != null ? clusterDir.toAbsolutePath().toString()
                    : Optional.ofNullable(System.getenv("KMQTT_CLUSTER_DIR")).orElse(root.resolve("run/cluster").toString());
            ClusterScript cluster = new ClusterScript(root.resolve("bin/cluster"), Map.of("KMQTT_CLUSTER_DIR", dir));
            List<Endpoint> targets = new ArrayList<>();
            if (endpoints != null) {
                endpoints.forEach(e -> targets.add(Endpoint.parse(e)));
            } else {
                targets.add(cluster.loadBalancer());
            }
            List<String> names = cluster.names();
            WorkloadSettings settings = new WorkloadSettings(targets, anonymous ? null : user, anonymous ? null : password,
                    "chaos", topicPrefix, publishers, subscribers, topics, rate, payload, inflight, stallTimeout,
                    Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofSeconds(1), 2);
            ChaosRun.Timing timing = new ChaosRun.Timing(baseline, warmup, hold, quiet, drain, stepPause, settle);
            String label = build != null ? build : Optional.ofNullable(System.getenv("KMQTT_BUILD")).orElse("unknown");
            console.printf(Locale.ROOT, "chaos: %d row(s) against the cluster in %s (%s)%n", faults.size() + (baseline.isZero() ? 0 : 1),
                    dir, String.join(" ", names));
            console.flush();
            ChaosReport report;
            try (Workload workload = Workload.start(settings, line -> {
                console.println(line);
                console.flush();
            })) {
                GatewayLocator locator = workload;
                Optional<AdminApiLocator> admin = cluster.adminApi();
                if (admin.isPresent()) {
                    locator = workload.orElse(admin.get());
                }
                ChaosRun run = new ChaosRun(workload, cluster, locator, timing, line -> {
                    console.println(line);
                    console.flush();
                });
                Map<String, java.net.URI> metrics = cluster.metricsEndpoints();
                run.withCounters(BrokerCounters.scraping(() -> metrics));
                report = run.run(faults, "bin/chaos run " + String.join(" ", shown(spec.commandLine().getParseResult().originalArgs())),
                        label);
            }
            report.write(out);
            console.println();
            console.print(report.table());
            long fullQueues = report.rows().stream().mapToLong(r -> r.brokerDrops().getOrDefault("queue_full", 0L)
                    + r.brokerDrops().getOrDefault("router: offline queue full", 0L)).sum();
            if (fullQueues > 0) {
                console.printf(Locale.ROOT, "The broker dropped %,d messages from full session queues: for loss caused by faults "
                        + "alone, give it room (SESSION_MAX_QUEUED_MESSAGES=100000 MQTT_MAX_QUEUED_MESSAGES=100000 bin/cluster up ...).%n",
                        fullQueues);
            }
            console.println("report: " + out.resolve("report.md"));
            console.flush();
            boolean lostAcknowledged = report.rows().stream().anyMatch(r -> r.lostAfterAck() > 0);
            return failOnLoss && lostAcknowledged ? 3 : 0;
        }
    }

    /** The arguments after "run", with the password's value hidden. */
    static List<String> shown(List<String> args) {
        List<String> shown = new ArrayList<>();
        for (int i = args.indexOf("run") + 1; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--password=")) {
                shown.add("--password=***");
            } else {
                shown.add(i > 0 && args.get(i - 1).equals("--password") ? "***" : a);
            }
        }
        return shown;
    }
}
