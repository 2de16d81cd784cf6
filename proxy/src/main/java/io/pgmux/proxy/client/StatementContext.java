package io.pgmux.proxy.client;

import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Parse;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.prepared.ClientStatements;
import io.pgmux.proxy.config.PreparedStatementMode;
import io.pgmux.proxy.config.Units;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.pool.PoolSettings;
import io.pgmux.proxy.prepared.StatementKey;
import io.pgmux.proxy.prepared.StatementRegistry;
import io.pgmux.proxy.sql.QueryScan;
import io.pgmux.proxy.util.ClientText;

import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * A client's prepared-statement policy and state: the mode of its pool, its own statement names,
 * the pool's shared statements, the limits, what it counts for the pool's statistics, and the
 * errors it raises where Postgres would.
 *
 * @param scan where the text of the client's message being read is scanned, once for all who read
 *             it ({@link LocalReplies}, {@link ClientRequests}); reused for each message, on the client's loop
 */
record StatementContext(PreparedStatementMode mode, PoolMode poolMode, ClientStatements client,
        StatementRegistry registry, IntSupplier maxPerServerNow, int maxPerClient, int maxSizePerClient, String searchPath,
        StatementCounts counts, QueryScan scan) {

    /** The context of a client of {@code pool}, with its own names; the limits are the pool's (the per-server one as reloaded). */
    static StatementContext forClientOf(Pool pool, String searchPath, StatementCounts counts) {
        PoolSettings settings = pool.settings();
        return new StatementContext(settings.preparedStatements(), settings.mode(), new ClientStatements(pool.statements()),
                pool.statements(), () -> pool.settings().maxPreparedPerServer(), settings.maxPreparedPerClient(),
                settings.maxPreparedSizePerClient(), searchPath, counts, new QueryScan());
    }

    /** {@code max_prepared_statements} as configured now: a reload lowers it for servers as they are next used. */
    int maxPerServer() {
        return maxPerServerNow.getAsInt();
    }

    boolean rewrites() {
        return mode == PreparedStatementMode.REWRITE;
    }

    /** Named statements are rewritten or refused: their names must be looked at. */
    boolean inspectsNames() {
        return mode != PreparedStatementMode.PASSTHROUGH;
    }

    /** Simple queries may be DEALLOCATE, PREPARE or SET that pgmux handles. */
    boolean inspectsSql() {
        return rewrites() || refusesSqlPrepare() || tracksSettings();
    }

    /** In transaction mode a client's SET must follow it to its next server, and not stay behind on this one. */
    boolean tracksSettings() {
        return poolMode.sharesServers();
    }

    /** Statement pooling: a statement that leaves a transaction open ends the client. */
    boolean refusesTransactionBlocks() {
        return poolMode == PoolMode.STATEMENT;
    }

    /**
     * SQL-level PREPARE would leave a statement on a server other clients get next: refused when the
     * client's named statements are (mode {@code reject}).
     */
    boolean refusesSqlPrepare() {
        return poolMode.sharesServers() && mode == PreparedStatementMode.REJECT;
    }

    /** SQL PREPARE, EXECUTE and DEALLOCATE act on the client's named statements ({@link SqlStatementNames}). */
    boolean rewritesSqlNames() {
        return poolMode.sharesServers() && mode == PreparedStatementMode.REWRITE;
    }

    /** An SQL PREPARE pgmux did not rewrite (one in a Parse's text) must not stay on a server others get next. */
    boolean clearsUnknownSqlPrepare() {
        return poolMode.sharesServers() && mode != PreparedStatementMode.PASSTHROUGH;
    }

    StatementKey keyOf(Parse parse) {
        return new StatementKey(parse.query(), parse.parameterTypes(), searchPath);
    }

    /** A statement of this content a server already accepted: a client's Parse of it needs no server. */
    boolean isKnownValid(Parse parse) {
        return registry.isValidated(keyOf(parse));
    }

    /** Why a named Parse cannot be accepted (Postgres's error where Postgres would raise one), or null. */
    ErrorResponse refusalFor(Parse parse) {
        if (mode == PreparedStatementMode.REJECT) {
            return ErrorResponse.error(SqlState.FEATURE_NOT_SUPPORTED, "named prepared statements are not supported in "
                    + poolMode.name().toLowerCase() + " pooling mode (statement \"" + ClientText.name(parse.statement()) + "\")")
                    .withHint("Set prepared_statements: rewrite in the pgmux config, or use unnamed statements.");
        }
        return refusalForName(parse.statement(), parse.query().length());
    }

    /** Why a new name for a statement of {@code textLength} characters cannot be accepted (Postgres's error where it would raise one), or null. */
    ErrorResponse refusalForName(String name, int textLength) {
        if (client.get(name) != null) {
            return ErrorResponse.error(SqlState.DUPLICATE_PREPARED_STATEMENT,
                    "prepared statement \"" + ClientText.name(name) + "\" already exists");
        }
        if (client.size() >= maxPerClient) {
            return ErrorResponse.error(SqlState.CONFIGURATION_LIMIT_EXCEEDED, "too many prepared statements: this client "
                    + "already holds " + client.size() + " (max_client_prepared_statements)")
                    .withHint("Close or DEALLOCATE statements the client no longer uses, or raise max_client_prepared_statements.");
        }
        if (client.textLength() + textLength > maxSizePerClient) {
            return ErrorResponse.error(SqlState.CONFIGURATION_LIMIT_EXCEEDED, String.format(Locale.ROOT,
                    "prepared statements too large: this client's %d statements hold %.1f MB of text, and this one "
                            + "(%.1f MB) would take it past max_client_prepared_statements_size (%s)", client.size(),
                    megabytes(client.textLength()), megabytes(textLength), Units.formatSize(maxSizePerClient)))
                    .withHint("Close or DEALLOCATE statements the client no longer uses, use unnamed statements for large "
                            + "texts, or raise max_client_prepared_statements_size.");
        }
        return null;
    }

    private static double megabytes(long length) {
        return length / (1024.0 * 1024.0);
    }

    static ErrorResponse sqlPrepareRefused() {
        return ErrorResponse.error(SqlState.FEATURE_NOT_SUPPORTED, "SQL PREPARE is not supported in transaction pooling mode: "
                + "the statement would stay on a server connection that other clients use next")
                .withHint("Use your driver's protocol-level prepared statements (pgmux keeps them per client), "
                        + "or pool_mode: session for this database.");
    }

    static ErrorResponse unknownStatement(String name) {
        return ErrorResponse.error(SqlState.INVALID_SQL_STATEMENT_NAME, "prepared statement \""
                + ClientText.name(name) + "\" does not exist");
    }

    static ErrorResponse transactionAborted() {
        return ErrorResponse.error(SqlState.IN_FAILED_SQL_TRANSACTION,
                "current transaction is aborted, commands ignored until end of transaction block");
    }
}
