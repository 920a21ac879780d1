package io.kmqtt.mqttbench.chaos;

import java.util.List;
import java.util.Optional;

/** Which process a fault acts on, decided when it is injected (the watched subscriber's gateway moves). */
@FunctionalInterface
public interface Target {

    String resolve(FaultContext context) throws Exception;

    /** Exactly this process. */
    static Target named(String name) {
        return new Target() {
            @Override
            public String resolve(FaultContext context) {
                return name;
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    /** The first process whose name starts with the prefix (router-1 for "router-"). */
    static Target first(String prefix) {
        return context -> {
            List<String> names = context.processes().names();
            if (prefix.equals("kafka") && names.contains("kafka")) {
                return "kafka"; // a single broker
            }
            return names.stream().filter(n -> n.startsWith(prefix)).sorted(NaturalOrder.INSTANCE).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no process named " + prefix + "* among " + names));
        };
    }

    /**
     * The gateway the watched subscriber (the one on every topic) is connected to, asked up to three
     * times a second apart (an admin API busy with a loaded machine may not answer the first time);
     * the first gateway if it cannot be told, with the reason in the row.
     */
    static Target gatewayOfWatchedSubscriber() {
        return context -> {
            String why = "not connected";
            for (int attempt = 1; attempt <= 3; attempt++) {
                if (attempt > 1) {
                    Thread.sleep(1000);
                }
                try {
                    Optional<String> found = context.locator().gatewayOf(context.watchedClient());
                    if (found.isPresent() && context.processes().names().contains(found.get())) {
                        return found.get();
                    }
                    why = found.map(g -> "it is on " + g + ", not a process of the cluster").orElse("not connected");
                } catch (InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    why = e.toString();
                }
            }
            String fallback = first("gw-").resolve(context);
            context.event("cannot tell the gateway of " + context.watchedClient() + " (" + why + "): taking " + fallback);
            return fallback;
        };
    }
}
