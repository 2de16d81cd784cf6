package io.pgmux.bench.soak;

import java.util.Arrays;
import java.util.List;

/**
 * How one gauge moved after warm-up: the median of the first and of the last quarter of the
 * samples taken after warm-up, the extremes, and the change between the two medians. Medians of
 * quarters, not single samples, so one sample taken during a GC or a restart does not decide.
 */
public record Drift(Gauge gauge, int samples, double firstQuarter, double lastQuarter, double min, double max) {
    /**
     * A memory or descriptor gauge whose last quarter is this much above its first (and more than its
     * {@link Gauge#slack()}) is not flat.
     */
    public static final double FLAT_LIMIT = 0.10;

    public static Drift of(Gauge gauge, List<Sample> samples, double warmUpSeconds) {
        double[] values = samples.stream().filter(s -> s.elapsedSeconds() >= warmUpSeconds)
                .mapToDouble(s -> s.value(gauge)).filter(v -> !Double.isNaN(v)).toArray();
        if (values.length == 0) {
            return new Drift(gauge, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        int quarter = Math.max(1, values.length / 4);
        return new Drift(gauge, values.length, median(Arrays.copyOfRange(values, 0, quarter)),
                median(Arrays.copyOfRange(values, values.length - quarter, values.length)),
                Arrays.stream(values).min().getAsDouble(), Arrays.stream(values).max().getAsDouble());
    }

    /** (last quarter - first quarter) / first quarter; NaN without samples. */
    public double change() {
        return firstQuarter == 0 ? (lastQuarter == 0 ? 0 : Double.POSITIVE_INFINITY) : (lastQuarter - firstQuarter) / firstQuarter;
    }

    /** Growth past {@link #FLAT_LIMIT} and the slack on a gauge that must stay flat; shrinking is fine. */
    public boolean grew() {
        return gauge.mustStayFlat() && samples > 0 && change() > FLAT_LIMIT && lastQuarter - firstQuarter > gauge.slack();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
