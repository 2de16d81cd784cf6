package io.pgmux.proxy.metrics;

import io.pgmux.proxy.pool.LatencyWindow;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.pool.PoolCounts;
import io.pgmux.proxy.pool.PoolRegistry;
import io.pgmux.proxy.pool.PoolStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The periodic statistics work, on a background thread (never an event loop): every
 * {@code stats_period / 6} it moves recorded latencies into the pools' sliding windows; every
 * {@code stats_period} it closes the period behind SHOW STATS' averages and logs one line per pool
 * that had traffic, like PgBouncer's stats line, with percentiles added:
 *
 * <pre>
 * [app/alice] stats: 120 xacts/s, 410 queries/s, in 51234 B/s, out 702113 B/s, xact 1830 us, query 412 us,
 *   wait 3 us; p99 xact 9100 us, query 2400 us, wait 120 us; clients 40 active 0 waiting, servers 8 active 2 idle
 * </pre>
 */
public final class StatsTicker {
    private static final Logger log = LoggerFactory.getLogger("io.pgmux.stats");

    private final PoolRegistry pools;
    private final PoolStats consoleStats;
    private final ScheduledExecutorService executor;
    private ScheduledFuture<?> slices;
    private ScheduledFuture<?> periods;
    private Duration period;

    public StatsTicker(PoolRegistry pools, PoolStats consoleStats, ScheduledExecutorService executor) {
        this.pools = pools;
        this.consoleStats = consoleStats;
        this.executor = executor;
    }

    /** Starts ticking, or restarts with a new period (at reload). */
    public synchronized void start(Duration newPeriod) {
        if (newPeriod.equals(period)) {
            return;
        }
        stop();
        period = newPeriod;
        long periodMillis = newPeriod.toMillis();
        long sliceMillis = Math.max(1, periodMillis / LatencyWindow.SLICES);
        slices = executor.scheduleAtFixedRate(this::advanceWindows, sliceMillis, sliceMillis, TimeUnit.MILLISECONDS);
        periods = executor.scheduleAtFixedRate(this::endPeriod, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    public synchronized void stop() {
        if (slices != null) {
            slices.cancel(false);
            periods.cancel(false);
        }
    }

    private void advanceWindows() {
        long now = System.nanoTime();
        for (Pool pool : pools.all()) {
            pool.stats().waitTimes().advance(now);
            pool.stats().transactionTimes().advance(now);
            pool.stats().queryTimes().advance(now);
        }
    }

    private void endPeriod() {
        try {
            long now = System.nanoTime();
            consoleStats.endPeriod(now);
            for (Pool pool : pools.all()) {
                PoolStats.Period p = pool.stats().endPeriod(now);
                PoolCounts counts = pool.counts();
                if (p.delta().transactions() > 0 || p.delta().queries() > 0 || p.delta().waits() > 0 || counts.waiting() > 0) {
                    log.info("[{}] {}", pool.key(), summary(p, counts,
                            pool.stats().transactionTimes().snapshot(now),
                            pool.stats().queryTimes().snapshot(now),
                            pool.stats().waitTimes().snapshot(now)));
                }
            }
        } catch (RuntimeException e) {
            log.error("stats period failed", e);
        }
    }

    /** The log line's text after the pool name. */
    static String summary(PoolStats.Period p, PoolCounts c, LatencyWindow.Snapshot xact, LatencyWindow.Snapshot query,
                          LatencyWindow.Snapshot wait) {
        PoolStats.Totals d = p.delta();
        return "stats: " + rate(d.transactions(), p.micros()) + " xacts/s, "
                + rate(d.queries(), p.micros()) + " queries/s, "
                + "in " + rate(d.bytesReceived(), p.micros()) + " B/s, "
                + "out " + rate(d.bytesSent(), p.micros()) + " B/s, "
                + "xact " + mean(d.transactionMicros(), d.transactions()) + " us, "
                + "query " + mean(d.queryMicros(), d.queries()) + " us, "
                + "wait " + mean(d.waitMicros(), d.waits()) + " us; "
                + "p99 xact " + xact.p99() + " us, query " + query.p99() + " us, wait " + wait.p99() + " us; "
                + "clients " + (c.clients() - c.waiting()) + " active " + c.waiting() + " waiting, "
                + "servers " + c.activeServers() + " active " + c.idleServers() + " idle";
    }

    private static long rate(long count, long micros) {
        return micros <= 0 ? 0 : count * 1_000_000 / micros;
    }

    private static long mean(long totalMicros, long count) {
        return count <= 0 ? 0 : totalMicros / count;
    }
}
