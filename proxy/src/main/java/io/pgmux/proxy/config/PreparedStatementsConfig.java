package io.pgmux.proxy.config;

/**
 * Named prepared statements under pooling.
 *
 * @param mode          {@code prepared_statements}; null = auto (see {@link PreparedStatementMode})
 * @param maxPerServer  {@code max_prepared_statements}: statements one server connection keeps (LRU)
 * @param maxPerClient  {@code max_client_prepared_statements}: names one client may hold
 * @param maxSizePerClient {@code max_client_prepared_statements_size}: bytes of statement text one client may hold
 */
public record PreparedStatementsConfig(PreparedStatementMode mode, int maxPerServer, int maxPerClient, int maxSizePerClient) {
    public static final int MAX_LIMIT = 1_000_000;

    public PreparedStatementsConfig {
        if (maxPerServer < 1 || maxPerClient < 1 || maxSizePerClient < 1) {
            throw new IllegalArgumentException("prepared statement limits must be at least 1");
        }
    }

    /** The defaults {@link ConfigKeys} declares. */
    public static PreparedStatementsConfig defaults() {
        return PgmuxConfig.defaults().preparedStatements();
    }
}
