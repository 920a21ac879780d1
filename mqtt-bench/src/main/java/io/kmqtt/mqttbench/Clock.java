package io.kmqtt.mqttbench;

import java.time.Instant;

/** Wall-clock microseconds, comparable across the processes of one machine (unlike nanoTime). */
final class Clock {

    private Clock() {
    }

    static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
