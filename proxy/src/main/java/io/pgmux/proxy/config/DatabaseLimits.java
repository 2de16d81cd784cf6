package io.pgmux.proxy.config;

import java.time.Duration;

/**
 * What one database sets of {@link ServerLimits} (and of {@link SessionFeaturesConfig}) for itself;
 * null = the global key.
 *
 * @param minPoolSize      its {@code min_pool_size}
 * @param reservePoolSize  its {@code reserve_pool_size}
 * @param maxDbConnections its {@code max_db_connections}
 * @param maxPinnedServers its {@code max_pinned_servers} (0 = half of its pool_size, at least 1)
 * @param maxDbClientConnections its {@code max_db_client_connections}
 * @param serverLifetime   its {@code server_lifetime}, as PgBouncer's per-database one
 */
public record DatabaseLimits(Integer minPoolSize, Integer reservePoolSize, Integer maxDbConnections, Integer maxPinnedServers,
                             Integer maxDbClientConnections, Duration serverLifetime) {
    /** Every value from the global keys. */
    public static final DatabaseLimits GLOBAL = new DatabaseLimits(null, null, null, null, null, null);

    /** Servers of one of its pools of {@code poolSize} that pinned clients may keep. */
    public int maxPinnedServers(SessionFeaturesConfig global, int poolSize) {
        return maxPinnedServers != null ? SessionFeaturesConfig.maxPinnedServers(maxPinnedServers, poolSize)
                : global.maxPinnedServers(poolSize);
    }

    public int minPoolSize(ServerLimits global) {
        return minPoolSize != null ? minPoolSize : global.minPoolSize();
    }

    public int reservePoolSize(ServerLimits global) {
        return reservePoolSize != null ? reservePoolSize : global.reservePoolSize();
    }

    /** Clients logged in to the database at once: its own {@code max_db_client_connections}, else the global one; 0 = no limit. */
    public int maxDbClientConnections(LoginLimits global) {
        return maxDbClientConnections != null ? maxDbClientConnections : global.maxDbClientConnections();
    }

    /** How long a server connection of its pools may live: its own {@code server_lifetime}, else the global one. */
    public Duration serverLifetime(Duration global) {
        return serverLifetime != null ? serverLifetime : global;
    }

    public int maxDbConnections(ServerLimits global) {
        return maxDbConnections != null ? maxDbConnections : global.maxDbConnections();
    }
}
