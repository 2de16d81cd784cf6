package io.pgmux.bench.cli;

import io.pgmux.bench.report.SoakReport;
import io.pgmux.bench.soak.Drift;
import io.pgmux.bench.soak.Event;
import io.pgmux.bench.soak.Gauge;
import io.pgmux.bench.soak.Sample;
import io.pgmux.bench.soak.Sampler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code pgmux-bench soak --pid PID --metrics URL}: samples one running pgmux every period for the
 * soak's duration (the load comes from elsewhere: {@code bench/soak.sh}), appends each sample to
 * {@code samples.csv} as it is taken, and at the end writes {@code report.html} and prints the
 * drift of each gauge after warm-up.
 */
@Command(name = "soak",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {"Sample a running pgmux (resident memory, heap after GC, direct memory, open descriptors,"
                + " server and client connections, transactions per second) every period while something else loads"
                + " it; write samples.csv and report.html (charts), and print whether memory and descriptors stayed"
                + " flat after warm-up. bench/soak.sh runs the whole soak.", ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:memory and descriptors stayed flat after warm-up", "1:one of them grew (see the table)",
            "2:invalid command line"})
public final class SoakCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--pid", required = true, description = "pgmux's process id.")
    long pid;

    @Option(names = "--metrics", required = true, paramLabel = "URL", description = "pgmux's metrics, e.g. http://127.0.0.1:9127/metrics.")
    URI metrics;

    @Option(names = "--duration", defaultValue = "30m", converter = Converters.DurationConverter.class,
            description = "How long to sample (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--every", defaultValue = "10s", converter = Converters.DurationConverter.class,
            description = "Sampling period (default: ${DEFAULT-VALUE}).")
    Duration every;

    @Option(names = "--warm-up", defaultValue = "5m", converter = Converters.DurationConverter.class,
            description = "Samples before this are drawn but not judged (default: ${DEFAULT-VALUE}).")
    Duration warmUp;

    @Option(names = "--events", paramLabel = "FILE",
            description = "Lines 'EPOCH_SECONDS<TAB>TEXT' the driver writes (a restart, say), marked on the charts.")
    Path events;

    @Option(names = "--title", defaultValue = "pgmux soak", description = "Title of the HTML report.")
    String title;

    @Option(names = "--note", description = "Free text recorded with the result (the load, the settings).")
    String note;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", defaultValue = "pgmux-soak-results",
            description = "Where samples.csv and report.html go (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Files.createDirectories(outDir);
        double startEpochSeconds = System.currentTimeMillis() / 1000.0;
        Sampler sampler = new Sampler(pid, metrics);
        List<Sample> samples = new ArrayList<>();
        long periods = Math.max(1, duration.toMillis() / every.toMillis());
        try (Writer csv = Files.newBufferedWriter(outDir.resolve("samples.csv"))) {
            csv.write(csvHeader());
            long start = System.nanoTime();
            for (long i = 0; i <= periods; i++) {
                long due = start + i * every.toNanos();
                Thread.sleep(Math.max(0, (due - System.nanoTime()) / 1_000_000));
                Sample sample = sampler.sample();
                samples.add(sample);
                csv.write(csvLine(sample));
                csv.flush();
                if (i % Math.max(1, 60_000 / every.toMillis()) == 0) {
                    out.printf(Locale.ROOT, "soak: %.0f min, rss %.0f MB, heap after GC %.0f MB, fds %.0f, servers %.0f, %.0f tps%n",
                            sample.elapsedSeconds() / 60, sample.value(Gauge.RSS), sample.value(Gauge.HEAP_AFTER_GC),
                            sample.value(Gauge.OPEN_FDS), sample.value(Gauge.SERVER_CONNECTIONS),
                            sample.value(Gauge.TRANSACTIONS_PER_SECOND));
                    out.flush();
                }
            }
        }
        double warmUpSeconds = warmUp.toMillis() / 1000.0;
        List<Drift> drifts = SoakReport.drifts(samples, warmUpSeconds);
        Files.writeString(outDir.resolve("report.html"), SoakReport.render(title, meta(), samples,
                Event.read(events, startEpochSeconds), warmUpSeconds));
        out.print(SoakReport.table(drifts).render());
        out.println("written: " + outDir.resolve("samples.csv") + ", " + outDir.resolve("report.html"));
        return drifts.stream().anyMatch(Drift::grew) ? 1 : 0;
    }

    private Map<String, Object> meta() {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("pid", pid);
        meta.put("metrics", metrics);
        meta.put("duration", duration);
        meta.put("every", every);
        meta.put("warm_up", warmUp);
        if (note != null) {
            meta.put("note", note);
        }
        return meta;
    }

    private static String csvHeader() {
        StringBuilder line = new StringBuilder("elapsed_seconds");
        for (Gauge g : Gauge.values()) {
            line.append(',').append(g.name().toLowerCase(Locale.ROOT));
        }
        return line.append('\n').toString();
    }

    private static String csvLine(Sample sample) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%.1f", sample.elapsedSeconds()));
        for (Gauge g : Gauge.values()) {
            double v = sample.value(g);
            line.append(',').append(Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.2f", v));
        }
        return line.append('\n').toString();
    }
}
