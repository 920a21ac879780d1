package io.kmqtt.mqttbench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** bin/mqtt-bench's command line, run in-process: help with defaults and scenarios, one-line errors. */
class CommandLineTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = MqttBench.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void helpListsTheCommandsAndEveryScenarioWithOneLineEach() {
        assertThat(run("--help")).isZero();
        assertThat(err.toString()).as("no picocli warnings").isEmpty();
        assertThat(out.toString()).contains("run", "compare", "plan", "compare-reports", "Scenarios:")
                .doesNotContain("worker")
                .containsPattern("(?m)^  seed-1 +0\\.1M mobiles x 0\\.1M devices, 100% QoS 0$")
                .containsPattern("(?m)^  stream +full-speed streams")
                .containsPattern("(?m)^  fanin +fan-in, 1000 publishers");
    }

    @Test
    void everySubcommandListsItsOptionsWithTheirDefaults() {
        assertThat(run("run", "--help")).isZero();
        assertThat(out.toString()).contains("--scenario=NAME|FILE", "--port=PORT", "Default: 1883", "--threads=N",
                "Default: 2", "--qos=0|1|2", "--count=N", "--max-inflight=N", "--drain=DURATION", "Default: 3s",
                "Default: 1/20 for the seed scenarios", "Scenarios:", "  p2p ");
        out.getBuffer().setLength(0);
        assertThat(run("compare", "--help")).isZero();
        assertThat(out.toString()).contains("--targets=T,...", "Default: standalone,cluster,mosquitto", "--gateways=N",
                "--warmup=DURATION", "--scenario=NAME|FILE", "Scenarios:");
        out.getBuffer().setLength(0);
        assertThat(run("plan", "--help")).isZero();
        assertThat(out.toString()).contains("connections=N users=U", "--scale=F");
        out.getBuffer().setLength(0);
        assertThat(run("compare-reports", "--help")).isZero();
        assertThat(out.toString()).contains("OUT.md", "NAME=DIR");
    }

    @Test
    void planPrintsConnectionsAndUsers() {
        assertThat(run("plan", "--scenario", "seed-1")).isZero();
        assertThat(out.toString().strip()).isEqualTo("connections=10000 users=5000");
        out.getBuffer().setLength(0);
        assertThat(run("compare", "--scenario", "stream", "--scale", "0.5", "--targets", "standalone,mosquitto",
                "--warmup", "10s", "--out", "x")).isZero();
        assertThat(out.toString().strip()).isEqualTo("connections=10 users=5");
    }

    @Test
    void badInputIsOneLineAndExitCodeTwo() {
        assertBad("mqtt-bench run: no scenario 'seed-9': give one of seed-1, seed-2", "run", "--scenario", "seed-9");
        assertBad("mqtt-bench run: Unknown options: '--sceanrio', 'seed-1'", "run", "--sceanrio", "seed-1");
        assertBad("mqtt-bench run: Missing required option: '--scenario=NAME|FILE'", "run", "--port", "1883");
        assertBad("mqtt-bench run: Invalid value for option '--steady': '5x' is not a duration such as 250ms, 30s, 5m or 1h",
                "run", "--scenario", "p2p", "--steady", "5x");
        assertBad("mqtt-bench run: Invalid value for option '--port': 'http' is not a port (1-65535) or a list of ports such as 21001,21002",
                "run", "--scenario", "p2p", "--port", "http");
        assertBad("mqtt-bench run: Invalid value for option '--port': '21001,' is not a port", "run", "--scenario", "p2p", "--port", "21001,");
        assertBad("mqtt-bench run: Invalid value for option '--scale': 'big' is not a positive number, a fraction such as 1/20, or ci",
                "run", "--scenario", "p2p", "--scale", "big");
        assertBad("mqtt-bench run: stream: QoS is 0, 1 or 2, not 3", "run", "--scenario", "stream", "--qos", "3");
        assertBad("mqtt-bench run: stream scenarios run in one load process", "run", "--scenario", "stream", "--workers", "2");
        assertBad("mqtt-bench compare: unknown target 'hivemq'", "compare", "--scenario", "p2p", "--targets", "standalone,hivemq");
        assertBad("mqtt-bench compare-reports: 'nowhere' is not NAME=DIR with DIR/report.json", "compare-reports", "out.md", "nowhere");
        assertBad("mqtt-bench: Unknown option: '--bogus'", "--bogus");
        assertBad("mqtt-bench: Unmatched argument at index 0: 'benchmark'", "benchmark");
        assertBad("mqtt-bench: give a command: run, compare, plan or compare-reports");
    }

    private void assertBad(String start, String... args) {
        assertThat(run(args)).as(String.join(" ", args)).isEqualTo(2);
        String text = err.toString();
        assertThat(text).as(String.join(" ", args)).startsWith(start).doesNotContain("\tat ");
        assertThat(text.strip().lines()).as(text).hasSize(1);
        err.getBuffer().setLength(0);
        out.getBuffer().setLength(0);
    }
}
