package io.kmqtt.mqttbench;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The options of a load run, shared by run, worker, plan and compare. */
@Command
final class LoadOptions {

    /** --scale ci: the seed's scenarios shrunk to a few hundred connections and seconds, for CI. */
    static final double CI_SCALE = 0.0002;
    static final double CI_TIME_SCALE = 0.02;

    @Option(names = "--scenario", required = true, paramLabel = "NAME|FILE",
            description = "A built-in scenario (listed below) or a .properties file of your own.")
    String scenarioName;

    @Option(names = "--host", paramLabel = "HOST", description = "Broker host.")
    String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "PORT[,PORT...]", converter = PortsConverter.class,
            description = "Broker MQTT port; several spread the connections over them in turn "
                    + "(gateways without a load balancer).")
    String port = "1883";

    @Option(names = "--out", paramLabel = "DIR", description = "Where report.md, report.json and the charts go.")
    Path out = Path.of("bench-out");

    @Option(names = "--scale", paramLabel = "F", converter = ScaleConverter.class, showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "Multiplies client counts and the ramp rate: a number, a fraction such as 1/20, or ci (a few hundred "
                    + "connections). Default: 1/20 for the seed scenarios, 1 for the others.")
    String scaleText;

    @Option(names = "--time-scale", paramLabel = "F", converter = FractionConverter.class, showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "Multiplies the steady phase and the churn windows. Default: 1 (0.02 with --scale ci).")
    Double timeScaleOption;

    @Option(names = "--workers", paramLabel = "W", description = "Load processes (seed scenarios only), each on its own loopback address.")
    int workers = 1;

    @Option(names = "--threads", paramLabel = "N", description = "Netty event loops per load process.")
    int threads = 2;

    @Option(names = "--password", paramLabel = "PASSWORD", description = "Password of the seed users user<i>.")
    String password = "123456";

    @Option(names = "--backend-user", paramLabel = "USER", description = "Superuser for the wildcard subscribers (ListenToAllTopics, fanin).")
    String backendUser = "backend";

    @Option(names = "--backend-password", paramLabel = "PASSWORD", description = "Its password.")
    String backendPassword = "123456";

    @Option(names = "--publish-interval", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Time between two publishes of one client (not stream). Default: the scenario's.")
    Duration publishInterval;

    @Option(names = "--steady", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long clients publish once everyone is connected (stream with --count: at most). Default: the scenario's.")
    Duration steady;

    @Option(names = "--ramp-rate", paramLabel = "N", description = "New connections per second. Default: the scenario's.")
    Integer rampRate;

    @Option(names = "--qos", paramLabel = "0|1|2", description = "Every publish and subscription at this QoS. Default: the scenario's.")
    Integer qos;

    @Option(names = "--count", paramLabel = "N", description = "stream: messages per publisher; 0 for as many as the steady phase allows. Default: the scenario's.")
    Long count;

    @Option(names = "--max-inflight", paramLabel = "N", description = "stream: unacknowledged QoS 1/2 publishes per publisher. Default: the scenario's (20).")
    Integer maxInflight;

    @Option(names = "--drain", paramLabel = "DURATION", converter = DurationConverter.class, showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "Wait after publishing for messages still on their way. Default: 3s; stream: 10s, ending as soon as everything arrived.")
    Duration drain;

    @Option(names = "--cluster-dir", paramLabel = "DIR", description = "A bin/cluster directory: sample CPU and memory of all its processes.")
    Path clusterDir;

    @Option(names = "--pids", paramLabel = "NAME=PID,...", description = "Broker processes to sample CPU and memory of.")
    String pids;

    @Option(names = "--worker-heap", paramLabel = "SIZE", description = "-Xmx of each load process (--workers).")
    String workerHeap = "1g";

    double scale() {
        if (scaleText == null) {
            return scenarioName.startsWith("seed-") ? 1.0 / 20 : 1;
        }
        return scaleText.equals("ci") ? CI_SCALE : parseFraction(scaleText);
    }

    String scaleLabel() {
        return scaleText != null ? scaleText : scenarioName.startsWith("seed-") ? "1/20" : "1";
    }

    double timeScale() {
        if (timeScaleOption != null) {
            return timeScaleOption;
        }
        return "ci".equals(scaleText) ? CI_TIME_SCALE : 1;
    }

    Scenario scenario() {
        if (workers < 1 || threads < 1) {
            throw new IllegalArgumentException("--workers and --threads are at least 1");
        }
        return Scenario.load(scenarioName, scale(), timeScale()).with(publishInterval, rampRate, steady, qos, count, maxInflight);
    }

    /**
     * @param sourceNet with several load processes against loopback, the first three octets of the
     *                  addresses they connect from ("127.x.y"; process k uses 127.x.y.(2+k)): a new
     *                  one each run, so that no source port is still in TIME_WAIT from the run before
     */
    RunSettings settings(Scenario scenario, int slice, String sourceNet) {
        boolean loopback = host.equals("127.0.0.1") || host.equals("localhost");
        String bind = workers > 1 && loopback ? sourceNet + "." + (2 + slice) : null;
        Duration wait = drain != null ? drain : scenario.family().equals("stream") ? Duration.ofSeconds(10) : Duration.ofSeconds(3);
        return new RunSettings(host, parsePorts(port), password, backendUser, backendPassword, slice, workers, bind,
                threads, wait, Duration.ofSeconds(30));
    }

    /** host:port, or host:port1,port2,... */
    String address() {
        return host + ":" + port;
    }

    /** The broker processes to watch: --pids name=pid,... and/or every process of a bin/cluster run. */
    Map<String, Long> brokerPids() throws IOException {
        Map<String, Long> found = new LinkedHashMap<>();
        if (pids != null) {
            for (String entry : pids.split(",")) {
                String[] kv = entry.split("=", 2);
                try {
                    found.put(kv.length == 2 ? kv[0] : "pid-" + kv[0], Long.parseLong(kv[kv.length - 1]));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--pids wants name=pid,...: '" + entry + "' has no pid");
                }
            }
        }
        if (clusterDir != null) {
            Path dir = clusterDir.resolve("pids");
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("--cluster-dir " + clusterDir + ": no running bin/cluster there (no pids/)");
            }
            try (var files = Files.list(dir)) {
                for (Path f : files.sorted().toList()) {
                    found.put(f.getFileName().toString(), Long.parseLong(Files.readString(f).trim()));
                }
            }
        }
        return found;
    }

    static double parseFraction(String text) {
        int slash = text.indexOf('/');
        double value = slash < 0 ? Double.parseDouble(text)
                : Double.parseDouble(text.substring(0, slash)) / Double.parseDouble(text.substring(slash + 1));
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new NumberFormatException("not positive: " + text);
        }
        return value;
    }

    static final class FractionConverter implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            try {
                return parseFraction(value);
            } catch (RuntimeException e) {
                throw new TypeConversionException("'" + value + "' is not a positive number or fraction such as 0.2 or 1/20");
            }
        }
    }

    static List<Integer> parsePorts(String text) {
        List<Integer> ports = new ArrayList<>();
        for (String p : text.split(",", -1)) {
            int port = Integer.parseInt(p.strip());
            if (port < 1 || port > 65535) {
                throw new NumberFormatException("out of range");
            }
            ports.add(port);
        }
        return ports;
    }

    static final class PortsConverter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                parsePorts(value);
                return value;
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a port (1-65535) or a list of ports such as 21001,21002");
            }
        }
    }

    static final class ScaleConverter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                if (!value.equals("ci")) {
                    parseFraction(value);
                }
                return value;
            } catch (RuntimeException e) {
                throw new TypeConversionException("'" + value + "' is not a positive number, a fraction such as 1/20, or ci");
            }
        }
    }
}
