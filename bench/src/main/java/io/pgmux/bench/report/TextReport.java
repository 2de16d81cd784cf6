package io.pgmux.bench.report;

import io.pgmux.bench.scenario.Kind;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The result as text: one table for the throughput workloads (tps, latency percentiles in ms,
 * errors, ratios against the reference targets, the target's CPU and memory), one for the
 * connection workloads (idle memory, storm time), then the errors by message.
 */
public final class TextReport {
    private static final int MESSAGES_PER_ROW = 3;

    private TextReport() {}

    /** {@code references}: target names to show ratios against, in order (those absent are left out). */
    public static String render(Summary summary, List<String> references) {
        List<String> refs = references.stream().filter(summary.targets()::contains).toList();
        StringBuilder out = new StringBuilder();
        TextTable throughput = throughputTable(summary, refs);
        if (!throughput.isEmpty()) {
            out.append(throughput.render());
        }
        TextTable connections = connectionTable(summary, refs);
        if (!connections.isEmpty()) {
            out.append(out.length() > 0 ? "\n" : "").append(connections.render());
        }
        String errors = errorNotes(summary);
        if (!errors.isEmpty()) {
            out.append('\n').append(errors);
        }
        return out.toString();
    }

    static TextTable throughputTable(Summary summary, List<String> refs) {
        List<String> columns = new ArrayList<>(List.of("<workload", "<target", "tps"));
        refs.forEach(r -> columns.add("vs " + r));
        columns.addAll(List.of("p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"));
        refs.forEach(r -> columns.add("p99 vs " + r));
        columns.addAll(List.of("errors", "cpu s", "cpu us/tx", "rss MB"));
        TextTable table = new TextTable(columns.toArray(String[]::new));
        for (Summary.Row row : summary.rows()) {
            if (row.workload().kind() != Kind.THROUGHPUT) {
                continue;
            }
            List<String> cells = new ArrayList<>(List.of(row.workload().label(), row.target()));
            if (!row.ran()) {
                table.row(skipped(cells, columns.size()));
                continue;
            }
            cells.add(Double.isNaN(row.tps()) ? "failed" : Format.count(row.tps()));
            refs.forEach(r -> cells.add(Format.ratio(summary.ratio(row, r))));
            cells.add(Format.millis(row.latency().p50()));
            cells.add(Format.millis(row.latency().p90()));
            cells.add(Format.millis(row.latency().p99()));
            cells.add(Format.millis(row.latency().p999()));
            cells.add(Format.millis(row.latency().max()));
            refs.forEach(r -> cells.add(Format.ratio(summary.p99Ratio(row, r))));
            cells.add(Format.count(row.errors()));
            cells.add(Format.decimal(row.cpuSeconds(), 1));
            cells.add(Format.decimal(row.cpuMicrosPerTx(), 0));
            cells.add(Format.decimal(row.rssMb(), 0));
            table.row(cells.toArray(String[]::new));
        }
        return table;
    }

    /** A row for a target that did not run: "skipped", then empty cells. */
    private static String[] skipped(List<String> cells, int columns) {
        cells.add("skipped");
        while (cells.size() < columns) {
            cells.add("");
        }
        return cells.toArray(String[]::new);
    }

    static TextTable connectionTable(Summary summary, List<String> refs) {
        List<String> columns = new ArrayList<>(List.of("<workload", "<target", "ready", "all ready s",
                "p50 ms", "p99 ms", "max ms", "rss MB", "KB/client"));
        refs.forEach(r -> columns.add("vs " + r));
        columns.addAll(List.of("errors", "cpu s"));
        TextTable table = new TextTable(columns.toArray(String[]::new));
        for (Summary.Row row : summary.rows()) {
            Kind kind = row.workload().kind();
            if (kind == Kind.THROUGHPUT) {
                continue;
            }
            List<String> cells = new ArrayList<>(List.of(row.workload().label(), row.target()));
            if (!row.ran()) {
                table.row(skipped(cells, columns.size()));
                continue;
            }
            boolean storm = kind == Kind.STORM;
            cells.add(Format.count(row.clientsReady()) + "/" + Format.count(row.workload().clients()));
            cells.add(storm ? Format.decimal(row.allReadySeconds(), 2) : "");
            cells.add(storm ? Format.millis(row.latency().p50()) : "");
            cells.add(storm ? Format.millis(row.latency().p99()) : "");
            cells.add(storm ? Format.millis(row.latency().max()) : "");
            cells.add(Format.decimal(row.rssMb(), 0));
            cells.add(storm ? "" : Format.decimal(row.rssPerClientKb(), 1));
            refs.forEach(r -> cells.add(Format.ratio(summary.ratio(row, r))));
            cells.add(Format.count(row.errors()));
            cells.add(Format.decimal(row.cpuSeconds(), 1));
            table.row(cells.toArray(String[]::new));
        }
        return table;
    }

    static String errorNotes(Summary summary) {
        StringBuilder out = new StringBuilder();
        for (Summary.Row row : summary.rows()) {
            if (!row.ran() && row.skipped() != null) {
                out.append(String.format("%s %s: skipped (%s)%n", row.workload().label(), row.target(), row.skipped()));
            }
            if (row.errors() == 0) {
                continue;
            }
            out.append(String.format("%s %s: %,d errors%n", row.workload().label(), row.target(), row.errors()));
            int shown = 0;
            for (Map.Entry<String, Long> e : row.errorMessages().entrySet()) {
                if (shown++ == MESSAGES_PER_ROW) {
                    out.append("    ...\n");
                    break;
                }
                out.append(String.format("    %,8d  %s%n", e.getValue(), e.getKey()));
            }
        }
        return out.toString();
    }
}
