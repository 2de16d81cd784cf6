package io.pgmux.bench.soak;

import java.util.HashMap;
import java.util.Map;

/**
 * The Prometheus text pgmux serves on {@code /metrics}, reduced to what a soak reads: the sum of
 * each metric's samples over all their labels (all pools' servers, say). Comment lines and samples
 * whose value does not parse are skipped.
 */
final class MetricsText {
    private final Map<String, Double> sums = new HashMap<>();

    MetricsText(String text) {
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            if (space <= 0) {
                continue;
            }
            String name = brace > 0 && brace < space ? line.substring(0, brace) : line.substring(0, line.indexOf(' '));
            try {
                sums.merge(name, Double.parseDouble(line.substring(space + 1).trim()), Double::sum);
            } catch (NumberFormatException e) {
                // a value we cannot read counts as absent
            }
        }
    }

    /** The sum over all samples of {@code name}, or NaN if there is none. */
    double sum(String name) {
        return sums.getOrDefault(name, Double.NaN);
    }
}
