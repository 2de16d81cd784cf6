package io.pgmux.bench.report;

import io.pgmux.bench.scenario.Kind;
import io.pgmux.bench.scenario.Workload;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A self-contained HTML page (inline CSS and SVG, no script, nothing fetched): the machine and
 * settings, throughput against clients, latency percentiles per workload, idle memory and storm
 * time, then the tables and the errors.
 */
public final class HtmlReport {
    private HtmlReport() {}

    public static String render(String title, Map<String, Object> meta, Summary summary, List<String> references) {
        List<String> refs = references.stream().filter(summary.targets()::contains).toList();
        Map<String, String> colors = Svg.colors(summary.targets());
        StringBuilder html = head(title, meta);
        html.append("<p class='note'>Each number is the median of the repetitions; every repetition ran the"
                + " targets one after another in rotating order, so machine noise falls on all of them alike. Ratios"
                + " divide medians: above 1 means more transactions per second (or more memory, or a slower storm)"
                + " than the reference.</p>\n");

        List<Workload> throughput = summary.workloads().stream().filter(w -> w.kind() == Kind.THROUGHPUT).toList();
        if (!throughput.isEmpty()) {
            html.append("<h2>Throughput against clients</h2>\n<div class='charts'>\n");
            Set<String> families = new LinkedHashSet<>();
            throughput.forEach(w -> families.add(w.family()));
            List<Workload> single = new ArrayList<>();
            for (String family : families) {
                List<Workload> points = throughput.stream().filter(w -> w.family().equals(family))
                        .sorted((a, b) -> Integer.compare(a.clients(), b.clients())).toList();
                if (points.size() == 1) {
                    single.add(points.get(0));
                    continue;
                }
                List<String> xs = points.stream().map(w -> String.format("%,d", w.clients())).toList();
                Map<String, double[]> series = new LinkedHashMap<>();
                for (String target : summary.targets()) {
                    double[] values = new double[points.size()];
                    for (int i = 0; i < points.size(); i++) {
                        values[i] = summary.row(points.get(i), target).map(Summary.Row::tps).orElse(Double.NaN);
                    }
                    series.put(target, values);
                }
                html.append(Svg.lines(family + ": transactions/s", "tps", "clients", xs, series, colors));
            }
            // workloads measured at one client count only: side by side as bars
            for (int from = 0; from < single.size(); from += 3) {
                List<Workload> group = single.subList(from, Math.min(single.size(), from + 3));
                html.append(Svg.bars("transactions/s", "tps", group.stream().map(Workload::label).toList(),
                        byTarget(summary, group, Summary.Row::tps), colors));
            }
            html.append("</div>\n<h2>Latency percentiles</h2>\n<div class='charts'>\n");
            List<String> percentiles = List.of("p50", "p90", "p99", "p99.9");
            for (Workload w : throughput) {
                Map<String, double[]> series = new LinkedHashMap<>();
                for (String target : summary.targets()) {
                    summary.row(w, target).filter(Summary.Row::ran).ifPresent(row -> series.put(target, new double[] {
                            row.latency().p50() / 1000, row.latency().p90() / 1000, row.latency().p99() / 1000,
                            row.latency().p999() / 1000}));
                }
                html.append(Svg.bars(w.label() + ": latency", "ms", percentiles, series, colors));
            }
            html.append("</div>\n");
        }
        List<Workload> idle = summary.workloads().stream().filter(w -> w.kind() == Kind.IDLE).toList();
        List<Workload> storm = summary.workloads().stream().filter(w -> w.kind() == Kind.STORM).toList();
        if (!idle.isEmpty() || !storm.isEmpty()) {
            html.append("<h2>Connections</h2>\n<div class='charts'>\n");
            if (!idle.isEmpty()) {
                html.append(Svg.bars("idle: resident memory", "MB", labels(idle), byTarget(summary, idle, Summary.Row::rssMb), colors));
            }
            if (!storm.isEmpty()) {
                html.append(Svg.bars("storm: time until all ready", "s", labels(storm),
                        byTarget(summary, storm, Summary.Row::allReadySeconds), colors));
            }
            html.append("</div>\n");
        }
        html.append("<h2>Tables</h2>\n");
        TextTable t = TextReport.throughputTable(summary, refs);
        if (!t.isEmpty()) {
            html.append(t.renderHtml());
        }
        TextTable c = TextReport.connectionTable(summary, refs);
        if (!c.isEmpty()) {
            html.append(c.renderHtml());
        }
        html.append("<p class='note'>cpu s: CPU seconds the target's processes used during the measured window"
                + " (Postgres: the postmaster and all its backends); rss MB: resident memory at the end of the window"
                + " (Postgres: proportional set size summed over its processes). KB/client: that memory with the idle"
                + " clients connected, divided by their number.</p>\n");
        String errors = TextReport.errorNotes(summary);
        if (!errors.isEmpty()) {
            html.append("<h2>Errors and skipped runs</h2>\n<pre>").append(Svg.esc(errors)).append("</pre>\n");
        }
        return html.append("</body></html>\n").toString();
    }

    private static List<String> labels(List<Workload> workloads) {
        return workloads.stream().map(w -> String.format("%,d clients", w.clients())).toList();
    }

    private static Map<String, double[]> byTarget(Summary summary, List<Workload> workloads,
            java.util.function.ToDoubleFunction<Summary.Row> value) {
        Map<String, double[]> series = new LinkedHashMap<>();
        for (String target : summary.targets()) {
            double[] values = new double[workloads.size()];
            boolean any = false;
            for (int i = 0; i < workloads.size(); i++) {
                values[i] = summary.row(workloads.get(i), target).filter(Summary.Row::ran)
                        .map(value::applyAsDouble).orElse(Double.NaN);
                any |= !Double.isNaN(values[i]);
            }
            if (any) {
                series.put(target, values);
            }
        }
        return series;
    }

    /** The page's start: the style every report of the bench shares, the title and the run's settings. */
    static StringBuilder head(String title, Map<String, Object> meta) {
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>\n<title>").append(Svg.esc(title))
                .append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:24px;color:#222;max-width:1500px}")
                .append("h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}")
                .append(".charts{display:flex;flex-wrap:wrap;gap:12px}.charts svg{border:1px solid #eee;background:#fff}")
                .append("table{border-collapse:collapse;font-size:13px;margin:8px 0}")
                .append("th,td{padding:3px 8px;border-bottom:1px solid #eee;white-space:nowrap}th{background:#f4f4f4}")
                .append(".n{text-align:right;font-variant-numeric:tabular-nums}")
                .append("dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;font-size:13px}dt{color:#666}")
                .append("pre{background:#f8f8f8;padding:8px;font-size:12px;overflow-x:auto}p.note{font-size:13px;color:#444}\n")
                .append("</style></head><body>\n");
        html.append("<h1>").append(Svg.esc(title)).append("</h1>\n<dl>\n");
        meta.forEach((k, v) -> html.append("<dt>").append(Svg.esc(k.replace('_', ' '))).append("</dt><dd>")
                .append(Svg.esc(flatten(v))).append("</dd>\n"));
        return html.append("</dl>\n");
    }

    private static String flatten(Object v) {
        if (v instanceof Map<?, ?> map) {
            List<String> parts = new ArrayList<>();
            map.forEach((k, x) -> parts.add(k + ": " + flatten(x)));
            return String.join(", ", parts);
        }
        if (v instanceof List<?> list) {
            return String.join(" ", list.stream().map(HtmlReport::flatten).toList());
        }
        return String.valueOf(v);
    }
}
