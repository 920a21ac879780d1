package io.kmqtt.mqttbench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The faults and scenarios bin/chaos knows, and the spec language of {@code --fault}:
 * <ul>
 *   <li>a fault's name: {@code kill-router}, {@code pause-redis}, {@code rolling-restart}, ...;</li>
 *   <li>an action on a named process: {@code kill:router-2}, {@code pause:kafka-3},
 *       {@code stop:gw-1}, {@code restart:router-1};</li>
 *   <li>either with its own hold: {@code pause-redis@15s};</li>
 *   <li>a list of rows, one after the other: {@code kill-router,kill-kafka}.</li>
 * </ul>
 */
public final class FaultCatalog {

    /** A named fault: what it does (for --help and the report), and how to build it (name as given, hold or null). */
    public record Entry(String name, String description, BiFunction<String, Duration, Fault> factory) {
    }

    private static final Map<String, Entry> FAULTS = new LinkedHashMap<>();
    private static final Map<String, List<String>> SCENARIOS = new LinkedHashMap<>();
    private static final Pattern ACTION_SPEC = Pattern.compile("(kill|pause|stop|restart):([\\w.-]+)");
    private static final Pattern HOLD = Pattern.compile("(.+)@(\\d+(?:\\.\\d+)?)(ms|s|m)");

    static {
        process("kill-router", "kill -9 of a router (router-1); started again after the hold", ProcessFault.Action.KILL, Target.first("router-"));
        process("stop-router", "a router stopped normally (SIGTERM: it hands its shards over); started again after the hold", ProcessFault.Action.STOP, Target.first("router-"));
        process("pause-router", "a router stalled (SIGSTOP) for the hold, then resumed", ProcessFault.Action.PAUSE, Target.first("router-"));
        process("kill-gateway", "kill -9 of the gateway of the subscriber to every topic (its session resumes elsewhere); started again after the hold",
                ProcessFault.Action.KILL, Target.gatewayOfWatchedSubscriber());
        process("stop-gateway", "that gateway stopped normally (it drains its clients); started again after the hold",
                ProcessFault.Action.STOP, Target.gatewayOfWatchedSubscriber());
        process("pause-gateway", "that gateway stalled (SIGSTOP) for the hold, then resumed", ProcessFault.Action.PAUSE,
                Target.gatewayOfWatchedSubscriber());
        process("kill-kafka", "kill -9 of a Kafka broker (kafka-1 of 3, or the only one); started again after the hold",
                ProcessFault.Action.KILL, Target.first("kafka"));
        process("pause-kafka", "a Kafka broker stalled (SIGSTOP) for the hold, then resumed", ProcessFault.Action.PAUSE, Target.first("kafka"));
        process("kill-redis", "kill -9 of Redis; started again after the hold", ProcessFault.Action.KILL, Target.named("redis"));
        process("pause-redis", "Redis stalled (SIGSTOP) for the hold, then resumed", ProcessFault.Action.PAUSE, Target.named("redis"));
        rolling("rolling-gateways", "every gateway restarted, one at a time", List.of("gw-"));
        rolling("rolling-routers", "every router restarted, one at a time", List.of("router-"));
        rolling("rolling-restart", "every gateway, then every router, restarted one at a time", List.of("gw-", "router-"));

        SCENARIOS.put("targets", List.of("kill-router", "stop-router", "kill-gateway", "kill-kafka", "pause-redis", "rolling-restart"));
        SCENARIOS.put("all", new ArrayList<>(FAULTS.keySet()));
    }

    private FaultCatalog() {
    }

    private static void process(String name, String description, ProcessFault.Action action, Target target) {
        FAULTS.put(name, new Entry(name, description, (as, hold) -> new ProcessFault(as, action, target, hold)));
    }

    private static void rolling(String name, String description, List<String> prefixes) {
        FAULTS.put(name, new Entry(name, description, (as, hold) -> new RollingRestart(as, prefixes)));
    }

    public static List<Entry> faults() {
        return List.copyOf(FAULTS.values());
    }

    /** Scenario names: targets, all, and every fault's name (a scenario of that one fault). */
    public static List<String> scenarios() {
        List<String> names = new ArrayList<>(SCENARIOS.keySet());
        names.addAll(FAULTS.keySet());
        return names;
    }

    /** One line per scenario and fault, for --help. */
    public static List<String> summary() {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "  %-18s %s", "targets", "the six faults of the targets table: "
                + String.join(", ", SCENARIOS.get("targets"))));
        lines.add(String.format(Locale.ROOT, "  %-18s %s", "all", "every fault below, in turn"));
        for (Entry e : FAULTS.values()) {
            lines.add(String.format(Locale.ROOT, "  %-18s %s", e.name(), e.description()));
        }
        return lines;
    }

    /** The rows of a scenario: its faults, in order. */
    public static List<Fault> scenario(String name) {
        List<String> faults = SCENARIOS.get(name);
        if (faults != null) {
            return faults.stream().map(FaultCatalog::parse).toList();
        }
        if (FAULTS.containsKey(name)) {
            return List.of(parse(name));
        }
        throw new IllegalArgumentException("unknown scenario '" + name + "': " + String.join(", ", scenarios()));
    }

    /** Rows separated by commas. */
    public static List<Fault> parseList(String specs) {
        List<Fault> rows = new ArrayList<>();
        for (String spec : specs.split(",")) {
            if (!spec.isBlank()) {
                rows.add(parse(spec.strip()));
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no fault in '" + specs + "'");
        }
        return rows;
    }

    /** One row: a fault's name, or ACTION:PROCESS, either with an optional @HOLD. */
    public static Fault parse(String spec) {
        return parseOne(spec.strip());
    }

    private static Fault parseOne(String spec) {
        Duration hold = null;
        String base = spec;
        Matcher h = HOLD.matcher(spec);
        if (h.matches()) {
            base = h.group(1);
            hold = duration(h.group(2), h.group(3));
        }
        Entry entry = FAULTS.get(base);
        if (entry != null) {
            return entry.factory().apply(spec, hold);
        }
        Matcher a = ACTION_SPEC.matcher(base);
        if (a.matches()) {
            return new ProcessFault(spec, ProcessFault.Action.parse(a.group(1)), Target.named(a.group(2)), hold);
        }
        throw new IllegalArgumentException("unknown fault '" + spec + "': a name (" + String.join(", ", FAULTS.keySet())
                + "), or ACTION:PROCESS (kill, pause, stop or restart, e.g. kill:router-2), optionally @HOLD (e.g. @15s)");
    }

    private static Duration duration(String amount, String unit) {
        double value = Double.parseDouble(amount);
        return switch (unit) {
            case "ms" -> Duration.ofMillis((long) value);
            case "s" -> Duration.ofMillis((long) (value * 1000));
            default -> Duration.ofMillis((long) (value * 60_000));
        };
    }
}
