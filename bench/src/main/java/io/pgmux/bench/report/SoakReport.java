package io.pgmux.bench.report;

import io.pgmux.bench.soak.Drift;
import io.pgmux.bench.soak.Event;
import io.pgmux.bench.soak.Gauge;
import io.pgmux.bench.soak.Sample;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A soak's page and table: one chart per group of gauges over the whole run (events marked), then
 * each gauge's drift after warm-up, flagged where memory or descriptors grew.
 */
public final class SoakReport {
    /** The charts: a title and the gauges drawn together (same unit). */
    private static final Map<String, List<Gauge>> CHARTS = new LinkedHashMap<>();

    static {
        CHARTS.put("Memory", List.of(Gauge.RSS, Gauge.HEAP_AFTER_GC, Gauge.DIRECT_MEMORY));
        CHARTS.put("Open file descriptors", List.of(Gauge.OPEN_FDS));
        CHARTS.put("Connections", List.of(Gauge.SERVER_CONNECTIONS, Gauge.CLIENT_CONNECTIONS));
        CHARTS.put("Throughput", List.of(Gauge.TRANSACTIONS_PER_SECOND));
    }

    private SoakReport() {}

    public static List<Drift> drifts(List<Sample> samples, double warmUpSeconds) {
        List<Drift> drifts = new ArrayList<>();
        for (Gauge gauge : Gauge.values()) {
            drifts.add(Drift.of(gauge, samples, warmUpSeconds));
        }
        return drifts;
    }

    /** The drifts, one gauge a row. */
    public static TextTable table(List<Drift> drifts) {
        TextTable table = new TextTable("<gauge after warm-up", "first quarter", "last quarter", "change", "min", "max", "<");
        for (Drift d : drifts) {
            table.row(d.gauge().title() + " (" + d.gauge().unit() + ")", Format.decimal(d.firstQuarter(), 1),
                    Format.decimal(d.lastQuarter(), 1), change(d), Format.decimal(d.min(), 1), Format.decimal(d.max(), 1),
                    verdict(d));
        }
        return table;
    }

    public static String render(String title, Map<String, Object> meta, List<Sample> samples, List<Event> events,
            double warmUpSeconds) {
        StringBuilder html = HtmlReport.head(title, meta);
        html.append("<p class='note'>A sample every period. After warm-up (")
                .append(Format.decimal(warmUpSeconds / 60, 0))
                .append(" min) memory and descriptors must stay flat: the table compares the median of the first and"
                        + " of the last quarter of the samples after warm-up, and flags growth over ")
                .append(Format.decimal(Drift.FLAT_LIMIT * 100, 0))
                .append("% that is also more than 16 (MB or descriptors).</p>\n<div class='charts'>\n");
        double[] seconds = samples.stream().mapToDouble(Sample::elapsedSeconds).toArray();
        Map<Double, String> markers = new LinkedHashMap<>();
        markers.put(warmUpSeconds, "warm");
        events.forEach(e -> markers.put(e.elapsedSeconds(), e.text()));
        CHARTS.forEach((chart, gauges) -> {
            Map<String, double[]> series = new LinkedHashMap<>();
            for (Gauge g : gauges) {
                series.put(g.title(), samples.stream().mapToDouble(s -> s.value(g)).toArray());
            }
            html.append(Svg.timeSeries(chart, gauges.get(0).unit(), seconds, series, Svg.colors(new ArrayList<>(series.keySet())),
                    markers));
        });
        html.append("</div>\n<h2>After warm-up</h2>\n").append(table(drifts(samples, warmUpSeconds)).renderHtml());
        if (!events.isEmpty()) {
            TextTable table = new TextTable("minute", "<what");
            events.forEach(e -> table.row(Format.decimal(e.elapsedSeconds() / 60, 1), e.text()));
            html.append("<h2>Events</h2>\n").append(table.renderHtml());
        }
        return html.append("</body></html>\n").toString();
    }

    private static String change(Drift d) {
        double c = d.change();
        return Double.isNaN(c) || Double.isInfinite(c) ? "-" : String.format(Locale.ROOT, "%+.1f%%", c * 100);
    }

    private static String verdict(Drift d) {
        if (!d.gauge().mustStayFlat() || d.samples() == 0) {
            return "";
        }
        return d.grew() ? "GREW" : "flat";
    }
}
