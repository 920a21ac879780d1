package io.kmqtt.auth.tools;

import io.kmqtt.auth.config.AuthConfig;
import io.kmqtt.auth.core.PasswordHashing;
import io.kmqtt.testinfra.RedisServer;
import io.smallrye.config.WithDefault;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** bin/load-users' command line, and what it stores in a real Redis. */
class LoadUsersTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Map<String, String> env, String... args) {
        CommandLine cli = LoadUsers.commandLine(env);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void theDefaultSchemeIsTheBrokersDefault() throws Exception {
        WithDefault brokerDefault = AuthConfig.class.getMethod("passwordHash").getAnnotation(WithDefault.class);
        assertThat(LoadUsers.BROKER_DEFAULT_HASH).isEqualTo(brokerDefault.value());
        assertThat(LoadUsers.hashScheme(null, Map.of())).isEqualTo("sha256");
        assertThat(LoadUsers.hashScheme(null, Map.of("AUTH_PASSWORD_HASH", "plain"))).isEqualTo("plain");
        assertThat(LoadUsers.hashScheme("md5", Map.of("AUTH_PASSWORD_HASH", "plain"))).isEqualTo("md5");
    }

    @Test
    void seedUsersAreStoredWithTheBrokersSchemeAndTheSchemeIsPrinted() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            assertThat(run(Map.of(), "--redis", redis.url(), "--users", "5", "--acl-users", "2")).as(err.toString()).isZero();
            assertThat(out.toString()).contains("loaded: 7 commands",
                    "stored 5 users, password hash sha256 (the broker's AUTH_PASSWORD_HASH must be the same)");
            String stored = hget(redis.port(), "mqtt_user:user5", "password");
            assertThat(PasswordHashing.parse("sha256").verify("123456".getBytes(StandardCharsets.UTF_8), stored, null)).isTrue();

            assertThat(run(Map.of("AUTH_PASSWORD_HASH", "plain"), "--redis", redis.url(), "--users", "1")).isZero();
            assertThat(out.toString()).contains("stored 1 users, password hash plain");
            assertThat(hget(redis.port(), "mqtt_user:user1", "password")).isEqualTo("123456");
        }
    }

    @Test
    void helpListsTheOptionsWithTheirDefaults() {
        assertThat(run(Map.of(), "--help")).isZero();
        assertThat(out.toString()).contains("--redis=URL", "Default: redis://127.0.0.1:6379", "--topics=T", "Default: 20",
                "--hash=SPEC", "AUTH_PASSWORD_HASH", "sha256", "--csv=FILE");
    }

    @Test
    void badInputIsOneLineAndExitCodeTwo() {
        assertThat(run(Map.of(), "--users", "x")).isEqualTo(2);
        assertOneLine("load-users: Invalid value for option '--users': 'x' is not a long");
        assertThat(run(Map.of(), "--bogus")).isEqualTo(2);
        assertOneLine("load-users: Unknown option: '--bogus'");
        assertThat(run(Map.of())).isEqualTo(2);
        assertOneLine("load-users: give --users N (and --acl-users M) or --csv FILE");
        assertThat(run(Map.of(), "--users", "3", "--hash", "rot13")).isEqualTo(2);
        assertOneLine("load-users: auth.password-hash 'rot13' is not one of");
        assertThat(run(Map.of(), "--users", "3", "--redis", "redis://127.0.0.1:1")).isEqualTo(1);
        assertOneLine("load-users: cannot reach Redis at 127.0.0.1:1");
    }

    private void assertOneLine(String start) {
        String text = err.toString();
        assertThat(text).startsWith(start).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(text.strip().lines()).hasSize(1);
        err.getBuffer().setLength(0);
    }

    private static String hget(int port, String key, String field) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream o = s.getOutputStream();
            String cmd = "*3\r\n$4\r\nHGET\r\n$" + key.length() + "\r\n" + key + "\r\n$" + field.length() + "\r\n" + field + "\r\n";
            o.write(cmd.getBytes(StandardCharsets.UTF_8));
            o.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String header = in.readLine();
            return header.startsWith("$-1") ? null : in.readLine();
        }
    }
}
