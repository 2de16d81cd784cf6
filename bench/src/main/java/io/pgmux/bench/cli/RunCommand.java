package io.pgmux.bench.cli;

import io.pgmux.bench.load.LoadSettings;
import io.pgmux.bench.load.Progress;
import io.pgmux.bench.load.Runner;
import io.pgmux.bench.load.Target;
import io.pgmux.bench.net.PgException;
import io.pgmux.bench.report.Json;
import io.pgmux.bench.report.ResultJson;
import io.pgmux.bench.report.Summary;
import io.pgmux.bench.report.TextReport;
import io.pgmux.bench.scenario.Kind;
import io.pgmux.bench.scenario.Scenario;
import io.pgmux.bench.scenario.Scenarios;
import io.pgmux.bench.scenario.Workload;
import io.pgmux.bench.sql.Protocol;
import io.pgmux.bench.stats.Measurement;
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
import java.util.List;
import java.util.concurrent.Callable;

/** {@code pgmux-bench run SCENARIO}: one scenario, one target, a progress line and a final table. */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {"Run one scenario against one target: a live progress line (elapsed, tps, p99 so far), then a"
                + " table (tps, p50/p90/p99/p99.9/max latency in ms, errors, the target's CPU and memory).", ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:the run completed without errors",
            "1:the run completed, but transactions, connections or logins failed (see the table)",
            "2:invalid command line",
            "3:the scenario's tables could not be set up"})
public final class RunCommand implements Callable<Integer> {
    static final int EXIT_ERRORS = 1;
    static final int EXIT_SETUP_FAILED = 3;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SCENARIO",
            description = "select1, tpcb, orchestration, idle or storm (see pgmux-bench --help).")
    String scenario;

    @Option(names = {"-t", "--target"}, paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:6432",
            converter = Converters.AddressConverter.class, description = "Where to connect (default: ${DEFAULT-VALUE}).")
    Target target;

    @Option(names = {"-c", "--clients"}, defaultValue = "50", description = "Client connections (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = {"-M", "--protocol"}, defaultValue = "simple", converter = Converters.ProtocolConverter.class,
            description = "simple, extended or prepared (default: ${DEFAULT-VALUE}); select1, tpcb, orchestration only.")
    Protocol protocol;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as JSON.")
    Path json;

    @Mixin
    LoadOptions load;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Scenario chosen;
        Workload workload;
        LoadSettings settings;
        try {
            chosen = Scenarios.byName(scenario);
            workload = new Workload(chosen, protocol, clients);
            settings = load.settings();
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.flush();
            return 2;
        }
        Target named = new Target(target.address(), target.host(), target.port(), null, 0);
        Measurement m;
        try (Runner runner = load.runner(settings, Progress.console(err, System.console() != null))) {
            if (!load.noSetup && !chosen.setUp(load.scale).isEmpty()) {
                try {
                    runner.setUp(named, List.of(chosen));
                } catch (PgException e) {
                    err.println("setting up " + chosen.name() + " through " + named.address() + " failed: " + e.getMessage());
                    err.flush();
                    return EXIT_SETUP_FAILED;
                }
            }
            m = runner.run(named, workload, 1, workload.label() + " -> " + named.address());
        }
        Summary summary = Summary.of(List.of(m), List.of(workload), List.of(named.name()));
        out.print(TextReport.render(summary, List.of()));
        if (m.seconds() > 0) {
            out.printf("load generator: %.0f%% of one core%n", 100 * m.generatorCpuSeconds() / m.seconds());
        }
        out.flush();
        if (json != null) {
            Files.writeString(json, Json.write(ResultJson.build(CompareCommand.meta(List.of("run", scenario), load, 1),
                    List.of(named), summary, List.of(), List.of(m))));
        }
        boolean failed = m.errors() > 0 || (chosen.kind() == Kind.THROUGHPUT && m.transactions() == 0);
        return failed ? EXIT_ERRORS : 0;
    }
}
