package io.kmqtt.mqttbench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The start barrier of a run's load processes, with shell processes standing in for the JVMs. */
class LoadProcessesTest {

    @Test
    void noProcessGetsTheStartBeforeEveryOneIsReady(@TempDir Path dir) throws Exception {
        // slice 1 takes two seconds to be ready; each writes when it was ready, and when and what it was told
        IntFunction<List<String>> slow = slice -> List.of("bash", "-c", "sleep " + (slice == 1 ? 2 : 0)
                + "; date +%s%3N > " + dir.resolve("ready-" + slice) + "; echo " + LoadProcesses.READY
                + "; read go; date +%s%3N > " + dir.resolve("got-" + slice + ".tmp") + "; echo \"$go\" >> "
                + dir.resolve("got-" + slice + ".tmp") + "; mv " + dir.resolve("got-" + slice + ".tmp") + " " + dir.resolve("got-" + slice));
        LoadProcesses processes = LoadProcesses.start(2, dir, slow);
        processes.go(1234567);
        long lastReady = Math.max(millis(dir.resolve("ready-0")), millis(dir.resolve("ready-1")));
        for (int slice = 0; slice < 2; slice++) {
            Path got = dir.resolve("got-" + slice);
            for (int i = 0; i < 100 && !Files.exists(got); i++) {
                Thread.sleep(50);
            }
            List<String> lines = Files.readAllLines(got);
            assertThat(Long.parseLong(lines.get(0))).as("slice %d's start, after both were ready", slice)
                    .isGreaterThanOrEqualTo(lastReady);
            assertThat(lines.get(1)).isEqualTo(LoadProcesses.GO + 1234567);
        }
    }

    @Test
    void aProcessThatEndsBeforeItIsReadyFailsTheRunAtOnce(@TempDir Path dir) {
        IntFunction<List<String>> dying = slice -> slice == 0
                ? List.of("bash", "-c", "echo " + LoadProcesses.READY + "; sleep 30")
                : List.of("bash", "-c", "echo cannot start; exit 3");
        assertThatThrownBy(() -> LoadProcesses.start(2, dir, dying))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("load worker 1 ended before it was ready (exit 3)");
    }

    private static long millis(Path file) throws Exception {
        return Long.parseLong(Files.readString(file).trim());
    }
}
