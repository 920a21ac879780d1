package io.kmqtt.mqttbench.chaos;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link ProcessControl} over a running bin/cluster: each action is {@code bin/cluster kill NAME},
 * {@code pause}, {@code resume}, {@code stop}, {@code start}. The cluster's load balancer and admin
 * API are read from {@code bin/cluster status}.
 */
public final class ClusterScript implements ProcessControl {

    private static final Pattern PROCESS_LINE = Pattern.compile("(?m)^(\\S+)\\s+(\\d+)\\s+(up|down|paused)\\b");
    private static final Pattern LOAD_BALANCER = Pattern.compile("MQTT load balancer:\\s+(\\S+):(\\d+)");
    private static final Pattern ADMIN_API = Pattern.compile("admin API:\\s+(\\S+)/api/v1 \\(user (\\S+), password (\\S+)\\)");
    private static final Duration TIMEOUT = Duration.ofMinutes(6);

    private static final Pattern HTTP_PORT = Pattern.compile("(?m)^((?:gw|router)-\\d+)\\s+\\d+\\s+\\S+\\s+.*?\\bhttp (\\d+)");

    private final Path script;
    private final Map<String, String> environment;
    /** The first status read: names and ports do not change while a cluster runs. */
    private String firstStatus;

    /** bin/cluster at {@code script}, run with these extra environment variables (KMQTT_CLUSTER_DIR, ...). */
    public ClusterScript(Path script, Map<String, String> environment) {
        this.script = script;
        this.environment = Map.copyOf(environment);
    }

    /** The output of {@code bin/cluster status}. */
    public String status() throws IOException, InterruptedException {
        return run("status");
    }

    private synchronized String layout() throws IOException, InterruptedException {
        if (firstStatus == null) {
            firstStatus = status();
        }
        return firstStatus;
    }

    @Override
    public List<String> names() throws IOException, InterruptedException {
        List<String> names = new ArrayList<>();
        Matcher m = PROCESS_LINE.matcher(layout());
        while (m.find()) {
            names.add(m.group(1));
        }
        names.sort(null);
        return names;
    }

    /** Where the cluster's MQTT load balancer listens. */
    public Endpoint loadBalancer() throws IOException, InterruptedException {
        Matcher m = LOAD_BALANCER.matcher(layout());
        if (!m.find()) {
            throw new IllegalStateException("bin/cluster status names no load balancer: is a cluster running?");
        }
        return new Endpoint("lb", m.group(1), Integer.parseInt(m.group(2)));
    }

    /** The cluster's admin API, which tells where a client is connected. */
    public Optional<AdminApiLocator> adminApi() throws IOException, InterruptedException {
        Matcher m = ADMIN_API.matcher(layout());
        return m.find() ? Optional.of(new AdminApiLocator(m.group(1), m.group(2), m.group(3))) : Optional.empty();
    }

    /** The gateways' and routers' Prometheus endpoints, by process name. */
    public Map<String, URI> metricsEndpoints() throws IOException, InterruptedException {
        Map<String, URI> found = new java.util.TreeMap<>();
        Matcher m = HTTP_PORT.matcher(layout());
        while (m.find()) {
            found.put(m.group(1), URI.create("http://127.0.0.1:" + m.group(2) + "/q/metrics"));
        }
        return found;
    }

    @Override
    public void kill(String name) throws Exception {
        run("kill", name);
    }

    @Override
    public void pause(String name) throws Exception {
        run("pause", name);
    }

    @Override
    public void resume(String name) throws Exception {
        run("resume", name);
    }

    @Override
    public void stop(String name) throws Exception {
        run("stop", name);
    }

    @Override
    public void start(String name) throws Exception {
        run("start", name);
    }

    private String run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process p = builder.start();
        byte[] out = p.getInputStream().readAllBytes(); // the script's children do not hold its output open
        if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("bin/cluster " + String.join(" ", args) + " did not finish within " + TIMEOUT);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("bin/cluster " + String.join(" ", args) + " failed (exit " + p.exitValue()
                    + "): " + text.strip());
        }
        return text;
    }
}
