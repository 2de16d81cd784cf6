package io.pgmux.bench.soak;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DriftTest {
    /** One sample every 10 s for {@code count} samples, RSS as {@code rss(i)}. */
    private static List<Sample> rss(int count, IntToDoubleFunction rss) {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            samples.add(new Sample(i * 10.0, Map.of(Gauge.RSS, rss.applyAsDouble(i))));
        }
        return samples;
    }

    @Test
    void comparesTheMediansOfTheFirstAndLastQuarterAfterWarmUp() {
        // warm-up (first 30 s) climbs from 0; then 100 MB with one 500 MB spike in the first quarter, 110 at the end
        List<Sample> samples = rss(43, i -> i < 3 ? i * 30 : i == 4 ? 500 : i >= 33 ? 110 : 100);
        Drift drift = Drift.of(Gauge.RSS, samples, 30);
        assertEquals(40, drift.samples());
        assertEquals(100, drift.firstQuarter(), "one spike does not move a median");
        assertEquals(110, drift.lastQuarter());
        assertEquals(100, drift.min());
        assertEquals(500, drift.max());
        assertEquals(0.10, drift.change(), 1e-9);
        assertFalse(drift.grew(), "10 MB is within the slack");
    }

    @Test
    void growthPastTheLimitAndTheSlackIsFlagged() {
        Drift drift = Drift.of(Gauge.RSS, rss(40, i -> 100 + i * 2), 0);
        assertTrue(drift.change() > Drift.FLAT_LIMIT);
        assertTrue(drift.grew(), drift.toString());
        assertFalse(Drift.of(Gauge.RSS, rss(40, i -> 200 - i), 0).grew(), "shrinking is flat");
    }

    @Test
    void unreadSamplesAndLoadGaugesAreNeverFlagged() {
        Drift none = Drift.of(Gauge.RSS, rss(10, i -> Double.NaN), 0);
        assertEquals(0, none.samples());
        assertFalse(none.grew());
        List<Sample> tps = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            tps.add(new Sample(i, Map.of(Gauge.TRANSACTIONS_PER_SECOND, i * 100.0)));
        }
        assertFalse(Drift.of(Gauge.TRANSACTIONS_PER_SECOND, tps, 0).grew(), "throughput shows the load, it is not judged");
    }
}
