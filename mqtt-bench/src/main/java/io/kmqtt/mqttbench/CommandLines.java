package io.kmqtt.mqttbench;

import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

/** What bin/mqtt-bench and bin/chaos do alike on their command lines. */
public final class CommandLines {

    private CommandLines() {
    }

    /** Adds lines (plain text, not format strings) to the --help footer of each command. */
    public static void appendToFooter(List<CommandLine> commands, List<String> lines) {
        for (CommandLine c : commands) {
            List<String> footer = new ArrayList<>(List.of(c.getCommandSpec().usageMessage().footer()));
            lines.forEach(line -> footer.add(line.replace("%", "%%"))); // footers are format strings
            c.getCommandSpec().usageMessage().footer(footer.toArray(String[]::new));
        }
    }

    /** Bad input is one line and exit 2, a failed run one line and exit 1. */
    public static CommandLine withOneLineErrors(CommandLine cli) {
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine c = e.getCommandLine();
            String name = c.getCommandSpec().qualifiedName();
            // a misspelt --scenario is reported as the typo, not as the missing option it causes
            String message = e instanceof CommandLine.MissingParameterException && !c.getUnmatchedArguments().isEmpty()
                    ? new CommandLine.UnmatchedArgumentException(c, c.getUnmatchedArguments()).getMessage() : e.getMessage();
            c.getErr().println(name + ": " + message + " (see bin/" + name + " --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> {
            boolean badInput = e instanceof IllegalArgumentException;
            String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            c.getErr().println(c.getCommandSpec().qualifiedName() + ": "
                    + (badInput ? message : e.getClass().getSimpleName() + ": " + message));
            return badInput ? 2 : 1;
        });
        return cli;
    }
}
