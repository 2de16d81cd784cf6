package io.pgmux.bench.soak;

import java.util.EnumMap;
import java.util.Map;

/** One sampling instant: seconds since the soak started and each gauge's value (NaN when unread). */
public record Sample(double elapsedSeconds, Map<Gauge, Double> values) {
    public Sample {
        values = new EnumMap<>(values);
    }

    public double value(Gauge gauge) {
        return values.getOrDefault(gauge, Double.NaN);
    }
}
