package io.kmqtt.testinfra;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real redis-server (6.2, the Linux binary shipped in com.github.codemonstur:embedded-redis, or
 * the machine's own if REDIS_SERVER names one) on a loopback port, without persistence. It can be
 * stopped and started again on the same port, to test outages.
 */
public final class RedisServer implements AutoCloseable {

    private static final String BUNDLED = "/redis-server-6.2.6-v5-linux-amd64";

    private final int port;
    private final Path dir;
    private final Path binary;
    private ChildProcess process;
    private int starts;

    private RedisServer(int port, Path dir, Path binary) {
        this.port = port;
        this.dir = dir;
        this.binary = binary;
    }

    public static RedisServer start() throws IOException {
        Path dir = Files.createTempDirectory("kmqtt-redis-");
        RedisServer server = new RedisServer(FreePorts.find(), dir, binary(dir));
        server.startProcess();
        return server;
    }

    private static Path binary(Path dir) throws IOException {
        String configured = System.getenv("REDIS_SERVER");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path target = dir.resolve("redis-server");
        try (InputStream in = RedisServer.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException(BUNDLED + " not on the classpath: is embedded-redis a dependency?");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        if (!target.toFile().setExecutable(true)) {
            throw new IOException("cannot make " + target + " executable");
        }
        return target;
    }

    private void startProcess() throws IOException {
        process = ChildProcess.start(List.of(binary.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString()), Map.of(),
                dir.resolve("redis-" + (++starts) + ".log")); // a fresh log, so the ready line is this start's
        process.awaitLogLine("Ready to accept connections", Duration.ofSeconds(20));
    }

    /** redis://127.0.0.1:PORT, as quarkus.redis.hosts wants it. */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Kills the server (an outage); {@link #restart()} brings it back on the same port, empty. */
    public void kill() {
        process.kill();
    }

    public void restart() throws IOException {
        if (process.isAlive()) {
            process.kill();
        }
        startProcess();
    }

    /** Sends one command with plain RESP and returns the raw reply, for test set-up and checks. */
    public String command(String... words) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            StringBuilder out = new StringBuilder("*").append(words.length).append("\r\n");
            for (String w : words) {
                byte[] bytes = w.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                out.append('$').append(bytes.length).append("\r\n").append(w).append("\r\n");
            }
            socket.getOutputStream().write(out.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            socket.setSoTimeout(5000);
            byte[] buffer = new byte[65536];
            int n = socket.getInputStream().read(buffer);
            return n <= 0 ? "" : new String(buffer, 0, n, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
    }
}
