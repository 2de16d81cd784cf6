package io.pgmux.bench.load;

import io.pgmux.bench.stats.ErrorTally;
import io.pgmux.bench.stats.LatencySummary;
import org.HdrHistogram.Recorder;

import java.util.concurrent.atomic.LongAdder;

/**
 * What every client of one throughput run shares: the fixed schedule (warm-up until
 * {@code measureStart}, measured until {@code measureEnd}, both {@link System#nanoTime} values),
 * the latency recorder and the counters. Written from every event loop; read by the progress loop.
 */
final class RunState {
    final long measureStart;
    final long measureEnd;
    final Recorder latencies = new Recorder(LatencySummary.HIGHEST_MICROS, LatencySummary.SIGNIFICANT_DIGITS);
    final LongAdder completed = new LongAdder();
    final LongAdder failed = new LongAdder();
    final ErrorTally errors = new ErrorTally();
    /** Clients lost during the run (their connection closed). */
    final LongAdder lost = new LongAdder();

    RunState(long measureStart, long measureEnd) {
        this.measureStart = measureStart;
        this.measureEnd = measureEnd;
    }

    /** Whether a transaction may still start at {@code now}. */
    boolean running(long now) {
        return now - measureEnd < 0;
    }

    /**
     * Counts a transaction that ended at {@code end}: a success only inside the measured window, a
     * failure whenever it happened (an error in the warm-up, such as a statement that fails only
     * the first time, must not vanish from the report).
     */
    void record(long begin, long end, String error) {
        if (error != null) {
            failed.increment();
            errors.add(error);
            return;
        }
        if (end - measureStart < 0 || end - measureEnd >= 0) {
            return;
        }
        completed.increment();
        latencies.recordValue(Math.min(LatencySummary.HIGHEST_MICROS, Math.max(0, (end - begin) / 1_000)));
    }

    /** An error outside any transaction (a client lost, a connect that failed): always counted. */
    void error(String message) {
        failed.increment();
        errors.add(message);
    }
}
