package io.kmqtt.auth.tools;

import io.kmqtt.auth.core.PasswordHashing;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

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
 * Passwords are hashed as the broker checks them: {@code --hash}, else {@code AUTH_PASSWORD_HASH},
 * else the broker's default ({@code auth.password-hash}, sha256); the last line names the scheme
 * written. One HSET per user hash (password, salt when salted, is_superuser) and one multi-field
 * HSET per user's ACL. A reader thread counts replies while the writer streams commands, so Redis
 * never waits for a round trip.
 */
@Command(name = "load-users", sortOptions = false, showDefaultValues = true,
        usageHelpWidth = 110,
        description = {"Bulk-loads MQTT users and ACL rules into Redis in the emq_auth_redis layout, pipelined: "
                + "the seed's dataset (user1..userN with 20 ACL rules topic/device_user<i>/t_<k> each for the first M) "
                + "or CSV files."},
        footer = {"", "Examples:",
                "  bin/load-users --redis redis://127.0.0.1:6379 --users 2000000 --acl-users 1000000",
                "  bin/load-users --redis redis://127.0.0.1:6379 --csv users.csv --acl-csv acl.csv",
                "The broker must check passwords with the scheme written here: its AUTH_PASSWORD_HASH (default sha256)."})
public final class LoadUsers implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /** The broker's default {@code auth.password-hash} (AuthConfig); a test keeps the two equal. */
    static final String BROKER_DEFAULT_HASH = "sha256";

    @Option(names = "--redis", paramLabel = "URL", description = "Redis to load into.")
    String redis = "redis://127.0.0.1:6379";

    @Option(names = "--users", paramLabel = "N", description = "Seed users user1..userN (password --password).")
    long users;

    @Option(names = "--acl-users", paramLabel = "M", description = "ACL rules for the first M seed users.")
    long aclUsers;

    @Option(names = "--topics", paramLabel = "T", description = "ACL rules per seed user: topic/device_user<i>/t_1..t_T, access 3.")
    int topics = 20;

    @Option(names = "--password", paramLabel = "P", description = "Password of every seed user.")
    String password = "123456";

    @Option(names = "--hash", paramLabel = "SPEC", showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = {"How passwords are stored, as auth.password-hash: plain, md5, sha, sha256, sha512, bcrypt, "
                    + "salt,sha256, sha256,salt, pbkdf2,sha256,1000,20 ...",
                    "Default: $AUTH_PASSWORD_HASH if set, else the broker's default, " + BROKER_DEFAULT_HASH + "."})
    String hash;

    @Option(names = "--csv", paramLabel = "FILE", description = "Users from CSV instead: username,password[,superuser].")
    Path csv;

    @Option(names = "--acl-csv", paramLabel = "FILE", description = "ACL rules from CSV: username,filter,access (1 sub, 2 pub, 3 both).")
    Path aclCsv;

    @Spec
    CommandSpec spec;

    private OutputStream out;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong replies = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong usersWritten = new AtomicLong();
    private PasswordHashing hashing;

    public static void main(String[] args) {
        System.exit(commandLine(System.getenv()).execute(args));
    }

    /** The command line with one-line errors (exit 2) instead of stack traces; env gives AUTH_PASSWORD_HASH. */
    static CommandLine commandLine(Map<String, String> env) {
        LoadUsers command = new LoadUsers();
        command.env = env;
        CommandLine cli = new CommandLine(command);
        cli.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("load-users: " + e.getMessage() + " (see bin/load-users --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> {
            c.getErr().println("load-users: " + (e instanceof IllegalArgumentException || e.getMessage() != null
                    ? e.getMessage() : e.toString()));
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        return cli;
    }

    private Map<String, String> env = Map.of();

    /** --hash, else AUTH_PASSWORD_HASH, else the broker's default: the scheme the broker will check with. */
    static String hashScheme(String option, Map<String, String> env) {
        if (option != null) {
            return option;
        }
        String configured = env.get("AUTH_PASSWORD_HASH");
        return configured != null && !configured.isBlank() ? configured : BROKER_DEFAULT_HASH;
    }

    @Override
    public Integer call() throws Exception {
        if (csv == null && users <= 0) {
            throw new ParameterException(spec.commandLine(), "give --users N (and --acl-users M) or --csv FILE");
        }
        URI uri = URI.create(redis);
        if (uri.getHost() == null) {
            throw new ParameterException(spec.commandLine(), "--redis wants redis://HOST:PORT, not '" + redis + "'");
        }
        hashing = PasswordHashing.parse(hashScheme(hash, env));
        long started = System.nanoTime();
        PrintWriter stdout = spec.commandLine().getOut();
        try (Socket socket = new Socket(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 6379)) {
            socket.setTcpNoDelay(false);
            out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            Thread reader = startReplyCounter(socket.getInputStream());
            Thread progress = startProgress(started, stdout);
            if (csv != null) {
                loadCsv(csv, aclCsv);
            } else {
                loadSeed(users, aclUsers, topics, password);
            }
            out.flush();
            while (replies.get() < sent.get() && reader.isAlive()) {
                Thread.sleep(10);
            }
            progress.interrupt();
            progress.join();
            double seconds = (System.nanoTime() - started) / 1e9;
            stdout.printf(Locale.ROOT, "%nloaded: %,d commands in %.1f s (%,.0f commands/s), %d errors%n",
                    sent.get(), seconds, sent.get() / seconds, errors.get());
            stdout.printf(Locale.ROOT, "stored %,d users, password hash %s (the broker's AUTH_PASSWORD_HASH must be the same)%n",
                    usersWritten.get(), hashing.spec());
            stdout.flush();
            return errors.get() > 0 || replies.get() < sent.get() ? 1 : 0;
        } catch (java.net.ConnectException e) {
            throw new IllegalStateException("cannot reach Redis at " + uri.getHost() + ":"
                    + (uri.getPort() > 0 ? uri.getPort() : 6379) + ": " + e.getMessage());
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
        usersWritten.incrementAndGet();
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

    private Thread startProgress(long started, PrintWriter stdout) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(1000);
                    double seconds = (System.nanoTime() - started) / 1e9;
                    stdout.printf(Locale.ROOT, "\r%,d commands sent, %,d acknowledged (%,.0f/s)   ",
                            sent.get(), replies.get(), replies.get() / seconds);
                    stdout.flush();
                }
            } catch (InterruptedException done) {
                // finished
            }
        }, "progress");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
