package io.pgmux.proxy.pool;

/**
 * Who uses a pool: the clients logged in to it, and whether it is kept warm (its database has a fixed
 * server user, see {@link PoolRegistry#warmFixedUserPools}: {@code min_pool_size} servers stay open
 * with no client too, and the pool is never unused); and since when it has been unused, for
 * {@code pool_idle_timeout} ({@link Pool#closeIfUnused}).
 *
 * <p>Not thread-safe: its pool calls it only with the pool's lock held, as {@link ServerLists}.
 */
final class PoolUse {
    /** Clients logged in to the pool (see {@link Pool#join}). */
    private int clients;
    private boolean keptWarm;
    /** Whether {@link #unusedFor} found the pool unused since it was last used, and when it first did. */
    private boolean seenUnused;
    private long unusedSinceNanos;

    /** A client logged in to the pool. */
    void join() {
        clients++;
        seenUnused = false;
    }

    /** A client that joined left. */
    void leave() {
        clients--;
    }

    void keepWarm(boolean warm) {
        keptWarm = warm;
    }

    /** Clients logged in now. */
    int clients() {
        return clients;
    }

    /** Whether min_pool_size applies now (clients use the pool, or it is kept warm). */
    boolean inUse() {
        return clients > 0 || keptWarm;
    }

    /**
     * Whether the pool has been unused for at least {@code unusedNanos}, counted from the first call
     * that found it unused: not in use and, as its pool says, {@code nothingPending} (no server open,
     * being opened or closing, no client queued, no admin command waiting).
     */
    boolean unusedFor(long nowNanos, long unusedNanos, boolean nothingPending) {
        if (inUse() || !nothingPending) {
            seenUnused = false;
            return false;
        }
        if (!seenUnused) {
            seenUnused = true;
            unusedSinceNanos = nowNanos;
        }
        return nowNanos - unusedSinceNanos >= unusedNanos;
    }
}
