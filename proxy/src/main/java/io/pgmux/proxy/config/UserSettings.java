package io.pgmux.proxy.config;

import java.time.Duration;

/**
 * What one user sets for itself under {@code users}, as PgBouncer's {@code [users]} section; null =
 * not set. Which wins, as in PgBouncer: the user's {@code pool_size}, {@code reserve_pool_size} and
 * {@code pool_mode} over its database's, and the database's over the global keys; the user's
 * timeouts over the global ones. A user's timeout of 0 turns that timeout off for the user.
 *
 * @param poolSize               servers per pool of this user (every database it uses)
 * @param reservePoolSize        extra servers per pool of this user for clients that waited {@code reserve_pool_timeout}
 * @param poolMode               when this user's servers go back to the pool
 * @param queryTimeout           {@code query_timeout} for this user's requests
 * @param idleTransactionTimeout {@code idle_transaction_timeout} for this user's clients
 * @param transactionTimeout     {@code transaction_timeout} for this user's transactions
 * @param clientIdleTimeout      {@code client_idle_timeout} for this user's clients
 */
public record UserSettings(Integer poolSize, Integer reservePoolSize, PoolMode poolMode, Duration queryTimeout,
                           Duration idleTransactionTimeout, Duration transactionTimeout, Duration clientIdleTimeout) {
    /** Everything from the database's or the global keys. */
    public static final UserSettings NONE = new UserSettings(null, null, null, null, null, null, null);

    public UserSettings {
        if (poolSize != null && poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be at least 1 (got " + poolSize + ")");
        }
        if (reservePoolSize != null && reservePoolSize < 0) {
            throw new IllegalArgumentException("reservePoolSize must not be negative (got " + reservePoolSize + ")");
        }
    }

    /** The pool size of this user's pool of {@code database}: the user's, else the database's (itself the global one if unset). */
    public int poolSize(DatabaseConfig database) {
        return poolSize != null ? poolSize : database.poolSize();
    }

    /** The pool mode of this user's pool of {@code database}: the user's, else the database's. */
    public PoolMode poolMode(DatabaseConfig database) {
        return poolMode != null ? poolMode : database.poolMode();
    }

    /** The reserve of this user's pool of {@code database}: the user's, else the database's, else the global one. */
    public int reservePoolSize(DatabaseConfig database, ServerLimits global) {
        return reservePoolSize != null ? reservePoolSize : database.limits().reservePoolSize(global);
    }

    /** {@code global} with the timeouts this user sets in place of the global ones. */
    public TimeoutsConfig timeouts(TimeoutsConfig global) {
        if (!anyTimeout()) {
            return global;
        }
        return new TimeoutsConfig(or(queryTimeout, global.queryTimeout()),
                or(idleTransactionTimeout, global.idleTransactionTimeout()), or(clientIdleTimeout, global.clientIdleTimeout()),
                or(transactionTimeout, global.transactionTimeout()), global.serverCheckDelay(), global.serverCheckQuery(),
                global.keepalive());
    }

    /** Whether the user sets any of the timeouts (a client timeout may then be on for it alone). */
    public boolean anyTimeout() {
        return queryTimeout != null || idleTransactionTimeout != null || transactionTimeout != null || clientIdleTimeout != null;
    }

    private static Duration or(Duration own, Duration global) {
        return own != null ? own : global;
    }
}
