package io.kmqtt.bench;

import io.kmqtt.auth.core.PasswordHashing;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Password checks per second on one core, per auth.password-hash scheme: the CPU side of a CONNECT. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class PasswordHashingBenchmark {

    @Param({"plain", "sha256", "salt,sha256", "sha512", "pbkdf2,sha256,1000,20", "bcrypt"})
    String scheme;

    private PasswordHashing hashing;
    private final byte[] password = "123456".getBytes(StandardCharsets.UTF_8);
    private String stored;

    @Setup
    public void setUp() {
        hashing = PasswordHashing.parse(scheme);
        stored = hashing.hash(password, "0123456789abcdef"); // bcrypt: cost 10, as the API stores it
    }

    @Benchmark
    public boolean verify() {
        return hashing.verify(password, stored, "0123456789abcdef");
    }
}
