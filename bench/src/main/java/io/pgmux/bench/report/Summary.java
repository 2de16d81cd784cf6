package io.pgmux.bench.report;

import io.pgmux.bench.scenario.Kind;
import io.pgmux.bench.scenario.Workload;
import io.pgmux.bench.stats.LatencySummary;
import io.pgmux.bench.stats.Measurement;
import io.pgmux.bench.stats.Stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The repetitions of each (workload, target) reduced to medians, in the order the workloads and
 * targets were given, plus ratios against reference targets computed from those medians.
 */
public final class Summary {

    /**
     * One (workload, target): medians over its repetitions. Every double is NaN when unknown.
     *
     * @param runs            repetitions that ran (not skipped)
     * @param skipped         why it never ran, or null
     * @param tps             median transactions per second (throughput)
     * @param tpsMin          lowest repetition's tps
     * @param tpsMax          highest repetition's tps
     * @param latency         per-percentile medians (storm: time until each client was ready)
     * @param errors          errors summed over all repetitions
     * @param errorMessages   messages summed over all repetitions, most frequent first
     * @param cpuSeconds      median CPU seconds of the target in the window
     * @param cpuMicrosPerTx  median CPU microseconds of the target per completed transaction
     * @param rssMb           median resident memory (MiB) at the end of the window
     * @param rssPerClientKb  idle: median resident memory added per client (KiB)
     * @param allReadySeconds storm: median time until all clients were ready (NaN if some never were)
     * @param clientsReady    fewest clients ready in any repetition
     * @param generatorCpuShare median CPU of the load generator in the window, in cores
     */
    public record Row(Workload workload, String target, int runs, String skipped, double tps, double tpsMin,
            double tpsMax, LatencySummary latency, long errors, Map<String, Long> errorMessages, double cpuSeconds,
            double cpuMicrosPerTx, double rssMb, double rssPerClientKb, double allReadySeconds, int clientsReady,
            double generatorCpuShare) {

        public boolean ran() {
            return runs > 0;
        }
    }

    private final List<Workload> workloads;
    private final List<String> targets;
    private final Map<String, Row> rows = new LinkedHashMap<>();

    private Summary(List<Workload> workloads, List<String> targets) {
        this.workloads = List.copyOf(workloads);
        this.targets = List.copyOf(targets);
    }

    public static Summary of(List<Measurement> measurements, List<Workload> workloads, List<String> targets) {
        Summary summary = new Summary(workloads, targets);
        for (Workload workload : workloads) {
            for (String target : targets) {
                List<Measurement> runs = measurements.stream()
                        .filter(m -> m.workload().equals(workload) && m.target().equals(target))
                        .toList();
                if (!runs.isEmpty()) {
                    summary.rows.put(key(workload, target), reduce(workload, target, runs));
                }
            }
        }
        return summary;
    }

    static Row reduce(Workload workload, String target, List<Measurement> all) {
        List<Measurement> ran = all.stream().filter(m -> !m.isSkipped()).toList();
        String skipped = ran.isEmpty() ? all.get(0).skipped() : null;
        Map<String, Long> messages = new LinkedHashMap<>();
        ran.forEach(m -> m.errorMessages().forEach((k, v) -> messages.merge(k, v, Long::sum)));
        Map<String, Long> sortedMessages = new LinkedHashMap<>();
        messages.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .forEach(e -> sortedMessages.put(e.getKey(), e.getValue()));
        boolean throughput = workload.kind() == Kind.THROUGHPUT;
        List<Double> tps = ran.stream().map(m -> throughput && m.transactions() > 0 ? m.tps() : Double.NaN).toList();
        List<Double> cpu = ran.stream().map(m -> m.cpuSeconds() == null ? Double.NaN : m.cpuSeconds()).toList();
        List<Double> cpuPerTx = ran.stream().map(m -> m.cpuSeconds() == null || m.transactions() == 0 || !throughput
                ? Double.NaN : m.cpuSeconds() * 1e6 / m.transactions()).toList();
        List<Double> rss = ran.stream().map(m -> m.rssBytes() == null ? Double.NaN : m.rssBytes() / 1024.0 / 1024.0).toList();
        List<Double> perClient = ran.stream().map(m -> m.rssPerClientBytes() / 1024.0).toList();
        List<Double> ready = ran.stream().map(m -> m.allReadySeconds() == null ? Double.NaN : m.allReadySeconds()).toList();
        boolean everyStormReady = ran.stream().allMatch(m -> m.allReadySeconds() != null);
        List<Double> generator = ran.stream().map(m -> m.seconds() > 0 ? m.generatorCpuSeconds() / m.seconds() : Double.NaN).toList();
        return new Row(workload, target, ran.size(), skipped,
                Stats.median(tps), Stats.min(tps), Stats.max(tps),
                LatencySummary.median(ran.stream().map(Measurement::latency).toList()),
                ran.stream().mapToLong(Measurement::errors).sum(), sortedMessages,
                Stats.median(cpu), Stats.median(cpuPerTx), Stats.median(rss), Stats.median(perClient),
                everyStormReady ? Stats.median(ready) : Double.NaN,
                ran.stream().mapToInt(Measurement::clientsReady).min().orElse(0),
                Stats.median(generator));
    }

    private static String key(Workload workload, String target) {
        return workload.label() + "\u0000" + target;
    }

    public List<Workload> workloads() {
        return workloads;
    }

    public List<String> targets() {
        return targets;
    }

    public Optional<Row> row(Workload workload, String target) {
        return Optional.ofNullable(rows.get(key(workload, target)));
    }

    /** Every row, workload by workload, targets in their given order. */
    public List<Row> rows() {
        return new ArrayList<>(rows.values());
    }

    /** The headline number of a row: tps, idle memory or storm time. */
    public static double headline(Row row) {
        return switch (row.workload().kind()) {
            case THROUGHPUT -> row.tps();
            case IDLE -> row.rssMb();
            case STORM -> row.allReadySeconds();
        };
    }

    /** {@code row}'s headline number divided by {@code reference}'s, for the same workload; NaN if either is missing. */
    public double ratio(Row row, String reference) {
        if (Objects.equals(row.target(), reference)) {
            return Double.NaN;
        }
        return row(row.workload(), reference).filter(Row::ran)
                .map(ref -> Stats.ratio(headline(row), headline(ref)))
                .orElse(Double.NaN);
    }

    /** {@code row}'s p99 divided by {@code reference}'s (below 1 is better); NaN if either is missing. */
    public double p99Ratio(Row row, String reference) {
        if (Objects.equals(row.target(), reference)) {
            return Double.NaN;
        }
        return row(row.workload(), reference).filter(Row::ran)
                .map(ref -> Stats.ratio(row.latency().p99(), ref.latency().p99()))
                .orElse(Double.NaN);
    }
}
