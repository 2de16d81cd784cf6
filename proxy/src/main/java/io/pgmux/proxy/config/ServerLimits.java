package io.pgmux.proxy.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How many server connections pools keep and may open beyond {@code pool_size}, and the limits over
 * several pools, with PgBouncer's names and meanings. The database ones can be set per database
 * ({@link DatabaseLimits}) and {@code max_user_connections} per user ({@link UserConfig}).
 *
 * @param minPoolSize        YAML {@code min_pool_size}: servers each pool keeps open (refilled when
 *                           they close), at most its {@code pool_size}; 0 = none
 * @param reservePoolSize    YAML {@code reserve_pool_size}: servers a pool may open beyond
 *                           {@code pool_size} for clients that waited {@code reserve_pool_timeout}
 * @param reservePoolTimeout YAML {@code reserve_pool_timeout}
 * @param maxDbConnections   YAML {@code max_db_connections}: servers of one database over all its
 *                           pools; 0 = no limit
 * @param maxUserConnections YAML {@code max_user_connections}: servers of one user over all its
 *                           pools; 0 = no limit
 * @param dnsMaxTtl          YAML {@code dns_max_ttl}: how long a server host name's addresses are
 *                           used before it is looked up again
 */
public record ServerLimits(int minPoolSize, int reservePoolSize, Duration reservePoolTimeout, int maxDbConnections,
                           int maxUserConnections, Duration dnsMaxTtl) {

    public ServerLimits {
        Objects.requireNonNull(reservePoolTimeout, "reservePoolTimeout");
        Objects.requireNonNull(dnsMaxTtl, "dnsMaxTtl");
        if (minPoolSize < 0 || reservePoolSize < 0 || maxDbConnections < 0 || maxUserConnections < 0
                || reservePoolTimeout.isNegative() || dnsMaxTtl.isNegative()) {
            throw new IllegalArgumentException("server limits must not be negative");
        }
    }

    /** The defaults {@link ConfigKeys} declares. */
    public static ServerLimits defaults() {
        return PgmuxConfig.defaults().serverLimits();
    }
}
