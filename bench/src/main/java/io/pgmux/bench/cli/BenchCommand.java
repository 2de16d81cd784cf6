package io.pgmux.bench.cli;

import io.pgmux.bench.scenario.Scenario;
import io.pgmux.bench.scenario.Scenarios;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;

/** The {@code pgmux-bench} command: subcommands only. */
@Command(name = "pgmux-bench",
        mixinStandardHelpOptions = true,
        version = "pgmux-bench 0.1.0",
        subcommands = {RunCommand.class, CompareCommand.class, SoakCommand.class, CommandLine.HelpCommand.class},
        description = {
            "Load generator for PostgreSQL and the poolers in front of it (pgmux, PgBouncer).",
            "",
            "See the commands below; bench/README.md says how to reproduce the comparison.",
            ""},
        footerHeading = "%nScenarios:%n",
        footer = {"%s"})
public final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    /** The command line {@link BenchMain} executes (tests set its output streams). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new BenchCommand());
        cl.getCommandSpec().usageMessage().footer(scenarioHelp());
        return cl;
    }

    static String[] scenarioHelp() {
        List<String> lines = new ArrayList<>();
        for (Scenario s : Scenarios.all()) {
            lines.add(String.format("  %-14s %s", s.name(), s.description()));
        }
        return lines.toArray(String[]::new);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }
}
