package io.kmqtt.mqttbench.chaos;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The workload's clients and its accounting against a real broker, Mosquitto, under a steady QoS 1
 * workload. Stalled (SIGSTOP) longer than the stall timeout, it keeps its promises: clients
 * reconnect and resume their sessions, publishers write again what was not acknowledged, and the
 * report must show nothing lost (the tool does not invent loss). Restarted, it comes back without
 * the sessions (Debian's 2.0 here): the report must show the lost sessions and the messages they
 * held (the tool does not hide loss). Skipped where Mosquitto is not installed.
 */
class WorkloadAgainstMosquittoTest {

    private static final Path MOSQUITTO = Files.isExecutable(Path.of("/usr/sbin/mosquitto")) ? Path.of("/usr/sbin/mosquitto")
            : Path.of("/usr/bin/mosquitto");

    @TempDir
    Path dir;
    private int port;
    private Process mosquitto;

    @BeforeEach
    void startMosquitto() throws Exception {
        assumeTrue(Files.isExecutable(MOSQUITTO), "mosquitto not installed");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("mosquitto.conf"), "listener " + port + " 127.0.0.1\nallow_anonymous true\n"
                + "persistence true\npersistence_location " + dir + "/\nmax_queued_messages 100000\nlog_dest stderr\n");
        start();
    }

    private void start() throws Exception {
        mosquitto = new ProcessBuilder(MOSQUITTO.toString(), "-c", dir.resolve("mosquitto.conf").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.log").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("mosquitto did not listen on " + port);
    }

    private void signal(String signal) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(mosquitto.pid())).start().waitFor()).isZero();
    }

    @AfterEach
    void stopMosquitto() {
        if (mosquitto != null) {
            mosquitto.destroyForcibly();
        }
    }

    @Test
    void aStallLosesNothingAndARestartThatDropsTheSessionsShowsIt() throws Exception {
        WorkloadSettings settings = WorkloadSettings.defaults(List.of(new Endpoint("mosquitto", "127.0.0.1", port)), null, null)
                .withClients(2, 3, 6).withRate(300);
        ProcessControl processes = new ProcessControl() {
            @Override
            public List<String> names() {
                return List.of("mosquitto");
            }

            @Override
            public void kill(String name) throws Exception {
                signal("KILL");
            }

            @Override
            public void pause(String name) throws Exception {
                signal("STOP");
            }

            @Override
            public void resume(String name) throws Exception {
                signal("CONT");
            }

            @Override
            public void stop(String name) throws Exception {
                signal("TERM");
                mosquitto.waitFor(10, TimeUnit.SECONDS);
            }

            @Override
            public void start(String name) throws Exception {
                WorkloadAgainstMosquittoTest.this.start();
            }
        };
        ChaosRun.Timing timing = new ChaosRun.Timing(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(3), Duration.ofSeconds(10), Duration.ZERO, Duration.ofSeconds(30));
        ChaosReport report;
        try (Workload workload = Workload.start(settings, System.out::println)) {
            report = new ChaosRun(workload, processes, workload, timing, System.out::println)
                    .run(FaultCatalog.parseList("pause:mosquitto@8s,stop:mosquitto@1s"), "test", "test");
        }
        System.out.println(report.table());
        assertThat(report.foreign()).isZero();
        assertThat(report.unacknowledged()).isZero();
        assertThat(report.rows()).extracting(FaultRow::fault).containsExactly("baseline", "pause:mosquitto@8s", "stop:mosquitto@1s");
        for (FaultRow row : report.rows()) {
            assertThat(row.addsUp()).as(row.fault()).isTrue();
            assertThat(row.created()).as(row.fault()).isPositive();
            assertThat(row.acknowledged()).as(row.fault() + ": everything acknowledged in the end").isEqualTo(row.created());
            assertThat(row.unexpected()).as(row.fault()).isZero();
            assertThat(row.reordered()).as(row.fault()).isZero();
        }
        for (FaultRow row : report.rows().subList(0, 2)) {
            assertThat(row.lost()).as(row.fault()).isZero();
            assertThat(row.sessionsLost()).as(row.fault()).isZero();
        }
        FaultRow stall = report.rows().get(1);
        assertThat(stall.reconnects()).as("an 8 s stall outlasts the 5 s stall timeout").isGreaterThanOrEqualTo(5);
        assertThat(stall.longestSilenceSeconds()).isBetween(4.0, 30.0);
        assertThat(stall.timeToRecoverSeconds()).isNotNull().isGreaterThan(4.0);
        FaultRow restart = report.rows().get(2);
        assertThat(restart.reconnects()).isGreaterThanOrEqualTo(5);
        // mosquitto without persistence forgets every session when it stops; whether messages are
        // lost depends on who reconnects first (publishers or subscribing again), so only this is certain:
        assertThat(restart.sessionsLost()).as("every subscriber found its session gone").isEqualTo(3);
        assertThat(restart.lostAfterAck()).as("everything was acknowledged in the end").isEqualTo(restart.lost());
        assertThat(restart.timeToRecoverSeconds()).as("every stream delivered again once subscribed again").isNotNull();
    }
}
