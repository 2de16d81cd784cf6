package io.pgmux.bench.cli;

import io.pgmux.bench.load.LoadSettings;
import io.pgmux.bench.load.Progress;
import io.pgmux.bench.load.Runner;
import io.pgmux.bench.load.Target;
import io.pgmux.bench.net.PgException;
import io.pgmux.bench.report.Format;
import io.pgmux.bench.report.HtmlReport;
import io.pgmux.bench.report.Json;
import io.pgmux.bench.report.ResultJson;
import io.pgmux.bench.report.Summary;
import io.pgmux.bench.report.TextReport;
import io.pgmux.bench.scenario.Kind;
import io.pgmux.bench.scenario.Scenario;
import io.pgmux.bench.scenario.Workload;
import io.pgmux.bench.stats.Measurement;
import io.pgmux.bench.sys.HostInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code pgmux-bench compare NAME=HOST:PORT...}: every workload against every target, repeated;
 * within a repetition the targets take turns (in an order that rotates), so slow phases of a
 * shared machine fall on all alike. Prints one table of medians and ratios and writes
 * {@code result.json}, {@code report.html} and {@code table.txt} (rewritten after every run).
 */
@Command(name = "compare",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {"Run the same workloads against several named targets, interleaved and repeated. Prints one"
                + " table with medians, ratios against the reference targets, the targets' CPU seconds and resident"
                + " memory (from /proc), and writes result.json, report.html (charts) and table.txt.", "",
                "Example:",
                "  pgmux-bench compare direct=127.0.0.1:5432 pgmux=127.0.0.1:6432 pgbouncer=127.0.0.1:6433 \\",
                "      -w select1/simple@50 -w select1/prepared@50 -w idle@10000 --max-clients direct=1000", ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:every run was attempted (failures are in the table)",
            "2:invalid command line",
            "3:the scenarios' tables could not be set up"})
public final class CompareCommand implements Callable<Integer> {
    static final List<String> DEFAULT_WORKLOADS = List.of("select1/simple@50", "select1/prepared@50",
            "select1/simple@1000", "tpcb@50", "orchestration@50", "idle@10000", "storm@5000",
            "pgbench-S/prepared@50", "pgbench-S/simple@50", "pgbench-S/prepared@1000", "pgbench-S/simple@1000",
            "pgbench-tpcb/simple@50");

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "NAME=HOST:PORT", converter = Converters.TargetConverter.class,
            description = "The targets, e.g. direct=127.0.0.1:5432 pgmux=127.0.0.1:6432 pgbouncer=127.0.0.1:6433.")
    List<Target> targets;

    @Option(names = {"-w", "--workload"}, paramLabel = "SCENARIO[/PROTOCOL]@CLIENTS",
            converter = Converters.WorkloadConverter.class,
            description = "Repeatable. Default: select1/simple@50 select1/prepared@50 select1/simple@1000 tpcb@50"
                    + " orchestration@50 idle@10000 storm@5000 pgbench-S/prepared@50 pgbench-S/simple@50"
                    + " pgbench-S/prepared@1000 pgbench-S/simple@1000 pgbench-tpcb/simple@50.")
    List<Workload> workloads;

    @Option(names = {"-r", "--repeat"}, defaultValue = "3", description = "Repetitions (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--reference", split = ",", defaultValue = "direct,pgbouncer",
            description = "Targets to show ratios against (default: ${DEFAULT-VALUE}).")
    List<String> references;

    @Option(names = "--max-clients", paramLabel = "NAME=N",
            description = "Skip workloads with more clients than N for that target (e.g. direct=1000 when Postgres'"
                    + " max_connections is 1100).")
    Map<String, Integer> maxClients = new LinkedHashMap<>();

    @Option(names = "--pid", paramLabel = "NAME=PID",
            description = "The process to read CPU and memory of (default: the one listening on the target's port).")
    Map<String, Long> pids = new LinkedHashMap<>();

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", defaultValue = "pgmux-bench-results",
            description = "Where result.json, report.html and table.txt go (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = "--setup-target", paramLabel = "NAME",
            description = "Create the scenarios' tables through this target (default: the first).")
    String setupTarget;

    @Option(names = "--title", defaultValue = "pgmux benchmark", description = "Title of the HTML report.")
    String title;

    @Option(names = "--note", description = "Free text recorded with the result (e.g. the targets' settings).")
    String note;

    @Mixin
    LoadOptions load;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Workload> chosen = workloads != null && !workloads.isEmpty() ? workloads
                : DEFAULT_WORKLOADS.stream().map(Workload::parse).toList();
        LoadSettings settings;
        List<Target> resolved = new ArrayList<>();
        try {
            settings = load.settings();
            if (repeat < 1) {
                throw new IllegalArgumentException("--repeat must be at least 1");
            }
            Set<String> names = new HashSet<>();
            for (Target t : targets) {
                if (!names.add(t.name())) {
                    throw new IllegalArgumentException("target name '" + t.name() + "' is given twice");
                }
                resolved.add(t.withMaxClients(maxClients.getOrDefault(t.name(), 0)).withPid(pids.get(t.name())));
            }
            for (String name : concat(maxClients.keySet(), pids.keySet())) {
                if (!names.contains(name)) {
                    throw new IllegalArgumentException("--max-clients/--pid name '" + name + "' is not a target");
                }
            }
            if (setupTarget != null && !names.contains(setupTarget)) {
                throw new IllegalArgumentException("--setup-target '" + setupTarget + "' is not a target");
            }
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.flush();
            return 2;
        }
        Files.createDirectories(outDir);
        List<String> targetNames = resolved.stream().map(Target::name).toList();
        Map<String, Object> meta = meta(spec.commandLine().getParseResult().originalArgs(), load, repeat);
        if (note != null) {
            meta.put("note", note);
        }
        meta.put("targets", resolved.stream().map(Target::toString).toList());
        List<Measurement> measurements = new ArrayList<>();
        int total = repeat * chosen.size() * resolved.size();
        try (Runner runner = load.runner(settings, Progress.console(err, System.console() != null))) {
            if (!load.noSetup) {
                Target via = resolved.stream().filter(t -> t.name().equals(setupTarget)).findFirst().orElse(resolved.get(0));
                List<Scenario> scenarios = chosen.stream().map(Workload::scenario).distinct().toList();
                try {
                    runner.setUp(via, scenarios);
                } catch (PgException e) {
                    err.println("setting up the tables through " + via + " failed: " + e.getMessage());
                    err.flush();
                    return 3;
                }
            }
            int done = 0;
            for (int rep = 1; rep <= repeat; rep++) {
                for (Workload workload : chosen) {
                    for (int i = 0; i < resolved.size(); i++) {
                        Target target = resolved.get((i + rep - 1) % resolved.size());
                        done++;
                        String label = String.format("[%d/%d] rep %d %s %s", done, total, rep, workload.label(), target.name());
                        Measurement m = runner.run(target, workload, rep, label);
                        measurements.add(m);
                        err.println(oneLine(label, m));
                        err.flush();
                        write(meta, resolved, chosen, targetNames, measurements);
                    }
                }
            }
        }
        Summary summary = Summary.of(measurements, chosen, targetNames);
        String table = TextReport.render(summary, references);
        out.print(table);
        out.println();
        out.println("written: " + outDir.resolve("result.json") + ", " + outDir.resolve("report.html") + ", "
                + outDir.resolve("table.txt"));
        out.flush();
        return 0;
    }

    private void write(Map<String, Object> meta, List<Target> resolved, List<Workload> chosen, List<String> targetNames,
            List<Measurement> measurements) throws IOException {
        meta.put("load_average_at_end", HostInfo.loadAverage());
        Summary summary = Summary.of(measurements, chosen, targetNames);
        Files.writeString(outDir.resolve("result.json"),
                Json.write(ResultJson.build(meta, resolved, summary, references, measurements)));
        Files.writeString(outDir.resolve("report.html"), HtmlReport.render(title, meta, summary, references));
        Files.writeString(outDir.resolve("table.txt"), "# " + meta.get("date") + " - " + meta.get("host") + "\n"
                + TextReport.render(summary, references));
    }

    static String oneLine(String label, Measurement m) {
        if (m.isSkipped()) {
            return label + ": skipped (" + m.skipped() + ")";
        }
        String errors = m.errors() == 0 ? "no errors" : String.format("%,d errors (%s)", m.errors(), m.topError());
        Kind kind = m.workload().kind();
        return switch (kind) {
            case THROUGHPUT -> String.format("%s: %s tps, p99 %s ms, %s", label, Format.count(m.tps()),
                    Format.millis(m.latency().p99()), errors);
            case IDLE -> String.format("%s: %,d clients idle, rss %s MB, %s", label, m.clientsReady(),
                    m.rssBytes() == null ? "?" : Format.decimal(m.rssBytes() / 1048576.0, 0), errors);
            case STORM -> String.format("%s: %,d ready%s, %s", label, m.clientsReady(),
                    m.allReadySeconds() == null ? "" : " in " + Format.decimal(m.allReadySeconds(), 2) + " s", errors);
        };
    }

    static Map<String, Object> meta(List<String> args, LoadOptions load, int repeat) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        meta.put("host", HostInfo.describe());
        meta.put("load_average_at_start", HostInfo.loadAverage());
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("duration_s", load.duration.toMillis() / 1000.0);
        settings.put("warmup_s", load.warmup.toMillis() / 1000.0);
        settings.put("repeat", repeat);
        settings.put("rate", load.rate > 0 ? load.rate : "closed loop");
        settings.put("co_correct", load.coCorrect);
        settings.put("generator_threads", load.threads());
        settings.put("tpcb_scale", load.scale);
        meta.put("settings", settings);
        meta.put("command", "pgmux-bench " + String.join(" ", args));
        return meta;
    }

    private static List<String> concat(Set<String> a, Set<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
