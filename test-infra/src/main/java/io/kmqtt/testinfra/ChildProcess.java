package io.kmqtt.testinfra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A process started by a test, its output in a log file. Stopped at JVM exit if the test forgets,
 * so a failed run leaves no server behind.
 */
public final class ChildProcess implements AutoCloseable {

    private final Process process;
    private final Path logFile;
    private final String name;
    private final long logStart;
    private final Thread shutdownHook;
    private volatile boolean paused;

    private ChildProcess(Process process, Path logFile, long logStart, String name) {
        this.process = process;
        this.logFile = logFile;
        this.logStart = logStart;
        this.name = name;
        this.shutdownHook = new Thread(() -> destroyTree(true), "stop-" + name);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts command with the extra environment, stdout and stderr appended to logFile. */
    public static ChildProcess start(List<String> command, Map<String, String> env, Path logFile) throws IOException {
        Files.createDirectories(logFile.toAbsolutePath().getParent());
        long logStart = Files.exists(logFile) ? Files.size(logFile) : 0;
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().putAll(env);
        return new ChildProcess(builder.start(), logFile, logStart, logFile.getFileName().toString());
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    /** Waits until the log contains the text; fails with the log's tail if the process exits or time runs out. */
    public void awaitLogLine(String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (log().contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before logging '"
                        + text + "'. Log tail:\n" + logTail(40));
            }
            sleep(100);
        }
        throw new IllegalStateException(name + " did not log '" + text + "' within " + timeout + ". Log tail:\n"
                + logTail(40));
    }

    /** What this process has written so far; earlier runs appended to the same file are skipped. */
    public String log() {
        try {
            if (!Files.exists(logFile)) {
                return "";
            }
            byte[] all = Files.readAllBytes(logFile);
            int from = (int) Math.min(logStart, all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String logTail(int lines) {
        List<String> all = log().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Waits for a short-lived process to finish successfully; fails with its log otherwise. */
    public void awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            throw new IllegalStateException(name + " did not finish within " + timeout + ". Log tail:\n" + logTail(40));
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(name + " failed with exit code " + process.exitValue() + ". Log tail:\n"
                    + logTail(40));
        }
    }

    /** SIGSTOP: the process freezes, as a stalled or cut-off machine would, until {@link #resume}. */
    public void pause() {
        signal("STOP");
        paused = true;
    }

    /** SIGCONT after {@link #pause}. */
    public void resume() {
        signal("CONT");
        paused = false;
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** SIGKILL, as a crash would: no shutdown hooks run in the child. */
    public void kill() {
        destroyTree(true);
    }

    /** SIGTERM, then SIGKILL after 15 s. */
    public void stop() {
        if (paused && process.isAlive()) {
            resume(); // a stopped process would not see the SIGTERM
        }
        destroyTree(false);
    }

    private void destroyTree(boolean force) {
        // Children first (a launcher script's JVM), then the process itself.
        List<ProcessHandle> descendants = process.descendants().toList();
        for (ProcessHandle child : descendants) {
            if (force) {
                child.destroyForcibly();
            } else {
                child.destroy();
            }
        }
        if (force) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            for (ProcessHandle child : descendants) {
                child.onExit().get(15, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            descendants.forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // already running the hooks
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
