package io.pgmux.bench.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Small inline SVG charts for the HTML report, so that it needs no script and no network: grouped
 * bars (one group per category, one bar per series) and lines over categorical x positions. A NaN
 * value draws nothing. Values are labelled on the chart so it reads without hovering.
 */
final class Svg {
    private Svg() {}

    static final String[] PALETTE = {"#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#76b7b2", "#b07aa1", "#9c755f"};

    private static final int WIDTH = 460;
    private static final int HEIGHT = 260;
    private static final int LEFT = 56;
    private static final int RIGHT = 12;
    private static final int TOP = 34;
    private static final int BOTTOM = 46;

    /** Series name -> one value per category. */
    static String bars(String title, String unit, List<String> categories, Map<String, double[]> series,
            Map<String, String> colors) {
        double max = niceMax(series.values().stream().flatMapToDouble(java.util.Arrays::stream)
                .filter(v -> !Double.isNaN(v)).max().orElse(1));
        StringBuilder svg = open(title, unit, max);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        double groupW = (double) plotW / Math.max(1, categories.size());
        double barW = groupW * 0.8 / Math.max(1, series.size());
        for (int c = 0; c < categories.size(); c++) {
            double gx = LEFT + c * groupW + groupW * 0.1;
            int s = 0;
            for (Map.Entry<String, double[]> e : series.entrySet()) {
                double v = e.getValue()[c];
                double x = gx + s * barW;
                s++;
                if (Double.isNaN(v)) {
                    continue;
                }
                double h = plotH * v / max;
                svg.append(String.format(Locale.ROOT,
                        "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'><title>%s %s: %s %s</title></rect>%n",
                        x, TOP + plotH - h, barW - 1, h, colors.get(e.getKey()), esc(e.getKey()), esc(categories.get(c)),
                        label(v), esc(unit)));
                svg.append(String.format(Locale.ROOT,
                        "<text x='%.1f' y='%.1f' font-size='9' text-anchor='middle'>%s</text>%n",
                        x + barW / 2, TOP + plotH - h - 3, label(v)));
            }
            svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' font-size='11' text-anchor='middle'>%s</text>%n",
                    LEFT + c * groupW + groupW / 2, HEIGHT - BOTTOM + 15, esc(categories.get(c))));
        }
        return close(svg, series.keySet(), colors);
    }

    /** Series name -> one value per x label; points joined in order. */
    static String lines(String title, String unit, String xTitle, List<String> xLabels, Map<String, double[]> series,
            Map<String, String> colors) {
        double max = niceMax(series.values().stream().flatMapToDouble(java.util.Arrays::stream)
                .filter(v -> !Double.isNaN(v)).max().orElse(1));
        StringBuilder svg = open(title, unit, max);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        double step = (double) plotW / Math.max(1, xLabels.size());
        for (int i = 0; i < xLabels.size(); i++) {
            svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' font-size='11' text-anchor='middle'>%s</text>%n",
                    LEFT + step * (i + 0.5), HEIGHT - BOTTOM + 15, esc(xLabels.get(i))));
        }
        svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' font-size='11' text-anchor='middle' fill='#555'>%s</text>%n",
                LEFT + plotW / 2.0, HEIGHT - BOTTOM + 29, esc(xTitle)));
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            StringBuilder path = new StringBuilder();
            double[] values = e.getValue();
            for (int i = 0; i < values.length; i++) {
                if (Double.isNaN(values[i])) {
                    continue;
                }
                double x = LEFT + step * (i + 0.5);
                double y = TOP + plotH - plotH * values[i] / max;
                path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
                svg.append(String.format(Locale.ROOT,
                        "<circle cx='%.1f' cy='%.1f' r='3.5' fill='%s'><title>%s @%s: %s %s</title></circle>%n",
                        x, y, colors.get(e.getKey()), esc(e.getKey()), esc(xLabels.get(i)), label(values[i]), esc(unit)));
                svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%.1f' font-size='9' fill='%s'>%s</text>%n",
                        x + 5, y - 4, colors.get(e.getKey()), label(values[i])));
            }
            if (path.length() > 0) {
                svg.append(String.format("<path d='%s' fill='none' stroke='%s' stroke-width='2'/>%n", path, colors.get(e.getKey())));
            }
        }
        return close(svg, series.keySet(), colors);
    }

    /**
     * Series over time, for long runs: x is seconds (ticks in minutes), points joined without labels,
     * and each marker a dashed vertical line with its text (a restart, say).
     */
    static String timeSeries(String title, String unit, double[] seconds, Map<String, double[]> series,
            Map<String, String> colors, Map<Double, String> markers) {
        double max = niceMax(series.values().stream().flatMapToDouble(java.util.Arrays::stream)
                .filter(v -> !Double.isNaN(v)).max().orElse(1));
        double span = seconds.length == 0 ? 1 : Math.max(1, seconds[seconds.length - 1]);
        StringBuilder svg = open(title, unit, max);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        double tickMinutes = niceMax(span / 60 / 6);
        for (double m = 0; m * 60 <= span; m += tickMinutes) {
            svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' font-size='11' text-anchor='middle'>%s</text>%n",
                    LEFT + plotW * m * 60 / span, HEIGHT - BOTTOM + 15,
                    m == Math.rint(m) ? String.format(Locale.ROOT, "%.0f", m) : label(m)));
        }
        svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' font-size='11' text-anchor='middle' fill='#555'>minutes</text>%n",
                LEFT + plotW / 2.0, HEIGHT - BOTTOM + 29));
        markers.forEach((at, text) -> {
            double x = LEFT + plotW * at / span;
            svg.append(String.format(Locale.ROOT, "<line x1='%.1f' x2='%.1f' y1='%d' y2='%d' stroke='#888' stroke-dasharray='4 3'/>%n",
                    x, x, TOP, TOP + plotH));
            svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' font-size='9' fill='#555'>%s</text>%n", x + 3, TOP + 9, esc(text)));
        });
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            StringBuilder path = new StringBuilder();
            double[] values = e.getValue();
            for (int i = 0; i < values.length && i < seconds.length; i++) {
                if (Double.isNaN(values[i])) {
                    continue;
                }
                double x = LEFT + plotW * seconds[i] / span;
                double y = TOP + plotH - plotH * values[i] / max;
                path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
            }
            if (path.length() > 0) {
                svg.append(String.format("<path d='%s' fill='none' stroke='%s' stroke-width='1.5'/>%n", path, colors.get(e.getKey())));
            }
        }
        return close(svg, series.keySet(), colors);
    }

    private static StringBuilder open(String title, String unit, double max) {
        StringBuilder svg = new StringBuilder();
        svg.append(String.format("<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d'"
                + " font-family='sans-serif' role='img' aria-label='%s'>%n", WIDTH, HEIGHT, WIDTH, HEIGHT, esc(title)));
        svg.append(String.format("<text x='%d' y='16' font-size='13' font-weight='bold'>%s</text>%n", LEFT - 40, esc(title)));
        int plotH = HEIGHT - TOP - BOTTOM;
        for (int i = 0; i <= 4; i++) {
            double v = max * i / 4;
            double y = TOP + plotH - plotH * i / 4.0;
            svg.append(String.format(Locale.ROOT, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#ddd'/>%n",
                    LEFT, WIDTH - RIGHT, y, y));
            svg.append(String.format(Locale.ROOT, "<text x='%d' y='%.1f' font-size='10' text-anchor='end' fill='#555'>%s</text>%n",
                    LEFT - 4, y + 3, label(v)));
        }
        svg.append(String.format("<text x='%d' y='%d' font-size='10' fill='#555'>%s</text>%n", LEFT - 40, TOP - 6, esc(unit)));
        return svg;
    }

    private static String close(StringBuilder svg, Iterable<String> names, Map<String, String> colors) {
        int x = LEFT;
        for (String name : names) {
            svg.append(String.format("<rect x='%d' y='%d' width='10' height='10' fill='%s'/>", x, HEIGHT - 12, colors.get(name)));
            svg.append(String.format("<text x='%d' y='%d' font-size='11'>%s</text>%n", x + 13, HEIGHT - 3, esc(name)));
            x += 20 + 7 * name.length();
        }
        return svg.append("</svg>\n").toString();
    }

    /** The smallest of 1, 2, 2.5, 5 x 10^k at or above {@code v}, so the axis has round ticks. */
    static double niceMax(double v) {
        if (!(v > 0)) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * magnitude >= v) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }

    static String label(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        if (v == 0) {
            return "0";
        }
        if (a >= 10_000) {
            return String.format(Locale.ROOT, v % 1000 == 0 ? "%.0fk" : "%.1fk", v / 1000);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static Map<String, String> colors(List<String> names) {
        Map<String, String> colors = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            colors.put(names.get(i), PALETTE[i % PALETTE.length]);
        }
        return colors;
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;").replace("\"", "&quot;");
    }
}
