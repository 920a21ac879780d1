package io.kmqtt.mqttbench;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The load processes of a run with {@code --workers}. Each says {@value #READY} once its JVM is up,
 * and only when all have said it does each get the run's common start ({@value #GO}START) and begin
 * its ramp. Before, each began as soon as it was up: against seven Mosquittos, seed-5's 1,000/s ramp
 * then had a CONNACK p99 of 1.5-2.5 s in its first five seconds, while the first processes to start
 * shared two cores with the JVMs of the others, and 4-90 ms afterwards. Each run's processes also
 * connect from a new loopback network: back to back, the second run's source ports were still in
 * TIME_WAIT from the first, and its ramp crawled.
 */
final class LoadProcesses {

    static final String READY = "ready";
    static final String GO = "go ";
    static final String PROGRESS = "progress ";
    private static final long READY_TIMEOUT_SECONDS = 120;

    private final Path out;
    private final List<Process> processes = new ArrayList<>();
    private final List<Thread> readers = new ArrayList<>();
    private final Map<Integer, String> latest = new ConcurrentHashMap<>();
    private final CountDownLatch ready;

    private LoadProcesses(int workers, Path out) {
        this.out = out;
        this.ready = new CountDownLatch(workers);
    }

    /** Starts the processes of a run and returns once every one of them is ready to connect. */
    static LoadProcesses start(LoadOptions o, List<String> rawArgs) throws IOException, InterruptedException {
        // 127.x.y, new for each run: the processes connect from 127.x.y.2, 127.x.y.3, ...
        String sourceNet = "127." + ThreadLocalRandom.current().nextInt(1, 255) + "." + ThreadLocalRandom.current().nextInt(0, 256);
        return start(o.workers, o.out, slice -> command(o, rawArgs, slice, sourceNet));
    }

    /** Starts one process per slice, each with its command, and returns once all are ready. */
    static LoadProcesses start(int workers, Path out, IntFunction<List<String>> command) throws IOException, InterruptedException {
        Files.createDirectories(out);
        LoadProcesses p = new LoadProcesses(workers, out);
        for (int k = 0; k < workers; k++) {
            p.spawn(k, command.apply(k));
        }
        p.awaitReady();
        return p;
    }

    private static List<String> command(LoadOptions o, List<String> rawArgs, int slice, String sourceNet) {
        // C1 only: six processes compiling with C2 at a ramp's start held their first CONNACKs for 1.5-2.5 s
        // (seed-5 against seven Mosquittos; 1.2-1.3 s with C1, in the first two seconds only), and a seed
        // scenario's clients publish once a second, far from what C1's code can do
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx" + o.workerHeap, "-XX:+UseParallelGC",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), MqttBench.class.getName(), "worker"));
        command.addAll(rawArgs);
        command.addAll(List.of("--slice", Integer.toString(slice), "--result", result(o.out, slice).toString(),
                "--source-net", sourceNet));
        return command;
    }

    private void spawn(int slice, List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        processes.add(process);
        Thread reader = new Thread(() -> read(slice, process), "worker-" + slice + "-output");
        reader.setDaemon(true);
        reader.start();
        readers.add(reader);
    }

    private void read(int slice, Process process) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals(READY)) {
                    ready.countDown();
                } else if (line.startsWith(PROGRESS)) {
                    latest.put(slice, line.substring(PROGRESS.length()));
                    printProgress();
                } else {
                    System.out.println("\n[worker " + slice + "] " + line);
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    private void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS);
        while (!ready.await(200, TimeUnit.MILLISECONDS)) {
            for (int k = 0; k < processes.size(); k++) {
                if (!processes.get(k).isAlive()) {
                    destroy();
                    throw new IllegalStateException("load worker " + k + " ended before it was ready (exit "
                            + processes.get(k).exitValue() + "): its output is above");
                }
            }
            if (System.nanoTime() > deadline) {
                destroy();
                throw new IllegalStateException("load workers not ready after " + READY_TIMEOUT_SECONDS + " s");
            }
        }
    }

    /** Gives every process the common start, waits for all to finish, and reads their results. */
    List<WorkerResult> run(long startMillis) throws IOException, InterruptedException {
        go(startMillis);
        List<WorkerResult> results = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (int k = 0; k < processes.size(); k++) {
            int exit = processes.get(k).waitFor();
            readers.get(k).join(2000);
            Path result = result(out, k);
            if (exit != 0 || !Files.exists(result)) {
                throw new IllegalStateException("load worker " + k + " failed (exit " + exit + ")");
            }
            results.add(json.readValue(result.toFile(), WorkerResult.class));
            Files.delete(result);
        }
        return results;
    }

    void go(long startMillis) throws IOException {
        byte[] go = (GO + startMillis + "\n").getBytes(StandardCharsets.UTF_8);
        for (Process p : processes) {
            OutputStream in = p.getOutputStream();
            in.write(go);
            in.flush();
        }
    }

    /**
     * In a load process: says it is ready, then waits for the run's common start. Empty when the
     * coordinating process ended without sending it.
     */
    static OptionalLong awaitStart() throws IOException {
        System.out.println(READY);
        System.out.flush();
        String go = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (go == null || !go.startsWith(GO)) {
            System.out.println("no start from the coordinating process (got " + go + "): stopping");
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseLong(go.substring(GO.length())));
    }

    /** In a load process: its counters, for the coordinator's progress line. */
    static void reportProgress(String line) {
        System.out.println(PROGRESS + line);
    }

    private void destroy() {
        processes.forEach(Process::destroyForcibly);
    }

    private static Path result(Path out, int slice) {
        return out.resolve("worker-" + slice + ".json");
    }

    private synchronized void printProgress() {
        long[] totals = new long[4];
        for (String line : latest.values()) {
            String[] f = line.split(" ");
            for (int i = 0; i < 4 && 2 * i + 1 < f.length; i++) {
                totals[i] += Long.parseLong(f[2 * i + 1]);
            }
        }
        System.out.printf("\rconnections %d published %d received %d failed %d          ", totals[0], totals[1], totals[2], totals[3]);
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
