package io.kmqtt.mqttbench.chaos;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** bin/chaos's command line, in-process: help with defaults and the faults, one-line errors (exit 2). */
class ChaosCommandLineTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Chaos.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void runHelpListsEveryOptionWithItsDefaultAndEveryFault() {
        assertThat(run("run", "--help")).isZero();
        assertThat(err.toString()).isEmpty();
        assertThat(out.toString()).contains("--scenario=NAME", "--fault=SPEC", "--rate=MSG/S", "Default: 1000.0", "--hold=DURATION",
                        "Default: 15s", "--settle=DURATION", "SESSION_MAX_QUEUED_MESSAGES")
                .containsPattern("(?m)^  targets +the six faults of the targets table")
                .containsPattern("(?m)^  kill-kafka +kill -9 of a Kafka broker");
    }

    @Test
    void listNamesTheFaultsAndTheSpecLanguage() {
        assertThat(run("list")).isZero();
        assertThat(out.toString()).contains("rolling-restart", "ACTION:PROCESS", "@HOLD");
    }

    @Test
    void aScenarioOrAFaultIsRequiredAndBadValuesAreOneLine() {
        assertThat(run("run")).isEqualTo(2);
        assertThat(err.toString()).contains("--scenario", "--fault").hasLineCount(1);
        err.getBuffer().setLength(0);
        assertThat(run("run", "--fault", "kill-router", "--hold", "soon")).isEqualTo(2);
        assertThat(err.toString()).contains("'soon' is not a duration").hasLineCount(1);
        err.getBuffer().setLength(0);
        assertThat(run("run", "--fault", "explode:gw-1", "--cluster-dir", "/nonexistent")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown fault 'explode:gw-1'").hasLineCount(1);
    }
}
