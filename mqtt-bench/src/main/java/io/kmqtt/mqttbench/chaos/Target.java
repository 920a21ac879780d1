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

    /** The gateway the watched subscriber (the one on every topic) is connected to; the first gateway if it cannot be told. */
    static Target gatewayOfWatchedSubscriber() {
        return context -> {
            Optional<String> found;
            try {
                found = context.locator().gatewayOf(context.watchedClient());
            } catch (Exception e) {
                found = Optional.empty();
            }
            if (found.isPresent() && context.processes().names().contains(found.get())) {
                return found.get();
            }
            String fallback = first("gw-").resolve(context);
            context.event("cannot tell the gateway of " + context.watchedClient() + ": taking " + fallback);
            return fallback;
        };
    }
}
