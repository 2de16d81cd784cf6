package io.pgmux.proxy.pool;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PoolStatsTest {

    @Test
    void aConsoleCommandIsOneTransactionAndOneQueryWithNoTimeServerOrBytes() {
        // given
        PoolStats stats = new PoolStats();

        // when: the console answers two commands
        stats.onConsoleCommand();
        stats.onConsoleCommand();

        // then: two transactions and two queries, nothing else; the period's delta says the same
        assertEquals(new PoolStats.Totals(0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0), stats.totals());
        assertEquals(stats.totals(), stats.endPeriod(System.nanoTime()).delta());
    }
}
