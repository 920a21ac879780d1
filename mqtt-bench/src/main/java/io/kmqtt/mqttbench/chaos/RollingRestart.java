package io.kmqtt.mqttbench.chaos;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Restarts every process whose name has one of the prefixes (gw-, router-), one at a time, each
 * back up before the next one goes, with a pause between them: what a deployment does. Time to
 * recover counts from the last restart.
 */
public final class RollingRestart implements Fault {

    private final String name;
    private final List<String> prefixes;

    public RollingRestart(String name, List<String> prefixes) {
        this.name = name;
        this.prefixes = List.copyOf(prefixes);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<Duration> hold() {
        return Optional.of(Duration.ZERO);
    }

    @Override
    public void inject(FaultContext context) throws Exception {
        List<String> all = context.processes().names();
        List<String> order = prefixes.stream()
                .flatMap(prefix -> all.stream().filter(n -> n.startsWith(prefix)).sorted(NaturalOrder.INSTANCE))
                .toList();
        if (order.isEmpty()) {
            throw new IllegalStateException("no process named " + prefixes + "* among " + all);
        }
        for (int i = 0; i < order.size(); i++) {
            if (i > 0) {
                Thread.sleep(context.stepPause().toMillis());
            }
            long began = context.row().nowMicros();
            context.processes().stop(order.get(i));
            context.disrupted("stopped " + order.get(i) + " (SIGTERM)", began);
            context.processes().start(order.get(i));
            context.event(order.get(i) + " up again");
        }
    }

    @Override
    public void recover(FaultContext context) {
        // every process was back up before inject returned
    }

    @Override
    public String toString() {
        return name;
    }
}
