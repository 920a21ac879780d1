package io.kmqtt.bench;

import picocli.CommandLine;

/** The load tools' command lines: bad input is one line and exit 2, never a stack trace. */
final class Cli {

    private Cli() {
    }

    static CommandLine commandLine(Object command) {
        CommandLine cli = new CommandLine(command);
        String name = cli.getCommandName();
        cli.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println(name + ": " + e.getMessage() + " (see --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> {
            c.getErr().println(name + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        return cli;
    }
}
