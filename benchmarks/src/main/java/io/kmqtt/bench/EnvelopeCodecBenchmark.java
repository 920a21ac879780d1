package io.kmqtt.bench;

import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.EnvelopeCodec;
import io.kmqtt.core.message.PublishProperties;
import io.kmqtt.core.message.UserProperty;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** Encoding and decoding the envelope: done once per message by the gateway, router and gateway again. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class EnvelopeCodecBenchmark {

    private Envelope small;
    private Envelope withProperties;
    private byte[] smallBytes;
    private byte[] withPropertiesBytes;

    @Setup
    public void setUp() {
        small = new Envelope("topic/device_user4711/t_7", new byte[64], 0, false, "user4711", "gw-1",
                System.currentTimeMillis(), 0, PublishProperties.NONE);
        withProperties = new Envelope("topic/device_user4711/t_7", new byte[1024], 1, false, "user4711", "gw-1",
                System.currentTimeMillis(), System.currentTimeMillis() + 60_000,
                new PublishProperties(1, "application/json", "reply/user4711", new byte[16],
                        List.of(new UserProperty("trace-id", "4bf92f3577b34da6a3ce929d0e0e4736"),
                                new UserProperty("device-model", "thermo-2"))));
        smallBytes = EnvelopeCodec.encode(small);
        withPropertiesBytes = EnvelopeCodec.encode(withProperties);
    }

    @Benchmark
    public byte[] encode64BytePayload() {
        return EnvelopeCodec.encode(small);
    }

    @Benchmark
    public Envelope decode64BytePayload() {
        return EnvelopeCodec.decode(smallBytes);
    }

    @Benchmark
    public byte[] encode1KbPayloadWithProperties() {
        return EnvelopeCodec.encode(withProperties);
    }

    @Benchmark
    public Envelope decode1KbPayloadWithProperties() {
        return EnvelopeCodec.decode(withPropertiesBytes);
    }
}
