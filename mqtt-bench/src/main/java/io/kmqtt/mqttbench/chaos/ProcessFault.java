package io.kmqtt.mqttbench.chaos;

import java.time.Duration;
import java.util.Optional;

/**
 * One action on one process: {@code kill -9} (started again at recovery), SIGSTOP (SIGCONT at
 * recovery), a normal stop (started again at recovery), or a restart (stop then start, over when
 * injected).
 */
public final class ProcessFault implements Fault {

    public enum Action {
        KILL, PAUSE, STOP, RESTART;

        static Action parse(String text) {
            try {
                return valueOf(text.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown action '" + text + "': kill, pause, stop or restart");
            }
        }
    }

    private final String name;
    private final Action action;
    private final Target target;
    private final Duration hold;
    private String acted;   // the process acted on, once injected

    public ProcessFault(String name, Action action, Target target, Duration hold) {
        this.name = name;
        this.action = action;
        this.target = target;
        this.hold = action == Action.RESTART ? Duration.ZERO : hold;
    }

    @Override
    public String name() {
        return name;
    }

    public Action action() {
        return action;
    }

    @Override
    public Optional<Duration> hold() {
        return Optional.ofNullable(hold);
    }

    @Override
    public void inject(FaultContext context) throws Exception {
        String process = target.resolve(context);
        // Time to recover counts from the action's start, but only messages created once it has
        // taken effect show a recovery: those created while the signal was on its way still arrive.
        long began = context.row().nowMicros();
        switch (action) {
            case KILL -> {
                context.processes().kill(process);
                context.disrupted("kill -9 " + process, began);
            }
            case PAUSE -> {
                context.processes().pause(process);
                context.disrupted("SIGSTOP " + process, began);
            }
            case STOP -> {
                context.processes().stop(process);
                context.disrupted("stopped " + process + " (SIGTERM)", began);
            }
            case RESTART -> {
                context.processes().stop(process);
                context.disrupted("stopped " + process + " (SIGTERM)", began);
                context.processes().start(process);
                context.event(process + " up again");
                return;
            }
        }
        acted = process;
    }

    @Override
    public void recover(FaultContext context) throws Exception {
        if (acted == null) {
            return;
        }
        String process = acted;
        acted = null;
        switch (action) {
            case KILL, STOP -> {
                context.event("start " + process);
                context.processes().start(process);
                context.event(process + " up again");
            }
            case PAUSE -> {
                context.processes().resume(process);
                context.event("SIGCONT " + process);
            }
            case RESTART -> { }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
