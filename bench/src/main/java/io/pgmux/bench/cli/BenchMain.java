package io.pgmux.bench.cli;

import picocli.CommandLine;

/** {@code java -jar pgmux-bench.jar run|compare ...}. */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) {
        System.exit(BenchCommand.commandLine().execute(args));
    }
}
