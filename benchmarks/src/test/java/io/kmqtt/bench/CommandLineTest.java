package io.kmqtt.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** The benchmarks' command-line tools explain themselves and refuse bad input in one line. */
class CommandLineTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Object command, String... args) {
        CommandLine cli = Cli.commandLine(command);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void connectRateHelpNamesTheArgumentsAndDefaults() {
        assertThat(run(new ConnectRate(), "--help")).isZero();
        assertThat(out.toString()).contains("HOST", "PORT", "TOTAL", "CONCURRENCY", "USERS", "Default: 127.0.0.1",
                "Default: 1883", "Default: 20000", "Default: 200", "Default: 10000");
    }

    @Test
    void connectRateRefusesBadInputInOneLine() {
        assertThat(run(new ConnectRate(), "127.0.0.1", "port")).isEqualTo(2);
        assertOneLine("ConnectRate: Invalid value for positional parameter at index 1 (PORT): 'port' is not an int");
        assertThat(run(new ConnectRate(), "127.0.0.1", "1883", "0")).isEqualTo(2);
        assertOneLine("ConnectRate: TOTAL, CONCURRENCY and USERS must be at least 1");
        assertThat(run(new ConnectRate(), "a", "1", "2", "3", "4", "5")).isEqualTo(2);
        assertOneLine("ConnectRate: Unmatched argument at index 5: '5'");
    }

    @Test
    void indexFootprintHelpAndBadInput() {
        assertThat(run(new IndexFootprint(), "--help")).isZero();
        assertThat(out.toString()).contains("EXACT", "WILDCARD", "Default: 1000000", "Default: 10000");
        assertThat(run(new IndexFootprint(), "lots")).isEqualTo(2);
        assertOneLine("IndexFootprint: Invalid value for positional parameter at index 0 (EXACT): 'lots' is not an int");
        assertThat(run(new IndexFootprint(), "--exact")).isEqualTo(2);
        assertOneLine("IndexFootprint: Unknown option: '--exact'");
    }

    @Test
    void indexFootprintRunsOnASmallIndex() {
        assertThat(run(new IndexFootprint(), "1000", "100")).isZero();
        assertThat(out.toString()).contains("exact filters:    1,000", "wildcard filters: 100");
    }

    private void assertOneLine(String start) {
        String text = err.toString();
        assertThat(text).startsWith(start).doesNotContain("\tat ");
        assertThat(text.strip().lines()).hasSize(1);
        err.getBuffer().setLength(0);
    }
}
