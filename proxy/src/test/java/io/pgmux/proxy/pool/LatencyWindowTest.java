package io.pgmux.proxy.pool;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Percentiles over a sliding window, cumulative buckets since start; time is given, never waited for. */
class LatencyWindowTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void percentilesOfKnownValuesWithinOnePercent() {
        // given: 1..1000 ms
        LatencyWindow window = new LatencyWindow(Duration.ofSeconds(60), 0);
        for (int ms = 1; ms <= 1000; ms++) {
            window.record(ms * 1000L);
        }

        // when
        LatencyWindow.Snapshot s = window.snapshot(SECOND);

        // then
        assertEquals(1000, s.windowCount());
        assertNear(500_000, s.p50());
        assertNear(900_000, s.p90());
        assertNear(990_000, s.p99());
        assertNear(999_000, s.p999());
        assertNear(1_000_000, s.max());
    }

    @Test
    void valuesRecordedByManyThreadsAreAllCounted() throws Exception {
        // given: four threads (as event loops would) recording 10,000 values each, all at once
        LatencyWindow window = new LatencyWindow(Duration.ofSeconds(60), 0);
        int threads = 4;
        int perThread = 10_000;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService loops = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long micros = (t + 1) * 1_000L;
                writers.add(loops.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        window.record(micros);
                    }
                    return null;
                }));
            }
            // when: read while they write, then after they finished
            start.countDown();
            long seenWhileWriting = window.snapshot(SECOND).windowCount();
            for (Future<?> writer : writers) {
                writer.get(30, TimeUnit.SECONDS);
            }
            LatencyWindow.Snapshot s = window.snapshot(2 * SECOND);

            // then: every value once, from every thread (1..4 ms)
            assertTrue(seenWhileWriting <= threads * perThread);
            assertEquals(threads * perThread, s.windowCount());
            assertEquals(threads * perThread, s.totalCount());
            assertNear(2_000, s.p50());
            assertNear(4_000, s.max());
            assertEquals(threads * perThread / 4, s.cumulativeBuckets()[indexOf(1_000)]);
        } finally {
            loops.shutdownNow();
        }
    }

    @Test
    void valuesLeaveTheWindowButStayInTheCumulativeBuckets() {
        // given: a 60 s window (10 s slices); 10 slow values now, 10 fast ones 30 s later
        LatencyWindow window = new LatencyWindow(Duration.ofSeconds(60), 0);
        for (int i = 0; i < 10; i++) {
            window.record(2_000_000);
        }
        window.advance(SECOND);
        window.advance(30 * SECOND);
        for (int i = 0; i < 10; i++) {
            window.record(200);
        }
        window.advance(31 * SECOND);

        // when: 75 s after the start, the slow ones are out of the window
        LatencyWindow.Snapshot later = window.snapshot(75 * SECOND);

        // then
        assertEquals(10, later.windowCount());
        assertNear(200, later.max());
        assertEquals(20, later.totalCount());
        long[] buckets = later.cumulativeBuckets();
        assertEquals(0, buckets[indexOf(100)]);
        assertEquals(10, buckets[indexOf(250)]);
        assertEquals(10, buckets[indexOf(1_000_000)]);
        assertEquals(20, buckets[indexOf(2_500_000)]);
    }

    @Test
    void aWindowLeftAloneForLongerThanItsLengthStartsEmpty() {
        LatencyWindow window = new LatencyWindow(Duration.ofSeconds(6), 0);
        window.record(5_000);
        window.advance(SECOND / 2);

        LatencyWindow.Snapshot s = window.snapshot(100 * SECOND);

        assertEquals(0, s.windowCount());
        assertEquals(0, s.p99());
        assertEquals(1, s.totalCount());
    }

    private static int indexOf(long bound) {
        for (int i = 0; i < LatencyWindow.BUCKET_BOUNDS_MICROS.length; i++) {
            if (LatencyWindow.BUCKET_BOUNDS_MICROS[i] == bound) {
                return i;
            }
        }
        throw new AssertionError(bound);
    }

    private static void assertNear(long expected, long actual) {
        assertTrue(Math.abs(actual - expected) <= expected / 100 + 1, "expected about " + expected + ", got " + actual);
    }
}
