package io.pgmux.bench.report;

import java.util.Locale;

/** How numbers read in tables: "-" for unknown, thousands separators, fixed decimals. */
public final class Format {
    private Format() {}

    public static String count(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%,.0f", value);
    }

    /** Microseconds as milliseconds with two decimals. */
    public static String millis(double micros) {
        return Double.isNaN(micros) ? "-" : String.format(Locale.ROOT, "%.2f", micros / 1000.0);
    }

    public static String ratio(double ratio) {
        return Double.isNaN(ratio) || Double.isInfinite(ratio) ? "-" : String.format(Locale.ROOT, "%.2fx", ratio);
    }

    public static String decimal(double value, int decimals) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }
}
