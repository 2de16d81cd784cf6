package io.pgmux.bench.stats;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Small statistics over repetitions. */
public final class Stats {
    private Stats() {}

    /** The median of the non-NaN values; NaN when there are none. */
    public static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>();
        for (Double v : values) {
            if (v != null && !v.isNaN()) {
                sorted.add(v);
            }
        }
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    public static double min(List<Double> values) {
        return values.stream().filter(v -> v != null && !v.isNaN()).mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    public static double max(List<Double> values) {
        return values.stream().filter(v -> v != null && !v.isNaN()).mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** {@code value / reference}, NaN when either is missing or the reference is 0. */
    public static double ratio(double value, double reference) {
        if (Double.isNaN(value) || Double.isNaN(reference) || reference == 0) {
            return Double.NaN;
        }
        return value / reference;
    }
}
