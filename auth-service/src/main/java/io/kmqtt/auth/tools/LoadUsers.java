package io.kmqtt.auth.tools;

import io.kmqtt.auth.service.PasswordHashing;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bulk-loads users and ACL rules into Redis in the emq_auth_redis layout, pipelined: the seed's
 * dataset (user1..userN, and 20 rules topic/device_user<i>/t_<t> -> 3 for the first M users) or CSV.
 *
 * <pre>
 * bin/load-users --redis redis://HOST:PORT --users N --acl-users M [--password P] [--hash SPEC] [--topics 20]
 * bin/load-users --redis redis://HOST:PORT --csv users.csv [--acl-csv acl.csv] [--hash SPEC]
 *   users.csv: username,password[,superuser]     acl.csv: username,filter,access
 * </pre>
 *
 * One HSET per user hash (password, salt when salted, is_superuser) and one multi-field HSET per
 * user's ACL. A reader thread counts replies while the writer streams commands, so Redis never
 * waits for a round trip.
 */
public final class LoadUsers {

    private final OutputStream out;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong replies = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final PasswordHashing hashing;

    private LoadUsers(OutputStream out, PasswordHashing hashing) {
        this.out = out;
        this.hashing = hashing;
    }

    public static void main(String[] args) throws Exception {
        String redis = "redis://127.0.0.1:6379";
        long users = 0;
        long aclUsers = 0;
        int topics = 20;
        String password = "123456";
        String hash = "plain";
        Path csv = null;
        Path aclCsv = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--redis" -> redis = required(args[i], value);
                case "--users" -> users = Long.parseLong(required(args[i], value));
                case "--acl-users" -> aclUsers = Long.parseLong(required(args[i], value));
                case "--topics" -> topics = Integer.parseInt(required(args[i], value));
                case "--password" -> password = required(args[i], value);
                case "--hash" -> hash = required(args[i], value);
                case "--csv" -> csv = Path.of(required(args[i], value));
                case "--acl-csv" -> aclCsv = Path.of(required(args[i], value));
                case "-h", "--help" -> {
                    usage(null);
                    return;
                }
                default -> usage("unknown option " + args[i]);
            }
            i++;
        }
        if (csv == null && users <= 0) {
            usage("give --users N (and --acl-users M) or --csv FILE");
        }
        URI uri = URI.create(redis);
        PasswordHashing hashing = PasswordHashing.parse(hash);
        long started = System.nanoTime();
        try (Socket socket = new Socket(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 6379)) {
            socket.setTcpNoDelay(false);
            LoadUsers loader = new LoadUsers(new BufferedOutputStream(socket.getOutputStream(), 1 << 16), hashing);
            Thread reader = loader.startReplyCounter(socket.getInputStream());
            Thread progress = loader.startProgress(started);
            if (csv != null) {
                loader.loadCsv(csv, aclCsv);
            } else {
                loader.loadSeed(users, aclUsers, topics, password);
            }
            loader.out.flush();
            while (loader.replies.get() < loader.sent.get() && reader.isAlive()) {
                Thread.sleep(10);
            }
            progress.interrupt();
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf(Locale.ROOT, "%nloaded: %,d commands in %.1f s (%,.0f commands/s), %d errors%n",
                    loader.sent.get(), seconds, loader.sent.get() / seconds, loader.errors.get());
            if (loader.errors.get() > 0) {
                System.exit(1);
            }
        }
    }

    private void loadSeed(long users, long aclUsers, int topics, String password) throws IOException {
        byte[] plain = password.getBytes(StandardCharsets.UTF_8);
        String fixedHash = hashing.usesSalt() || hashing.spec().startsWith("bcrypt") ? null : hashing.hash(plain, "");
        for (long i = 1; i <= users; i++) {
            String user = "user" + i;
            writeUser(user, plain, fixedHash, false);
            if (i <= aclUsers) {
                List<String> acl = new ArrayList<>(2 + 2 * topics);
                acl.add("HSET");
                acl.add("mqtt_acl:" + user);
                for (int t = 1; t <= topics; t++) {
                    acl.add("topic/device_" + user + "/t_" + t);
                    acl.add("3");
                }
                command(acl);
            }
        }
    }

    private void loadCsv(Path usersCsv, Path aclCsv) throws IOException {
        for (String line : Files.readAllLines(usersCsv)) {
            String[] f = line.split(",", -1);
            if (line.isBlank() || line.startsWith("#") || f[0].equals("username")) {
                continue;
            }
            writeUser(f[0].strip(), f[1].strip().getBytes(StandardCharsets.UTF_8), null,
                    f.length > 2 && (f[2].strip().equals("1") || f[2].strip().equalsIgnoreCase("true")));
        }
        if (aclCsv != null) {
            for (String line : Files.readAllLines(aclCsv)) {
                String[] f = line.split(",", -1);
                if (line.isBlank() || line.startsWith("#") || f[0].equals("username")) {
                    continue;
                }
                command(List.of("HSET", "mqtt_acl:" + f[0].strip(), f[1].strip(), f[2].strip()));
            }
        }
    }

    private void writeUser(String user, byte[] password, String precomputed, boolean superuser) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("HSET", "mqtt_user:" + user, "password"));
        if (precomputed != null) {
            cmd.add(precomputed);
        } else {
            String salt = hashing.usesSalt() ? PasswordHashing.newSalt() : "";
            cmd.add(hashing.hash(password, salt));
            if (!salt.isEmpty()) {
                cmd.add("salt");
                cmd.add(salt);
            }
        }
        if (superuser) {
            cmd.add("is_superuser");
            cmd.add("1");
        }
        command(cmd);
    }

    /** Writes one command in RESP; the buffered stream sends them in 64 KB batches. */
    private void command(List<String> words) throws IOException {
        writeAscii("*" + words.size() + "\r\n");
        for (String w : words) {
            byte[] bytes = w.getBytes(StandardCharsets.UTF_8);
            writeAscii("$" + bytes.length + "\r\n");
            out.write(bytes);
            out.write('\r');
            out.write('\n');
        }
        sent.incrementAndGet();
    }

    private void writeAscii(String s) throws IOException {
        for (int i = 0; i < s.length(); i++) {
            out.write(s.charAt(i));
        }
    }

    /** Counts replies: each HSET answers one line, ':N' or '-ERR ...'. */
    private Thread startReplyCounter(InputStream in) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[1 << 16];
            boolean lineStart = true;
            StringBuilder error = null;
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    for (int i = 0; i < n; i++) {
                        byte b = buf[i];
                        if (lineStart && b == '-') {
                            error = new StringBuilder();
                        }
                        if (error != null && b != '\r' && b != '\n') {
                            error.append((char) b);
                        }
                        lineStart = b == '\n';
                        if (lineStart) {
                            if (error != null) {
                                errors.incrementAndGet();
                                System.err.println("redis: " + error);
                                error = null;
                            }
                            replies.incrementAndGet();
                        }
                    }
                }
            } catch (IOException e) {
                if (replies.get() < sent.get()) {
                    System.err.println("connection to Redis lost: " + e.getMessage());
                }
            }
        }, "redis-replies");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private Thread startProgress(long started) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(1000);
                    double seconds = (System.nanoTime() - started) / 1e9;
                    System.out.printf(Locale.ROOT, "\r%,d commands sent, %,d acknowledged (%,.0f/s)   ",
                            sent.get(), replies.get(), replies.get() / seconds);
                }
            } catch (InterruptedException done) {
                // finished
            }
        }, "progress");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String required(String option, String value) {
        if (value == null) {
            usage(option + " needs a value");
        }
        return value;
    }

    private static void usage(String problem) {
        if (problem != null) {
            System.err.println("load-users: " + problem);
        }
        System.err.println("usage: bin/load-users --redis redis://HOST:PORT --users N --acl-users M [--password P] [--hash SPEC] [--topics 20]");
        System.err.println("       bin/load-users --redis redis://HOST:PORT --csv users.csv [--acl-csv acl.csv] [--hash SPEC]");
        System.err.println("  SPEC as auth.password-hash: plain (default, as in the seed), sha256, salt,sha256, bcrypt, pbkdf2,sha256,1000,20 ...");
        if (problem != null) {
            System.exit(2);
        }
    }
}
