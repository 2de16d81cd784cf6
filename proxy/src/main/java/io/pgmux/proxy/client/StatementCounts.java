package io.pgmux.proxy.client;

import io.pgmux.proxy.pool.PoolStats;

/**
 * What one session did with named prepared statements since its pool's counters were last told:
 * counted per message on the session's loop, told once per batch, like the session's byte counts.
 */
final class StatementCounts {
    /** Named statements the client prepared (its Parses that pgmux accepted: sent on, or answered itself). */
    int clientParses;
    /** Parses pgmux sent to the server for named statements: the client's own, and those it prepares before a use. */
    int serverParses;
    /** Binds of the client's named statements sent to the server. */
    int binds;

    boolean isEmpty() {
        return (clientParses | serverParses | binds) == 0;
    }

    /** Adds the counts to the pool's and starts again from zero. */
    void moveTo(PoolStats stats) {
        stats.onNamedStatements(clientParses, serverParses, binds);
        clientParses = 0;
        serverParses = 0;
        binds = 0;
    }
}
