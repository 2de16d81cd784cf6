package io.pgmux.bench.cli;

import io.pgmux.bench.load.LoadSettings;
import io.pgmux.bench.net.ConnectSettings;
import io.pgmux.bench.load.Pgbench;
import io.pgmux.bench.load.Progress;
import io.pgmux.bench.load.Runner;
import picocli.CommandLine.Option;

import java.time.Duration;

/** Options shared by {@code run} and {@code compare}: how to log in and how to drive the load. */
final class LoadOptions {
    @Option(names = {"-d", "--database"}, defaultValue = "postgres", description = "Database name (default: ${DEFAULT-VALUE}).")
    String database;

    @Option(names = {"-U", "--user"}, defaultValue = "postgres", description = "User name (default: ${DEFAULT-VALUE}).")
    String user;

    @Option(names = "--password", description = "Password, when a target asks for one (default: $PGPASSWORD).")
    String password;

    @Option(names = {"-T", "--duration"}, defaultValue = "10s", converter = Converters.DurationConverter.class,
            description = "Measured time per run (idle: how long clients stay idle). Default: ${DEFAULT-VALUE}.")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "2s", converter = Converters.DurationConverter.class,
            description = "Load before the measured time, not counted. Default: ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(names = {"-R", "--rate"}, defaultValue = "0",
            description = "Aim at this many transactions per second in total, spread evenly over the clients."
                    + " 0 (default) = closed loop: each client sends its next transaction as soon as the last is answered.")
    double rate;

    @Option(names = "--co-correct",
            description = "Correct for coordinated omission (needs --rate): latency counts from when a transaction was"
                    + " due by the schedule, not from when a late client got round to sending it.")
    boolean coCorrect;

    @Option(names = "--threads", description = "Event-loop threads of the load generator (default: one per core).")
    Integer threads;

    @Option(names = "--connect-concurrency", defaultValue = "64",
            description = "Logins in flight at once while clients connect (not for storm, where all go at once)."
                    + " Default: ${DEFAULT-VALUE}.")
    int connectConcurrency;

    @Option(names = "--connect-timeout", defaultValue = "30s", converter = Converters.DurationConverter.class,
            description = "Per connection. Default: ${DEFAULT-VALUE}.")
    Duration connectTimeout;

    @Option(names = "--storm-timeout", defaultValue = "120s", converter = Converters.DurationConverter.class,
            description = "How long a storm waits for all its clients. Default: ${DEFAULT-VALUE}.")
    Duration stormTimeout;

    @Option(names = {"-s", "--scale"}, defaultValue = "10",
            description = "tpcb scale factor, as pgbench -s (100,000 accounts each). Default: ${DEFAULT-VALUE}.")
    int scale;

    @Option(names = "--pgbench", paramLabel = "PATH", defaultValue = "pgbench",
            description = "The pgbench binary that runs the pgbench-* workloads (default: ${DEFAULT-VALUE} on the PATH).")
    String pgbench;

    @Option(names = "--pgbench-sampling-rate", defaultValue = "0.2",
            description = "Fraction of transactions pgbench logs for the latency percentiles (default: ${DEFAULT-VALUE}).")
    double pgbenchSamplingRate;

    @Option(names = "--no-setup",
            description = "Do not create or fill the scenarios' tables (they must exist).")
    boolean noSetup;

    LoadSettings settings() {
        if (!(pgbenchSamplingRate > 0 && pgbenchSamplingRate <= 1)) {
            throw new IllegalArgumentException("--pgbench-sampling-rate must be in (0, 1]");
        }
        String pw = password != null ? password : System.getenv("PGPASSWORD");
        // the address is the target's; 127.0.0.1:5432 is a placeholder the runner replaces
        ConnectSettings connect = new ConnectSettings("127.0.0.1", 5432, database, user, pw, connectTimeout);
        return new LoadSettings(connect, duration, warmup, rate, coCorrect, connectConcurrency, scale, stormTimeout);
    }

    /** A runner for {@code settings} (from {@link #settings()}), with this command line's pgbench. */
    Runner runner(LoadSettings settings, Progress progress) {
        return new Runner(threads(), settings, progress, new Pgbench(pgbench, pgbenchSamplingRate));
    }

    int threads() {
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }
}
