package io.kmqtt.mqttbench;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;

/** A duration option of bin/mqtt-bench or bin/chaos: "250ms", "30s", "5m", "1h". */
public final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return Scenario.duration(value);
        } catch (RuntimeException e) {
            throw new TypeConversionException("'" + value + "' is not a duration such as 250ms, 30s, 5m or 1h");
        }
    }
}
