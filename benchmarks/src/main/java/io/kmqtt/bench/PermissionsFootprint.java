package io.kmqtt.bench;

import io.kmqtt.core.auth.AclRule;
import io.kmqtt.core.auth.Permissions;

import java.util.ArrayList;
import java.util.List;

/**
 * Heap that the ACL rules of idle connections hold: the seed's users (20 rules each,
 * {@code topic/device_user<i>/t_<k>}), a device and a mobile per user, each connection given a
 * fresh rule list as a CONNECT's decision gives it. {@code list} holds a list of AclRule per
 * connection (how the gateway held them before {@link Permissions} kept one shared string).
 *
 * java -Xmx512m -XX:+UseSerialGC -cp benchmarks/target/benchmarks.jar io.kmqtt.bench.PermissionsFootprint [list|shared] [users]
 *
 * <p>Since all of the seed's users share one rule list, a connection holds 24 bytes: more users
 * (75,000 rather than the default 7,500) bring that above the collector's noise.
 */
public final class PermissionsFootprint {

    public static void main(String[] args) throws Exception {
        boolean list = args.length > 0 && args[0].equals("list");
        int users = args.length > 1 ? Integer.parseInt(args[1]) : 7_500;
        Object[] held = new Object[users * 2];
        long before = usedAfterGc();
        for (int u = 1; u <= users; u++) {
            for (int c = 0; c < 2; c++) {
                List<AclRule> rules = new ArrayList<>();
                for (int t = 1; t <= 20; t++) {
                    rules.add(new AclRule("topic/device_user" + u + "/t_" + t, AclRule.BOTH));
                }
                held[(u - 1) * 2 + c] = list ? List.copyOf(rules)
                        : Permissions.resolve(false, rules, "user" + u, (c == 0 ? "dev-" : "mob-") + u, false);
            }
        }
        long after = usedAfterGc();
        System.out.printf("%s: %.0f bytes per connection (%,d connections, 2 per user, 20 rules per user)%n",
                list ? "a list of AclRule per connection" : "Permissions.resolve", (after - before) / (double) held.length,
                held.length);
        if (held[held.length - 1] == null) {
            throw new AssertionError(); // keeps everything reachable until after the measurement
        }
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
        }
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
