package io.kmqtt.mqttbench;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * bin/mqtt-bench: runs a scenario against any MQTT 3.1.1 broker and writes report.md,
 * report.json and SVG charts into the output directory.
 *
 * <pre>
 * bin/mqtt-bench run --scenario NAME --host H --port P --out DIR [--scale F|1/20|ci] [--time-scale T]
 *                    [--workers W] [--cluster-dir run/cluster] [--pids name=pid,...] [--password 123456]
 *                    [--backend-user backend --backend-password 123456] [--publish-interval 5s] [--steady 60s]
 *                    [--ramp-rate N] [--threads N]
 * </pre>
 */
public final class MqttBench {

    /** --scale ci: the seed's scenarios shrunk to a few hundred connections and seconds, for CI. */
    static final double CI_SCALE = 0.0002;
    static final double CI_TIME_SCALE = 0.02;

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("compare-reports")) {
            // compare-reports OUT.md NAME=DIR ...: the side-by-side table (bin/mqtt-bench compare calls it)
            Map<String, Path> runs = new LinkedHashMap<>();
            for (int i = 2; i < args.length; i++) {
                String[] kv = args[i].split("=", 2);
                runs.put(kv[0], Path.of(kv[1]));
            }
            Comparison.write(Path.of(args[1]), runs);
            return;
        }
        if (args.length > 0 && args[0].equals("plan")) {
            // plan --scenario S [--scale F]: how many connections and seed users a run needs
            Options o = Options.parse(args);
            Scenario s = o.scenario();
            int users = s.family().equals("seed") ? s.pairs() : s.connections();
            System.out.println("connections=" + s.connections() + " users=" + users);
            return;
        }
        if (args.length == 0 || !(args[0].equals("run") || args[0].equals("worker"))) {
            System.err.println("usage: bin/mqtt-bench run --scenario NAME --host H --port P --out DIR [options]; "
                    + "see the header of MqttBench.java or README.md");
            System.exit(2);
        }
        Options o = Options.parse(args);
        if (args[0].equals("worker")) {
            runWorker(o);
        } else {
            Report report = run(o);
            report.write(o.out);
            System.out.println();
            System.out.println(report.markdown().lines().limit(12).reduce("", (a, b) -> a + b + "\n"));
            System.out.println("report: " + o.out.resolve("report.md"));
        }
    }

    static Report run(Options o) throws Exception {
        Scenario scenario = o.scenario();
        if (o.workers > 1 && !scenario.family().equals("seed")) {
            throw new IllegalArgumentException(scenario.family() + " scenarios run in one load process (--workers 1): "
                    + "only the seed family is split between processes");
        }
        long start = System.currentTimeMillis() + 500;
        Map<String, Long> pids = o.brokerPids();
        System.out.printf(Locale.ROOT, "%s: %s, %,d connections at scale %s, %d load process(es), against %s:%d%n",
                scenario.name(), scenario.description(), scenario.connections(), o.scaleText, o.workers, o.host, o.port);
        List<WorkerResult> results = new ArrayList<>();
        try (ProcSampler proc = new ProcSampler(pids, start)) {
            if (o.workers == 1) {
                LoadRun run = new LoadRun(scenario, o.settings(0, start));
                results.add(run.run(line -> System.out.printf("\r%-100s", line)));
            } else {
                results.addAll(runWorkers(o, start));
            }
            double seconds = (System.currentTimeMillis() - start) / 1000.0;
            return Report.merge(scenario, o.host + ":" + o.port, o.scale, o.timeScale, results, pids, proc.samples(), seconds);
        }
    }

    private static List<WorkerResult> runWorkers(Options o, long start) throws Exception {
        Files.createDirectories(o.out);
        List<Process> processes = new ArrayList<>();
        Map<Integer, String> latest = new ConcurrentHashMap<>();
        List<Thread> readers = new ArrayList<>();
        for (int k = 0; k < o.workers; k++) {
            List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx" + o.workerHeap, "-XX:+UseParallelGC",
                    "-cp", System.getProperty("java.class.path"), MqttBench.class.getName(), "worker"));
            command.addAll(o.raw);
            command.addAll(List.of("--slice", Integer.toString(k), "--start-millis", Long.toString(start),
                    "--result", o.out.resolve("worker-" + k + ".json").toString()));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            processes.add(p);
            int slice = k;
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("progress ")) {
                            latest.put(slice, line.substring(9));
                            printProgress(latest);
                        } else {
                            System.out.println("\n[worker " + slice + "] " + line);
                        }
                    }
                } catch (Exception ignored) {
                    // the process ended
                }
            });
            reader.setDaemon(true);
            reader.start();
            readers.add(reader);
        }
        List<WorkerResult> results = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (int k = 0; k < processes.size(); k++) {
            int exit = processes.get(k).waitFor();
            readers.get(k).join(2000);
            Path result = o.out.resolve("worker-" + k + ".json");
            if (exit != 0 || !Files.exists(result)) {
                throw new IllegalStateException("load worker " + k + " failed (exit " + exit + ")");
            }
            results.add(json.readValue(result.toFile(), WorkerResult.class));
            Files.delete(result);
        }
        return results;
    }

    private static synchronized void printProgress(Map<Integer, String> latest) {
        long[] totals = new long[4];
        for (String line : latest.values()) {
            String[] f = line.split(" ");
            for (int i = 0; i < 4 && 2 * i + 1 < f.length; i++) {
                totals[i] += Long.parseLong(f[2 * i + 1]);
            }
        }
        System.out.printf("\rconnections %d published %d received %d failed %d          ", totals[0], totals[1], totals[2], totals[3]);
    }

    private static void runWorker(Options o) throws Exception {
        LoadRun run = new LoadRun(o.scenario(), o.settings(o.slice, o.startMillis));
        WorkerResult result = run.run(line -> System.out.println("progress " + line));
        new ObjectMapper().writeValue(o.result.toFile(), result);
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** Command-line options shared by the driver and its workers. */
    static final class Options {
        final List<String> raw = new ArrayList<>();
        String scenarioName;
        String host = "127.0.0.1";
        int port = 1883;
        Path out = Path.of("bench-out");
        double scale = -1;
        String scaleText;
        double timeScale = -1;
        int workers = 1;
        int threads = 2;
        String password = "123456";
        String backendUser = "backend";
        String backendPassword = "123456";
        Duration publishInterval;
        Duration steady;
        Integer rampRate;
        Path clusterDir;
        String pids;
        String workerHeap = "1g";
        int slice;
        long startMillis;
        Path result;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 1; i < args.length; i++) {
                String key = args[i];
                String value = i + 1 < args.length ? args[i + 1] : null;
                boolean workerOnly = key.equals("--slice") || key.equals("--start-millis") || key.equals("--result");
                if (!workerOnly) {
                    o.raw.add(key);
                    if (value != null) {
                        o.raw.add(value);
                    }
                }
                if (value == null) {
                    throw new IllegalArgumentException(key + " needs a value");
                }
                i++;
                switch (key) {
                    case "--scenario" -> o.scenarioName = value;
                    case "--host" -> o.host = value;
                    case "--port" -> o.port = Integer.parseInt(value);
                    case "--out" -> o.out = Path.of(value);
                    case "--scale" -> o.scaleText = value;
                    case "--time-scale" -> o.timeScale = parseFraction(value);
                    case "--workers" -> o.workers = Integer.parseInt(value);
                    case "--threads" -> o.threads = Integer.parseInt(value);
                    case "--password" -> o.password = value;
                    case "--backend-user" -> o.backendUser = value;
                    case "--backend-password" -> o.backendPassword = value;
                    case "--publish-interval" -> o.publishInterval = Scenario.duration(value);
                    case "--steady" -> o.steady = Scenario.duration(value);
                    case "--ramp-rate" -> o.rampRate = Integer.parseInt(value);
                    case "--cluster-dir" -> o.clusterDir = Path.of(value);
                    case "--pids" -> o.pids = value;
                    case "--worker-heap" -> o.workerHeap = value;
                    case "--slice" -> o.slice = Integer.parseInt(value);
                    case "--start-millis" -> o.startMillis = Long.parseLong(value);
                    case "--result" -> o.result = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option " + key);
                }
            }
            if (o.scenarioName == null) {
                throw new IllegalArgumentException("--scenario is required");
            }
            boolean seed = o.scenarioName.startsWith("seed-");
            if (o.scaleText == null) {
                o.scaleText = seed ? "1/20" : "1";
            }
            if (o.scaleText.equals("ci")) {
                o.scale = CI_SCALE;
                if (o.timeScale < 0) {
                    o.timeScale = CI_TIME_SCALE;
                }
            } else {
                o.scale = parseFraction(o.scaleText);
            }
            if (o.timeScale < 0) {
                o.timeScale = 1;
            }
            return o;
        }

        Scenario scenario() {
            Scenario s = Scenario.load(scenarioName, scale, timeScale);
            return new Scenario(s.name(), s.description(), s.family(), s.pairs(), s.subscribers(), s.backend(), s.shared(),
                    s.qos1Share(), publishInterval != null ? publishInterval : s.publishInterval(), s.payloadBytes(),
                    rampRate != null ? rampRate : Math.max(50, s.rampRate()), steady != null ? steady : s.steady(),
                    s.churnShare(), s.ttlMin(), s.ttlMax());
        }

        RunSettings settings(int slice, long start) {
            boolean loopback = host.equals("127.0.0.1") || host.equals("localhost");
            String bind = workers > 1 && loopback ? "127.0.0." + (2 + slice) : null;
            return new RunSettings(host, port, password, backendUser, backendPassword, slice, workers, start, bind,
                    threads, Duration.ofSeconds(3), Duration.ofSeconds(30));
        }

        /** The broker processes to watch: --pids name=pid,... and/or every process of a bin/cluster run. */
        Map<String, Long> brokerPids() throws java.io.IOException {
            Map<String, Long> found = new LinkedHashMap<>();
            if (pids != null) {
                for (String entry : pids.split(",")) {
                    String[] kv = entry.split("=", 2);
                    found.put(kv.length == 2 ? kv[0] : "pid-" + kv[0], Long.parseLong(kv[kv.length - 1]));
                }
            }
            if (clusterDir != null) {
                Path dir = clusterDir.resolve("pids");
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
            return slash < 0 ? Double.parseDouble(text)
                    : Double.parseDouble(text.substring(0, slash)) / Double.parseDouble(text.substring(slash + 1));
        }
    }

}
