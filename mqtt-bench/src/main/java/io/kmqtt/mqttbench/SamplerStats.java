package io.kmqtt.mqttbench;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.DataFormatException;

/**
 * One sampler's counts and response-time histogram (microseconds). Thread-safe; merged across
 * worker processes through {@link #snapshot()} and {@link #merge(Snapshot)}.
 */
public final class SamplerStats {

    private static final long MAX_MICROS = 3_600_000_000L;

    private final Histogram histogram = new Histogram(1, MAX_MICROS, 3);
    private long attempts;   // publishes attempted, connects attempted, or messages expected
    private long successes;  // acknowledged / written, connected, or received
    private long failures;

    public synchronized void attempt() {
        attempts++;
    }

    public synchronized void success(long micros) {
        successes++;
        histogram.recordValue(Math.max(0, Math.min(micros, MAX_MICROS)));
    }

    public synchronized void failure() {
        failures++;
    }

    public synchronized void expect(long n) {
        attempts += n;
    }

    /** Plain-data copy, for the report and for sending between processes. */
    public synchronized Snapshot snapshot() {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        return new Snapshot(attempts, successes, failures,
                Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length)));
    }

    public synchronized void merge(Snapshot s) {
        attempts += s.attempts();
        successes += s.successes();
        failures += s.failures();
        histogram.add(s.decodeHistogram());
    }

    public record Snapshot(long attempts, long successes, long failures, String histogram) {

        public Histogram decodeHistogram() {
            try {
                return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(histogram)), 0);
            } catch (DataFormatException e) {
                throw new IllegalStateException("corrupt histogram", e);
            }
        }
    }
}
