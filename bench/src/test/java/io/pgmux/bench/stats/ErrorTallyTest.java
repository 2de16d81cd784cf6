package io.pgmux.bench.stats;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ErrorTallyTest {

    @Test
    void messagesAreCountedMostFrequentFirst() {
        ErrorTally tally = new ErrorTally();
        tally.add("a");
        tally.add("b");
        tally.add("b");
        tally.add("c", 5);

        assertEquals(8, tally.total());
        assertEquals(List.of("c", "b", "a"), List.copyOf(tally.snapshot().keySet()));
        assertEquals(5L, tally.snapshot().get("c"));
    }

    @Test
    void distinctMessagesAreBoundedAndTheRestCountedTogether() {
        ErrorTally tally = new ErrorTally();
        for (int i = 0; i < ErrorTally.MAX_DISTINCT + 10; i++) {
            tally.add("message " + i);
        }

        Map<String, Long> snapshot = tally.snapshot();
        assertEquals(ErrorTally.MAX_DISTINCT + 1, snapshot.size());
        assertEquals(10L, snapshot.get(ErrorTally.OTHER));
        assertEquals(ErrorTally.MAX_DISTINCT + 10, tally.total());
    }
}
