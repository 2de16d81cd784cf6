package io.pgmux.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.ParameterStatus;
import io.pgmux.protocol.message.Query;
import io.pgmux.protocol.message.ReadyForQuery;

/**
 * {@code connect_query}: the SQL a new server connection runs once its login is done, before it
 * joins its pool. Its rows and notices are dropped; the settings the server reports are the
 * connection's. A query that fails, leaves a transaction open or starts a COPY makes the connection
 * unusable: the login fails with that error, so the clients waiting for the server are told (unlike
 * PgBouncer, which logs the error and uses the connection anyway).
 */
final class ConnectQuery {
    private static final String HINT = "Fix connect_query in the pgmux config; servers of this pool cannot be used until then.";
    private final String sql;
    private final ServerConnection server;
    private ErrorResponse error;

    ConnectQuery(String sql, ServerConnection server) {
        this.sql = sql;
        this.server = server;
    }

    ByteBuf message(ByteBufAllocator alloc) {
        return new Query(sql).encode(alloc);
    }

    /** One reply frame (the caller releases it); true once the server is ready and the query went well. */
    boolean onFrame(ByteBuf frame) throws LoginFailure {
        byte type = Frames.type(frame);
        switch (type) {
            case Backend.PARAMETER_STATUS -> {
                ParameterStatus status = ParameterStatus.decode(frame);
                server.parameters().report(status.name(), status.value());
            }
            case Backend.ERROR_RESPONSE -> {
                if (error == null) {
                    error = ErrorResponse.decode(frame);
                }
            }
            case Backend.COPY_IN_RESPONSE, Backend.COPY_OUT_RESPONSE, Backend.COPY_BOTH_RESPONSE ->
                    throw failure(SqlState.FEATURE_NOT_SUPPORTED, "it started a COPY, which a connect_query cannot run");
            case Backend.READY_FOR_QUERY -> {
                if (error != null) {
                    throw new LoginFailure(ErrorResponse.error(error.sqlState() != null ? error.sqlState() : SqlState.INTERNAL_ERROR,
                            "connect_query failed on a new server connection: " + error.message())
                            .withHint(HINT));
                }
                if (ReadyForQuery.statusOf(frame) != TransactionStatus.IDLE) {
                    throw failure(SqlState.INVALID_TRANSACTION_STATE, "it left a transaction open");
                }
                return true;
            }
            default -> {
                // rows, command tags, notices: the query's output is nobody's
            }
        }
        return false;
    }

    private static LoginFailure failure(String sqlState, String why) {
        return new LoginFailure(ErrorResponse.error(sqlState, "connect_query cannot be used on a new server connection: " + why)
                .withHint(HINT));
    }
}
