package io.pgmux.bench.stats;

import org.HdrHistogram.Histogram;

/**
 * The percentiles of one histogram of latencies recorded in microseconds, in microseconds.
 * An empty histogram gives {@link #EMPTY} (count 0, every value NaN).
 */
public record LatencySummary(long count, double mean, double p50, double p90, double p99, double p999, double max) {

    public static final LatencySummary EMPTY =
            new LatencySummary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    /** Highest value the histograms track: 10 minutes in microseconds. */
    public static final long HIGHEST_MICROS = 600_000_000L;
    /** Value precision: 3 significant digits (0.1% error). */
    public static final int SIGNIFICANT_DIGITS = 3;

    public static Histogram newHistogram() {
        return new Histogram(HIGHEST_MICROS, SIGNIFICANT_DIGITS);
    }

    public static LatencySummary of(Histogram histogram) {
        if (histogram.getTotalCount() == 0) {
            return EMPTY;
        }
        return new LatencySummary(histogram.getTotalCount(), histogram.getMean(),
                histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(90),
                histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9),
                histogram.getMaxValue());
    }

    /** The median of each field over several runs (count: the median count). */
    public static LatencySummary median(java.util.List<LatencySummary> runs) {
        java.util.List<LatencySummary> present = runs.stream().filter(r -> r.count > 0).toList();
        if (present.isEmpty()) {
            return EMPTY;
        }
        return new LatencySummary(
                Math.round(Stats.median(present.stream().map(r -> (double) r.count).toList())),
                Stats.median(present.stream().map(LatencySummary::mean).toList()),
                Stats.median(present.stream().map(LatencySummary::p50).toList()),
                Stats.median(present.stream().map(LatencySummary::p90).toList()),
                Stats.median(present.stream().map(LatencySummary::p99).toList()),
                Stats.median(present.stream().map(LatencySummary::p999).toList()),
                Stats.median(present.stream().map(LatencySummary::max).toList()));
    }

    public boolean isEmpty() {
        return count == 0;
    }
}
