package io.kmqtt.it;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** bin/cluster as a child process, with a cluster directory, port range and JVM options of its own. */
final class ClusterScriptRunner {

    private static final Pattern PROCESS_LINE = Pattern.compile("^(\\S+)\\s+(\\d+)\\s+(up|down)\\b", Pattern.MULTILINE);

    private final Map<String, String> environment = new HashMap<>();

    /** {@code extra}: more variables for bin/cluster, e.g. MQTT_LB_PORT. */
    ClusterScriptRunner(Path dir, int portBase, Map<String, String> extra) {
        environment.put("KMQTT_CLUSTER_DIR", dir.toString());
        environment.put("KMQTT_PORT_BASE", Integer.toString(portBase));
        environment.put("CLUSTER_JAVA_OPTS", "-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        environment.putAll(extra);
    }

    /** Runs bin/cluster ARGS, asserts that it finished in time with exit code 0, and returns its output. */
    String run(Duration timeout, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Cluster.ROOT.resolve("bin/cluster").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        environment(builder);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)).as("bin/cluster " + args[0] + " finished").isTrue();
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("bin/cluster " + String.join(" ", args) + ":\n" + text).isZero();
        return text;
    }

    /** The cluster's directory, ports and JVM options, for bin/cluster and for the scripts that call it (bin/chaos). */
    void environment(ProcessBuilder builder) {
        builder.environment().putAll(environment);
    }

    /** The processes of a status table: name to pid. */
    static Map<String, Long> processes(String status) {
        Map<String, Long> found = new HashMap<>();
        Matcher m = PROCESS_LINE.matcher(status);
        while (m.find()) {
            found.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return found;
    }

    /**
     * Running or paused, as bin/cluster judges it: a process that exited but that its parent (init,
     * once bin/cluster is gone) has not reaped yet is a zombie, which ProcessHandle still calls alive.
     */
    static boolean alive(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.io.IOException gone) {
            return false;
        }
    }
}
