package io.kmqtt.mqttbench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU and resident memory of broker processes, read from /proc once a second. CPU is in percent
 * of one core (200 % = both cores of this machine busy).
 */
final class ProcSampler implements AutoCloseable {

    /** Linux USER_HZ; 100 on every mainstream kernel. */
    private static final double TICKS_PER_SECOND = 100.0;

    record Sample(int second, double cpuPercent, double rssMb) {
    }

    private final Map<String, Long> pids;
    private final long startMillis;
    private final Map<String, List<Sample>> samples = new LinkedHashMap<>();
    private final Map<String, Long> lastTicks = new LinkedHashMap<>();
    private final Thread thread;
    private long lastMillis;

    ProcSampler(Map<String, Long> pids, long startMillis) {
        this.pids = pids;
        this.startMillis = startMillis;
        pids.keySet().forEach(name -> samples.put(name, new ArrayList<>()));
        this.thread = new Thread(this::loop, "proc-sampler");
        thread.setDaemon(true);
        if (!pids.isEmpty()) {
            sample();
            thread.start();
        }
    }

    private void loop() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            sample();
        }
    }

    private synchronized void sample() {
        long now = System.currentTimeMillis();
        double elapsed = lastMillis == 0 ? 0 : (now - lastMillis) / 1000.0;
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            try {
                String stat = Files.readString(Path.of("/proc", e.getValue().toString(), "stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime + stime
                long rssPages = Long.parseLong(fields[21]);
                Long last = lastTicks.put(e.getKey(), ticks);
                double cpu = last == null || elapsed == 0 ? 0 : (ticks - last) / TICKS_PER_SECOND / elapsed * 100;
                samples.get(e.getKey()).add(new Sample((int) ((now - startMillis) / 1000), cpu, rssPages * 4096 / 1048576.0));
            } catch (IOException | RuntimeException gone) {
                // the process exited; its series just stops
            }
        }
        lastMillis = now;
    }

    synchronized Map<String, List<Sample>> samples() {
        Map<String, List<Sample>> copy = new LinkedHashMap<>();
        samples.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return copy;
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
