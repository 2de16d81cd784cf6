package io.pgmux.proxy.pool;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One latency distribution of a pool (client wait, transaction or query time, in microseconds):
 * recorded lock-free from every event loop, read as percentiles over a sliding window and as
 * cumulative bucket counts since start (what a Prometheus histogram needs).
 *
 * <p>The window is {@value #SLICES} slices of {@code window / SLICES} each; the oldest slice is
 * dropped as time moves on. Recorded values move from the recorder into the current slice and the
 * cumulative histogram whenever the window is read or {@link #advance advanced} (the stats ticker
 * does that every slice), so a value counts in the slice of the moment it was collected, at most one
 * slice late. Values are kept to two significant digits (1% precision); histograms grow with the
 * largest value seen. All reads and advances take this object's lock, briefly; recording takes none.
 *
 * <p>Every thread that records (in practice each event loop) writes to a recorder of its own, so
 * recording shares no memory between event loops: one pool's recorder shared by all of them cost
 * about 10% of the Java time on the hot path (contended atomic counters, three values per
 * transaction). Reading collects from every thread's recorder.
 */
public final class LatencyWindow {
    public static final int SLICES = 6;
    /** Upper bounds of the cumulative buckets, in microseconds (100µs .. 60s); +Inf is implied. */
    public static final long[] BUCKET_BOUNDS_MICROS = {
        100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000, 30_000_000, 60_000_000};
    private static final int DIGITS = 2;

    /** The window's percentiles and the cumulative bucket counts, all times in microseconds. */
    public record Snapshot(long windowCount, long p50, long p90, long p99, long p999, long max,
                           long totalCount, long[] cumulativeBuckets) {}

    private final List<ThreadRecorder> recorders = new CopyOnWriteArrayList<>();
    private final ThreadLocal<ThreadRecorder> threadRecorder = ThreadLocal.withInitial(this::newThreadRecorder);
    private final Histogram total = new Histogram(DIGITS);
    private final Histogram[] slices = new Histogram[SLICES];
    private long sliceNanos;
    private long sliceEndNanos;
    private int current;

    LatencyWindow(Duration window, long nowNanos) {
        for (int i = 0; i < SLICES; i++) {
            slices[i] = new Histogram(DIGITS);
        }
        reset(window, nowNanos);
    }

    void record(long micros) {
        threadRecorder.get().recorder.recordValue(micros);
    }

    /** Changes the window's length; what the old window held is dropped (the cumulative counts stay). */
    synchronized void setWindow(Duration window, long nowNanos) {
        collect();
        reset(window, nowNanos);
    }

    /** Moves recorded values into the window and drops slices that have left it. */
    public synchronized void advance(long nowNanos) {
        rotate(nowNanos);
        collect();
    }

    public synchronized Snapshot snapshot(long nowNanos) {
        advance(nowNanos);
        Histogram window = new Histogram(DIGITS);
        for (Histogram slice : slices) {
            window.add(slice);
        }
        long[] buckets = new long[BUCKET_BOUNDS_MICROS.length];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = total.getCountBetweenValues(0, BUCKET_BOUNDS_MICROS[i]);
        }
        long count = window.getTotalCount();
        return new Snapshot(count,
                count == 0 ? 0 : window.getValueAtPercentile(50),
                count == 0 ? 0 : window.getValueAtPercentile(90),
                count == 0 ? 0 : window.getValueAtPercentile(99),
                count == 0 ? 0 : window.getValueAtPercentile(99.9),
                count == 0 ? 0 : window.getMaxValue(),
                total.getTotalCount(), buckets);
    }

    private void reset(Duration window, long nowNanos) {
        sliceNanos = Math.max(1, window.toNanos() / SLICES);
        for (Histogram slice : slices) {
            slice.reset();
        }
        current = 0;
        sliceEndNanos = nowNanos + sliceNanos;
    }

    private void rotate(long nowNanos) {
        if (nowNanos - sliceEndNanos < 0) {
            return;
        }
        long behind = (nowNanos - sliceEndNanos) / sliceNanos + 1;
        if (behind >= SLICES) {
            // nothing was collected for a whole window: what the recorder holds is counted as recent
            for (Histogram slice : slices) {
                slice.reset();
            }
            sliceEndNanos = nowNanos + sliceNanos;
            return;
        }
        collect(); // what arrived before now belongs to the slice that is ending
        for (long i = 0; i < behind; i++) {
            current = (current + 1) % SLICES;
            slices[current].reset();
            sliceEndNanos += sliceNanos;
        }
    }

    private void collect() {
        for (ThreadRecorder writer : recorders) {
            Histogram interval = writer.recorder.getIntervalHistogram(writer.recycled);
            if (interval.getTotalCount() > 0) {
                total.add(interval);
                slices[current].add(interval);
            }
            writer.recycled = interval;
        }
    }

    private ThreadRecorder newThreadRecorder() {
        ThreadRecorder writer = new ThreadRecorder();
        recorders.add(writer);
        return writer;
    }

    /** One writing thread's recorder, and the histogram it last handed over (given back to it to reuse). */
    private static final class ThreadRecorder {
        final SingleWriterRecorder recorder = new SingleWriterRecorder(DIGITS);
        /** Read and written under the window's lock only. */
        Histogram recycled;
    }
}
