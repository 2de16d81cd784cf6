package io.pgmux.proxy.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations and sizes as written in the config. A duration is whole seconds, or a number with
 * {@code ms}, {@code s}, {@code m} or {@code h}; a size is bytes, or a number with {@code kB},
 * {@code MB} or {@code GB} (1024-based, as Postgres reads them). Units are not case-sensitive and may
 * be separated from the number by spaces.
 */
public final class Units {
    static final String DURATION_EXAMPLES = "500ms, 15s, 2m or 1h";
    static final String SIZE_EXAMPLES = "8192, 512kB, 64MB or 1GB";

    private static final Pattern DURATION = Pattern.compile("(-?[0-9]+)\\s*(ms|s|m|h)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern SIZE = Pattern.compile("(-?[0-9]+)\\s*(b|kb|mb|gb)?", Pattern.CASE_INSENSITIVE);

    private Units() {
    }

    /**
     * @throws IllegalArgumentException with a message to follow the YAML path
     */
    static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("must be a duration like " + DURATION_EXAMPLES + " (got \"" + text + "\")");
        }
        long amount = parseNonNegative(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
        try {
            return switch (unit) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> throw new AssertionError(unit);
            };
        } catch (ArithmeticException overflow) {
            throw new IllegalArgumentException("is too large (got \"" + text + "\")");
        }
    }

    /**
     * @throws IllegalArgumentException with a message to follow the YAML path
     */
    static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("must be a size like " + SIZE_EXAMPLES + " (got \"" + text + "\")");
        }
        long amount = parseNonNegative(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        int shift = switch (unit) {
            case "b" -> 0;
            case "kb" -> 10;
            case "mb" -> 20;
            case "gb" -> 30;
            default -> throw new AssertionError(unit);
        };
        if (amount > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("is too large (got \"" + text + "\")");
        }
        return amount << shift;
    }

    /** {@code 64MB}, {@code 1500} — the largest unit that divides the size exactly. */
    /** {@code 500ms}, {@code 15s}: the largest unit that divides the duration exactly (parses back). */
    public static String formatDuration(java.time.Duration duration) {
        long millis = duration.toMillis();
        if (millis % 1000 != 0) {
            return millis + "ms";
        }
        return millis / 1000 + "s";
    }

    public static String formatSize(long bytes) {
        if (bytes > 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "GB";
        }
        if (bytes > 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "MB";
        }
        if (bytes > 0 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "kB";
        }
        return Long.toString(bytes);
    }

    private static long parseNonNegative(String digits) {
        if (digits.startsWith("-")) {
            throw new IllegalArgumentException("must not be negative");
        }
        if (digits.length() > 18) {
            throw new IllegalArgumentException("is too large (got \"" + digits + "\")");
        }
        return Long.parseLong(digits);
    }
}
