package io.pgmux.bench.stats;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencySummaryTest {

    @Test
    void percentilesOfAKnownDistributionAreWithinTheHistogramsPrecision() {
        Histogram h = LatencySummary.newHistogram();
        for (int micros = 1; micros <= 10_000; micros++) {
            h.recordValue(micros);
        }

        LatencySummary s = LatencySummary.of(h);

        assertEquals(10_000, s.count());
        assertClose(5_000, s.p50());
        assertClose(9_000, s.p90());
        assertClose(9_900, s.p99());
        assertClose(9_990, s.p999());
        assertClose(10_000, s.max());
        assertClose(5_000.5, s.mean());
    }

    @Test
    void anEmptyHistogramHasNoPercentiles() {
        LatencySummary s = LatencySummary.of(LatencySummary.newHistogram());

        assertTrue(s.isEmpty());
        assertTrue(Double.isNaN(s.p99()));
    }

    @Test
    void theMedianOfRepetitionsIsTakenPerField() {
        LatencySummary a = new LatencySummary(10, 1, 1, 2, 3, 4, 5);
        LatencySummary b = new LatencySummary(30, 3, 3, 6, 9, 12, 15);
        LatencySummary c = new LatencySummary(20, 2, 2, 4, 6, 8, 100);

        LatencySummary m = LatencySummary.median(List.of(a, b, c, LatencySummary.EMPTY));

        assertEquals(new LatencySummary(20, 2, 2, 4, 6, 8, 15), m);
    }

    @Test
    void theMedianOfNothingIsEmpty() {
        assertTrue(LatencySummary.median(List.of(LatencySummary.EMPTY)).isEmpty());
    }

    @Test
    void valuesUpToTenMinutesFit() {
        Histogram h = LatencySummary.newHistogram();
        h.recordValue(LatencySummary.HIGHEST_MICROS);

        assertClose(600_000_000, LatencySummary.of(h).max());
    }

    private static void assertClose(double expected, double actual) {
        assertTrue(Math.abs(expected - actual) <= expected * 0.001 + 1,
                "expected " + expected + " within 0.1%, got " + actual);
    }
}
