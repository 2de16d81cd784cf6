package io.pgmux.proxy.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How many pools may exist and how long an unused one is kept. Pools are made as clients log in,
 * one per (database, user) pair, so without these a stream of new user names would grow them
 * without end.
 *
 * @param maxPools        YAML {@code max_pools}: pools at once; a login that needs one more is refused
 *                        (SQLSTATE 53300) unless an unused pool can be removed to make room
 * @param poolIdleTimeout YAML {@code pool_idle_timeout}: a pool with no client and no server
 *                        connection for this long is removed; zero = kept until {@code max_pools}
 *                        needs the room
 */
public record PoolLimitsConfig(int maxPools, Duration poolIdleTimeout) {
    /** The largest {@code max_pools} accepted. */
    public static final int MAX_POOLS_LIMIT = 1_000_000;

    public PoolLimitsConfig {
        Objects.requireNonNull(poolIdleTimeout, "poolIdleTimeout");
        if (maxPools < 1 || maxPools > MAX_POOLS_LIMIT) {
            throw new IllegalArgumentException("maxPools must be 1.." + MAX_POOLS_LIMIT);
        }
        if (poolIdleTimeout.isNegative()) {
            throw new IllegalArgumentException("poolIdleTimeout must not be negative");
        }
    }

    /** The defaults {@link ConfigKeys} declares. */
    public static PoolLimitsConfig defaults() {
        return PgmuxConfig.defaults().poolLimits();
    }
}
