package io.pgmux.proxy.config;

/**
 * What one database sets of {@link ServerLimits} for itself; null = the global key.
 *
 * @param minPoolSize      its {@code min_pool_size}
 * @param reservePoolSize  its {@code reserve_pool_size}
 * @param maxDbConnections its {@code max_db_connections}
 */
public record DatabaseLimits(Integer minPoolSize, Integer reservePoolSize, Integer maxDbConnections) {
    /** Every value from the global keys. */
    public static final DatabaseLimits GLOBAL = new DatabaseLimits(null, null, null);

    public int minPoolSize(ServerLimits global) {
        return minPoolSize != null ? minPoolSize : global.minPoolSize();
    }

    public int reservePoolSize(ServerLimits global) {
        return reservePoolSize != null ? reservePoolSize : global.reservePoolSize();
    }

    public int maxDbConnections(ServerLimits global) {
        return maxDbConnections != null ? maxDbConnections : global.maxDbConnections();
    }
}
