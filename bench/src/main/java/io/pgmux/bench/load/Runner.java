package io.pgmux.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import io.pgmux.bench.net.ConnectSettings;
import io.pgmux.bench.net.PgConnection;
import io.pgmux.bench.net.PgException;
import io.pgmux.bench.net.Transport;
import io.pgmux.bench.scenario.PgbenchScript;
import io.pgmux.bench.scenario.Scenario;
import io.pgmux.bench.scenario.Workload;
import io.pgmux.bench.stats.ErrorTally;
import io.pgmux.bench.stats.LatencySummary;
import io.pgmux.bench.stats.Measurement;
import io.pgmux.bench.sys.HostInfo;
import io.pgmux.bench.sys.ProcStats;
import org.HdrHistogram.Histogram;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs workloads against targets from one process: one Netty event-loop group carries every client
 * connection; this thread only schedules, samples and prints progress. Blocking: call from a plain
 * thread, one run at a time.
 */
public final class Runner implements AutoCloseable {
    private static final long TICK_MILLIS = 100;
    private static final long DRAIN_MILLIS = 10_000;

    private final Transport transport = Transport.best();
    private final EventLoopGroup group;
    private final LoadSettings settings;
    private final Progress progress;
    private final Map<String, OptionalLong> pids = new HashMap<>();
    private final int threads;
    private final Pgbench pgbench;

    public Runner(int threads, LoadSettings settings, Progress progress) {
        this(threads, settings, progress, Pgbench.onPath());
    }

    /** {@code pgbench} runs the {@link PgbenchScript} workloads ({@code threads} is then its {@code -j}). */
    public Runner(int threads, LoadSettings settings, Progress progress, Pgbench pgbench) {
        this.group = transport.newGroup(threads);
        this.settings = settings;
        this.progress = progress;
        this.threads = threads;
        this.pgbench = pgbench;
    }

    public LoadSettings settings() {
        return settings;
    }

    /** Creates and fills the scenarios' tables through {@code target}. */
    public void setUp(Target target, List<Scenario> scenarios) throws PgException {
        try (AdminSession admin = admin(target)) {
            for (Scenario scenario : scenarios) {
                for (String sql : scenario.setUp(settings.scale())) {
                    progress.update("setting up " + scenario.name() + " through " + target.name() + " ...");
                    admin.execute(sql);
                }
            }
        } finally {
            progress.end();
        }
    }

    /** Runs {@code workload} once against {@code target}; failures are in the measurement, not thrown. */
    public Measurement run(Target target, Workload workload, int repetition, String label) {
        if (!target.accepts(workload.clients())) {
            return Measurement.skipped(target.name(), workload, repetition,
                    "over " + target.name() + "'s limit of " + target.maxClients() + " clients");
        }
        try {
            List<String> before = workload.scenario().beforeRun();
            if (!before.isEmpty()) {
                try (AdminSession admin = admin(target)) {
                    for (String sql : before) {
                        admin.execute(sql);
                    }
                }
            }
        } catch (PgException e) {
            return failed(target, workload, repetition, "before the run: " + e.getMessage());
        }
        OptionalLong pid = pidOf(target);
        try {
            return switch (workload.kind()) {
                case THROUGHPUT -> workload.scenario() instanceof PgbenchScript script
                        ? pgbench(target, workload, script, repetition, label, pid)
                        : throughput(target, workload, repetition, label, pid);
                case IDLE -> idle(target, workload, repetition, label, pid);
                case STORM -> storm(target, workload, repetition, label, pid);
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(target, workload, repetition, "interrupted");
        } finally {
            progress.end();
        }
    }

    // ---- throughput -------------------------------------------------------------------------

    private Measurement throughput(Target target, Workload workload, int repetition, String label, OptionalLong pid)
            throws InterruptedException {
        ConnectSettings connect = connectSettings(target);
        ConnectBatch batch = connectAll(connect, workload.clients(), settings.connectConcurrency(), false, label);
        List<PgConnection> connections = batch.connections();
        if (connections.isEmpty()) {
            closeAll(connections);
            return failedConnects(target, workload, repetition, batch);
        }
        long now = System.nanoTime();
        long measureStart = now + settings.warmup().toNanos();
        long measureEnd = measureStart + settings.duration().toNanos();
        RunState run = new RunState(measureStart, measureEnd);
        run.errors.addAll(batch.errors());
        run.failed.add(batch.errors().total());
        long interval = settings.rate() > 0 ? (long) (1e9 * connections.size() / settings.rate()) : 0;
        CountDownLatch finished = new CountDownLatch(connections.size());
        long seed = ThreadLocalRandom.current().nextLong();
        for (int i = 0; i < connections.size(); i++) {
            PgConnection connection = connections.get(i);
            long firstDue = now + (interval > 0 ? interval * i / connections.size() : 0);
            new LoadClient(connection, workload.scenario().newClient(workload.protocol(), settings.scale()), run,
                    seed + i, interval, firstDue, settings.coCorrect(), finished).start();
        }

        Histogram total = LatencySummary.newHistogram();
        Histogram interval1s = null;
        Optional<ProcStats.Usage> usageStart = Optional.empty();
        double ownCpuStart = Double.NaN;
        boolean measuring = false;
        long lastPrint = now;
        long lastCompleted = 0;
        while (true) {
            Thread.sleep(TICK_MILLIS);
            long t = System.nanoTime();
            if (!measuring && t - measureStart >= 0) {
                measuring = true;
                usageStart = usage(pid, false);
                ownCpuStart = HostInfo.ownCpuSeconds();
                lastCompleted = run.completed.sum();
                lastPrint = t;
            }
            if (t - measureEnd >= 0) {
                break;
            }
            if (t - lastPrint >= 1_000_000_000L) {
                interval1s = run.latencies.getIntervalHistogram(interval1s);
                total.add(interval1s);
                long completed = run.completed.sum();
                double tps = (completed - lastCompleted) / ((t - lastPrint) / 1e9);
                lastCompleted = completed;
                lastPrint = t;
                progress.update(String.format("%s  %5.1fs %s tps %9s  p99 %s  errors %,d", label,
                        (t - now) / 1e9, measuring ? "" : "(warm-up)", measuring ? String.format("%,.0f", tps) : "-",
                        measuring && total.getTotalCount() > 0 ? ms(total.getValueAtPercentile(99)) : "-",
                        run.failed.sum()));
            }
        }
        Optional<ProcStats.Usage> usageEnd = usage(pid, true);
        double ownCpu = HostInfo.ownCpuSeconds() - ownCpuStart;
        finished.await(DRAIN_MILLIS, TimeUnit.MILLISECONDS);
        total.add(run.latencies.getIntervalHistogram(interval1s));
        closeAll(connections);
        double seconds = (measureEnd - measureStart) / 1e9;
        return new Measurement(target.name(), workload, repetition, connections.size(), seconds,
                run.completed.sum(), run.failed.sum(), LatencySummary.of(total), run.errors.snapshot(),
                cpuSeconds(usageStart, usageEnd), usageEnd.map(ProcStats.Usage::rssBytes).orElse(null), null, null,
                ownCpu, null);
    }

    // ---- pgbench ----------------------------------------------------------------------------

    /** The pgbench binary runs the workload: once for the warm-up, once measured. */
    private Measurement pgbench(Target target, Workload workload, PgbenchScript script, int repetition, String label,
            OptionalLong pid) throws InterruptedException {
        ConnectSettings connect = connectSettings(target);
        if (!settings.warmup().isZero()) {
            progress.update(label + "  pgbench (warm-up)");
            pgbench.run(connect, script, workload.protocol(), workload.clients(), threads, settings.warmup());
        }
        progress.update(label + "  pgbench");
        Optional<ProcStats.Usage> start = usage(pid, false);
        Optional<ProcStats.Usage> ownStart = ProcStats.usage(ProcessHandle.current().pid(), false);
        Pgbench.Result result = pgbench.run(connect, script, workload.protocol(), workload.clients(), threads,
                settings.duration());
        Optional<ProcStats.Usage> end = usage(pid, true);
        Double generatorCpu = cpuSeconds(ownStart, ProcStats.usage(ProcessHandle.current().pid(), false));
        double seconds = result.tps() > 0 ? result.transactions() / result.tps() : settings.duration().toNanos() / 1e9;
        return new Measurement(target.name(), workload, repetition, result.transactions() > 0 ? workload.clients() : 0,
                seconds, result.transactions(), result.failed(), result.latency(), result.errors(), cpuSeconds(start, end),
                end.map(ProcStats.Usage::rssBytes).orElse(null), null, null,
                generatorCpu == null ? Double.NaN : generatorCpu, null);
    }

    // ---- idle -------------------------------------------------------------------------------

    private Measurement idle(Target target, Workload workload, int repetition, String label, OptionalLong pid)
            throws InterruptedException {
        Optional<ProcStats.Usage> before = usage(pid, true);
        double ownCpuStart = HostInfo.ownCpuSeconds();
        ConnectBatch batch = connectAll(connectSettings(target), workload.clients(), settings.connectConcurrency(), true, label);
        List<PgConnection> connections = batch.connections();
        Optional<ProcStats.Usage> cpuStart = usage(pid, false);
        long start = System.nanoTime();
        long end = start + settings.duration().toNanos();
        long peak = before.map(ProcStats.Usage::rssBytes).orElse(0L);
        long lastSample = 0;
        while (System.nanoTime() - end < 0) {
            Thread.sleep(TICK_MILLIS);
            long t = System.nanoTime();
            if (t - lastSample >= 1_000_000_000L) {
                lastSample = t;
                Optional<ProcStats.Usage> now = usage(pid, true);
                if (now.isPresent()) {
                    peak = Math.max(peak, now.get().rssBytes());
                }
                long open = connections.stream().filter(c -> c.channel().isActive()).count();
                progress.update(String.format("%s  %5.1fs  %,d clients idle  RSS %s", label, (t - start) / 1e9, open,
                        now.map(u -> mb(u.rssBytes())).orElse("?")));
            }
        }
        Optional<ProcStats.Usage> after = usage(pid, true);
        long stillOpen = connections.stream().filter(c -> c.channel().isActive()).count();
        ErrorTally errors = batch.errors();
        if (stillOpen < connections.size()) {
            errors.add("idle client disconnected by the target", connections.size() - stillOpen);
        }
        double ownCpu = HostInfo.ownCpuSeconds() - ownCpuStart;
        closeAll(connections);
        Long rss = after.isPresent() ? Long.valueOf(Math.max(peak, after.get().rssBytes())) : null;
        return new Measurement(target.name(), workload, repetition, batch.readyCount(), settings.duration().toNanos() / 1e9,
                0, errors.total(), LatencySummary.EMPTY, errors.snapshot(), cpuSeconds(cpuStart, after), rss,
                before.map(ProcStats.Usage::rssBytes).orElse(null), null, ownCpu, null);
    }

    // ---- storm ------------------------------------------------------------------------------

    private Measurement storm(Target target, Workload workload, int repetition, String label, OptionalLong pid)
            throws InterruptedException {
        Optional<ProcStats.Usage> before = usage(pid, false);
        double ownCpuStart = HostInfo.ownCpuSeconds();
        ConnectBatch batch = new ConnectBatch(PgConnection.bootstrap(group, transport, connectSettings(target)),
                connectSettings(target), workload.clients(), workload.clients(), true).start();
        long deadline = batch.startNanos() + settings.stormTimeout().toNanos();
        while (!batch.await(TICK_MILLIS * 5)) {
            progress.update(String.format("%s  %5.1fs  %,d of %,d ready, %,d failed", label,
                    (System.nanoTime() - batch.startNanos()) / 1e9, batch.readyCount(), workload.clients(),
                    batch.errors().total()));
            if (System.nanoTime() - deadline >= 0) {
                batch.abandon();
                break;
            }
        }
        long settledAt = System.nanoTime();
        Optional<ProcStats.Usage> after = usage(pid, true);
        double ownCpu = HostInfo.ownCpuSeconds() - ownCpuStart;
        List<PgConnection> connections = batch.connections();
        closeAll(connections);
        boolean allReady = batch.readyCount() == workload.clients();
        Double allReadySeconds = allReady ? (batch.lastReadyNanos() - batch.startNanos()) / 1e9 : null;
        return new Measurement(target.name(), workload, repetition, batch.readyCount(),
                (settledAt - batch.startNanos()) / 1e9, batch.readyCount(), batch.errors().total(),
                LatencySummary.of(batch.readyTimes().getIntervalHistogram()), batch.errors().snapshot(),
                cpuSeconds(before, after), after.map(ProcStats.Usage::rssBytes).orElse(null), null, allReadySeconds,
                ownCpu, null);
    }

    // ---- helpers ----------------------------------------------------------------------------

    private ConnectBatch connectAll(ConnectSettings connect, int clients, int concurrency, boolean firstQuery, String label)
            throws InterruptedException {
        ConnectBatch batch = new ConnectBatch(PgConnection.bootstrap(group, transport, connect), connect, clients,
                concurrency, firstQuery).start();
        long deadline = System.nanoTime() + connectTimeoutNanos(clients, concurrency);
        while (!batch.await(TICK_MILLIS * 5)) {
            progress.update(String.format("%s  connecting: %,d of %,d ready, %,d failed", label, batch.readyCount(),
                    clients, batch.errors().total()));
            if (System.nanoTime() - deadline >= 0) {
                batch.abandon();
                break;
            }
        }
        return batch;
    }

    /** Logins run {@code concurrency} at a time: allow each wave the connect timeout, at least 60 s in all. */
    private long connectTimeoutNanos(int clients, int concurrency) {
        long waves = (clients + concurrency - 1) / concurrency;
        return Math.max(TimeUnit.SECONDS.toNanos(60), settings.connect().connectTimeout().toNanos() * Math.min(waves, 4));
    }

    private static void closeAll(List<PgConnection> connections) {
        connections.stream().map(PgConnection::close).toList()
                .forEach(f -> f.awaitUninterruptibly(5_000));
    }

    private AdminSession admin(Target target) throws PgException {
        return AdminSession.open(PgConnection.bootstrap(group, transport, connectSettings(target)), connectSettings(target));
    }

    private ConnectSettings connectSettings(Target target) {
        return settings.connect().withAddress(target.host(), target.port());
    }

    private OptionalLong pidOf(Target target) {
        if (target.pid() != null) {
            return OptionalLong.of(target.pid());
        }
        return pids.computeIfAbsent(target.name(), name -> ProcStats.pidListeningOn(target.port()));
    }

    private static Optional<ProcStats.Usage> usage(OptionalLong pid, boolean withMemory) {
        return pid.isPresent() ? ProcStats.usage(pid.getAsLong(), withMemory) : Optional.empty();
    }

    private static Double cpuSeconds(Optional<ProcStats.Usage> start, Optional<ProcStats.Usage> end) {
        return start.isPresent() && end.isPresent() ? end.get().cpuSeconds() - start.get().cpuSeconds() : null;
    }

    private static Measurement failed(Target target, Workload workload, int repetition, String error) {
        return new Measurement(target.name(), workload, repetition, 0, 0, 0, 1, LatencySummary.EMPTY,
                Map.of(error, 1L), null, null, null, null, 0, null);
    }

    private static Measurement failedConnects(Target target, Workload workload, int repetition, ConnectBatch batch) {
        return new Measurement(target.name(), workload, repetition, 0, 0, 0, batch.errors().total(), LatencySummary.EMPTY,
                batch.errors().snapshot(), null, null, null, null, 0, null);
    }

    static String ms(double micros) {
        return String.format("%.2f ms", micros / 1000.0);
    }

    static String mb(long bytes) {
        return String.format("%,.0f MB", bytes / 1024.0 / 1024.0);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
    }
}
