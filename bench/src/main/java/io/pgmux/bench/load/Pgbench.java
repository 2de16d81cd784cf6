package io.pgmux.bench.load;

import io.pgmux.bench.net.ConnectSettings;
import io.pgmux.bench.scenario.PgbenchScript;
import io.pgmux.bench.sql.Protocol;
import io.pgmux.bench.stats.LatencySummary;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs the {@code pgbench} binary once against one address and reads what it reports: tps and the
 * transaction count from its output, latency percentiles from its per-transaction log
 * ({@code -l --sampling-rate}), failures from its output and error lines.
 *
 * @param binary       the pgbench executable ({@code pgbench} on the PATH by default)
 * @param samplingRate the fraction of transactions pgbench logs (enough for a p99 at any rate that matters)
 */
public record Pgbench(String binary, double samplingRate) {
    private static final Pattern TPS = Pattern.compile("^tps = ([0-9.]+)", Pattern.MULTILINE);
    private static final Pattern PROCESSED = Pattern.compile("^number of transactions actually processed: (\\d+)", Pattern.MULTILINE);
    private static final Pattern FAILED = Pattern.compile("^number of failed transactions: (\\d+)", Pattern.MULTILINE);
    private static final long GRACE_SECONDS = 120;

    public static Pgbench onPath() {
        return new Pgbench("pgbench", 0.2);
    }

    /**
     * What one pgbench run reported.
     *
     * @param tps          pgbench's tps (without the initial connection time)
     * @param transactions transactions processed
     * @param failed       transactions pgbench counted as failed, plus one when it exited with an error
     * @param errors       pgbench's error lines, by text
     */
    public record Result(double tps, long transactions, long failed, LatencySummary latency, Map<String, Long> errors) {}

    /** Runs {@code script} with {@code clients} clients on {@code threads} threads for {@code duration}. */
    public Result run(ConnectSettings connect, PgbenchScript script, Protocol protocol, int clients, int threads,
            Duration duration) throws InterruptedException {
        Path logs;
        try {
            logs = Files.createTempDirectory("pgmux-bench-pgbench");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            List<String> command = command(connect, script, protocol, clients, threads, duration, logs);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            if (connect.password() != null) {
                builder.environment().put("PGPASSWORD", connect.password());
            }
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                return failure("could not start " + binary + ": " + e.getMessage());
            }
            String output;
            try {
                output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                output = "";
            }
            if (!process.waitFor(duration.toSeconds() + GRACE_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return failure(binary + " did not finish within " + GRACE_SECONDS + " s of its duration");
            }
            return read(output, process.exitValue(), latencies(logs));
        } finally {
            deleteAll(logs);
        }
    }

    List<String> command(ConnectSettings connect, PgbenchScript script, Protocol protocol, int clients, int threads,
            Duration duration, Path logs) {
        List<String> command = new ArrayList<>(List.of(binary, "-n", "-h", connect.host(), "-p", Integer.toString(connect.port()),
                "-U", connect.user(), "-c", Integer.toString(clients), "-j", Integer.toString(Math.max(1, Math.min(threads, clients))),
                "-T", Long.toString(Math.max(1, duration.toSeconds())), "-M", protocol.label()));
        command.addAll(script.scriptFlags());
        command.addAll(List.of("-l", "--sampling-rate=" + samplingRate, "--log-prefix=" + logs.resolve("log"), connect.database()));
        return command;
    }

    /** pgbench's output (stdout and stderr together) and exit status, with the latencies from its log. */
    static Result read(String output, int exitStatus, Histogram latencies) {
        Map<String, Long> errors = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            if (line.startsWith("pgbench: error:") || line.contains(" aborted in command ") || line.startsWith("FATAL")) {
                errors.merge(line.replaceAll("client \\d+", "client N").strip(), 1L, Long::sum);
            }
        }
        long failed = first(FAILED, output).map(Long::parseLong).orElse(0L);
        if (exitStatus != 0) {
            failed++;
            if (errors.isEmpty()) {
                errors.put("pgbench exited with status " + exitStatus, 1L);
            }
        }
        double tps = first(TPS, output).map(Double::parseDouble).orElse(0.0);
        long transactions = first(PROCESSED, output).map(Long::parseLong).orElse(0L);
        return new Result(tps, transactions, failed, LatencySummary.of(latencies), errors);
    }

    /**
     * Latencies in microseconds from pgbench's per-transaction log lines, {@code client_id
     * transaction_no time script_no time_epoch time_us [schedule_lag]}; a line whose time is not a
     * number (a failed or skipped transaction) is left out.
     */
    static void addLogLine(String line, Histogram into) {
        String[] fields = line.trim().split(" ");
        if (fields.length < 6) {
            return;
        }
        try {
            into.recordValue(Math.min(Long.parseLong(fields[2]), LatencySummary.HIGHEST_MICROS));
        } catch (NumberFormatException e) {
            // "failed" or "skipped"
        }
    }

    private static Histogram latencies(Path logs) {
        Histogram histogram = LatencySummary.newHistogram();
        try (Stream<Path> files = Files.list(logs)) {
            for (Path file : files.toList()) {
                try (Stream<String> lines = Files.lines(file)) {
                    lines.forEach(line -> addLogLine(line, histogram));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return histogram;
    }

    private static Result failure(String why) {
        return new Result(0, 0, 1, LatencySummary.EMPTY, Map.of(why, 1L));
    }

    private static Optional<String> first(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static void deleteAll(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temp directory left behind
        }
    }
}
