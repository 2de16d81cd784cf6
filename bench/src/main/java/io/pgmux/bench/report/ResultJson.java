package io.pgmux.bench.report;

import io.pgmux.bench.load.Target;
import io.pgmux.bench.scenario.Workload;
import io.pgmux.bench.stats.LatencySummary;
import io.pgmux.bench.stats.Measurement;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON result of a comparison: the machine and settings, every single measurement, and the
 * summary (medians and ratios) that the tables and charts show. Latencies are in milliseconds,
 * memory in MiB.
 */
public final class ResultJson {
    private ResultJson() {}

    public static Map<String, Object> build(Map<String, Object> meta, List<Target> targets, Summary summary,
            List<String> references, List<Measurement> measurements) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("meta", meta);
        List<Object> targetList = new ArrayList<>();
        for (Target t : targets) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", t.name());
            m.put("address", t.address());
            m.put("max_clients", t.maxClients() > 0 ? t.maxClients() : null);
            targetList.add(m);
        }
        root.put("targets", targetList);
        root.put("workloads", summary.workloads().stream().map(Workload::label).toList());
        root.put("references", references);
        List<Object> rows = new ArrayList<>();
        for (Summary.Row row : summary.rows()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", row.workload().label());
            m.put("scenario", row.workload().scenario().name());
            m.put("kind", row.workload().kind().name().toLowerCase());
            m.put("protocol", row.workload().scenario().usesProtocol() ? row.workload().protocol().label() : null);
            m.put("clients", row.workload().clients());
            m.put("target", row.target());
            m.put("runs", row.runs());
            m.put("skipped", row.skipped());
            m.put("tps", row.tps());
            m.put("tps_min", row.tpsMin());
            m.put("tps_max", row.tpsMax());
            m.put("latency_ms", latency(row.latency()));
            m.put("errors", row.errors());
            m.put("error_messages", row.errorMessages());
            m.put("cpu_seconds", row.cpuSeconds());
            m.put("cpu_us_per_tx", row.cpuMicrosPerTx());
            m.put("rss_mb", row.rssMb());
            m.put("rss_per_client_kb", row.rssPerClientKb());
            m.put("all_ready_seconds", row.allReadySeconds());
            m.put("clients_ready", row.clientsReady());
            m.put("generator_cpu_cores", row.generatorCpuShare());
            Map<String, Object> ratios = new LinkedHashMap<>();
            for (String ref : references) {
                if (summary.targets().contains(ref) && !ref.equals(row.target())) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("headline", summary.ratio(row, ref));
                    r.put("p99", summary.p99Ratio(row, ref));
                    ratios.put(ref, r);
                }
            }
            m.put("ratios", ratios);
            rows.add(m);
        }
        root.put("summary", rows);
        List<Object> runs = new ArrayList<>();
        for (Measurement r : measurements) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", r.workload().label());
            m.put("target", r.target());
            m.put("repetition", r.repetition());
            m.put("skipped", r.skipped());
            m.put("clients_ready", r.clientsReady());
            m.put("seconds", r.seconds());
            m.put("transactions", r.transactions());
            m.put("tps", r.workload().kind() == io.pgmux.bench.scenario.Kind.THROUGHPUT ? r.tps() : null);
            m.put("errors", r.errors());
            m.put("latency_ms", latency(r.latency()));
            m.put("cpu_seconds", r.cpuSeconds());
            m.put("rss_mb", r.rssBytes() == null ? null : r.rssBytes() / 1024.0 / 1024.0);
            m.put("rss_before_mb", r.rssBeforeBytes() == null ? null : r.rssBeforeBytes() / 1024.0 / 1024.0);
            m.put("all_ready_seconds", r.allReadySeconds());
            m.put("generator_cpu_seconds", r.generatorCpuSeconds());
            m.put("error_messages", r.errorMessages());
            runs.add(m);
        }
        root.put("runs", runs);
        return root;
    }

    private static Map<String, Object> latency(LatencySummary l) {
        if (l.isEmpty()) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", l.count());
        m.put("mean", l.mean() / 1000);
        m.put("p50", l.p50() / 1000);
        m.put("p90", l.p90() / 1000);
        m.put("p99", l.p99() / 1000);
        m.put("p99_9", l.p999() / 1000);
        m.put("max", l.max() / 1000);
        return m;
    }
}
