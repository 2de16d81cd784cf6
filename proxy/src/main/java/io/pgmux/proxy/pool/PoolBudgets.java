package io.pgmux.proxy.pool;

import java.util.ArrayList;
import java.util.List;

/**
 * The two {@link ConnectionBudget}s a pool's servers count against: its database's
 * ({@code max_db_connections}) and its server user's ({@code max_user_connections}).
 */
record PoolBudgets(ConnectionBudget database, ConnectionBudget user) {

    /** Budgets with no limit that no other pool shares. */
    static PoolBudgets unlimited(PoolKey key) {
        return new PoolBudgets(ConnectionBudget.unlimited("database " + key.database()),
                ConnectionBudget.unlimited("user " + key.user()));
    }

    void join(Pool pool) {
        database.join(pool);
        user.join(pool);
    }

    void leave(Pool pool) {
        database.leave(pool);
        user.leave(pool);
    }

    /**
     * Takes a slot in both for one more server of {@code pool}; null if taken, else the budget that
     * refused (the pool is noted as waiting there, and nothing is taken).
     */
    ConnectionBudget tryTake(Pool pool) {
        if (!database.tryTake(pool)) {
            return database;
        }
        if (!user.tryTake(pool)) {
            database.untake(); // pools refused meanwhile try again at the next 100 ms sweep
            return user;
        }
        return null;
    }

    /** Whether a server about to be kept should close because a budget is over its cap (see {@link ConnectionBudget#tryRetire}). */
    boolean tryRetire() {
        return database.tryRetire() || user.tryRetire();
    }

    /** A server of the pool has closed or failed to open; returns the pools to wake. */
    List<Pool> giveBack() {
        List<Pool> woken = new ArrayList<>(database.giveBack());
        for (Pool pool : user.giveBack()) {
            if (!woken.contains(pool)) {
                woken.add(pool);
            }
        }
        return woken;
    }

    /** Lets each pool open the servers it now has room for; call with no lock held. */
    static void wake(List<Pool> pools) {
        pools.forEach(Pool::openServersIfDue);
    }
}
