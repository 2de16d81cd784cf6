package io.pgmux.bench.stats;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatsTest {

    @Test
    void medianOfAnOddCountIsTheMiddleValue() {
        assertEquals(3.0, Stats.median(List.of(5.0, 1.0, 3.0)));
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, Stats.median(List.of(4.0, 1.0, 2.0, 3.0)));
    }

    @Test
    void unknownValuesAreLeftOut() {
        assertEquals(2.0, Stats.median(Arrays.asList(Double.NaN, 2.0, null)));
        assertTrue(Double.isNaN(Stats.median(List.of(Double.NaN))));
    }

    @Test
    void ratioIsUnknownWithoutAReference() {
        assertEquals(1.5, Stats.ratio(3, 2));
        assertTrue(Double.isNaN(Stats.ratio(3, 0)));
        assertTrue(Double.isNaN(Stats.ratio(Double.NaN, 2)));
    }
}
