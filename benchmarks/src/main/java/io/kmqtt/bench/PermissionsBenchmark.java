package io.kmqtt.bench;

import io.kmqtt.core.auth.AclRule;
import io.kmqtt.core.auth.Permissions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The ACL check on every PUBLISH ({@link Permissions#canPublish}) with the seed's rules: 20 per
 * user, {@code topic/device_user<i>/t_<k>}, which name the user. Each operation checks the topic of
 * the user's 20th rule (the last one a linear walk reaches when the rules are in their stored order)
 * and a topic no rule allows (every rule walked), so a change in how a rule is matched shows here.
 * {@link #resolveAtConnect} is the resolution every CONNECT does: the 20 rules as the credential
 * store returns them, to the shared list.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class PermissionsBenchmark {

    private Permissions permissions;
    private List<AclRule> rules;
    private String allowed;
    private String denied;

    @Setup
    public void setUp() {
        rules = new ArrayList<>();
        for (int t = 1; t <= 20; t++) {
            rules.add(new AclRule("topic/device_user4711/t_" + t, AclRule.BOTH));
        }
        permissions = Permissions.resolve(false, rules, "user4711", "dev-4711", false);
        allowed = "topic/device_user4711/t_20";
        denied = "topic/device_user4712/t_20";
    }

    @Benchmark
    public boolean allowedAndDenied() {
        return permissions.canPublish(allowed) & !permissions.canPublish(denied);
    }

    @Benchmark
    public Permissions resolveAtConnect() {
        return Permissions.resolve(false, rules, "user4711", "dev-4711", false);
    }
}
