package io.pgmux.proxy.metrics;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How late each event loop runs a task scheduled on it: a probe every second on every loop measures
 * the delay between when it was due and when it ran. A loop busy with work (or blocked, which must
 * not happen) shows a growing lag.
 */
public final class EventLoopLag {
    private static final long PERIOD_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final List<EventExecutor> loops = new ArrayList<>();
    private final AtomicLongArray lagNanos;

    private EventLoopLag(EventExecutorGroup group) {
        group.forEach(loops::add);
        lagNanos = new AtomicLongArray(loops.size());
    }

    /** Starts the probes; they stop by themselves when the loops shut down. */
    public static EventLoopLag start(EventExecutorGroup group) {
        EventLoopLag lag = new EventLoopLag(group);
        for (int i = 0; i < lag.loops.size(); i++) {
            lag.schedule(i);
        }
        return lag;
    }

    /** The last measured lag of each loop, in nanoseconds, by loop index. */
    public long[] lagNanos() {
        long[] lags = new long[lagNanos.length()];
        for (int i = 0; i < lags.length; i++) {
            lags[i] = lagNanos.get(i);
        }
        return lags;
    }

    private void schedule(int index) {
        EventExecutor loop = loops.get(index);
        if (loop.isShuttingDown()) {
            return;
        }
        long due = System.nanoTime() + PERIOD_NANOS;
        try {
            loop.schedule(() -> {
                lagNanos.set(index, Math.max(0, System.nanoTime() - due));
                schedule(index);
            }, PERIOD_NANOS, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the loop is shutting down
        }
    }
}
