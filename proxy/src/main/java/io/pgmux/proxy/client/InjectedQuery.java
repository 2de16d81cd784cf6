package io.pgmux.proxy.client;

import io.netty.buffer.ByteBuf;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frames;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.DataRow;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Query;

import java.util.List;

/**
 * A simple query pgmux sends on its own account ahead of, or instead of, the client's messages:
 * a parameter sync, a ROLLBACK for an abandoned transaction, the session-mode reset query, or the
 * count of a pinned client's advisory locks. Its
 * answers are swallowed; what matters of them is collected here.
 */
final class InjectedQuery implements ReplyQueue.Attachment {
    enum Purpose { PARAMETER_SYNC, ROLLBACK, RESET, ADVISORY_LOCK_COUNT }

    private final Purpose purpose;
    private final ParameterSync sync;
    private final Object settings;
    private final String sql;
    private List<String> row = List.of();
    private ErrorResponse error;

    private InjectedQuery(Purpose purpose, ParameterSync sync, Object settings, String sql) {
        this.purpose = purpose;
        this.sync = sync;
        this.settings = settings;
        this.sql = sql;
    }

    /** Brings a server to the client's settings; {@code settings} is the client's snapshot it then matches. */
    static InjectedQuery parameterSync(ParameterSync sync, Object settings) {
        return new InjectedQuery(Purpose.PARAMETER_SYNC, sync, settings, sync.sql());
    }

    static InjectedQuery rollback() {
        return new InjectedQuery(Purpose.ROLLBACK, null, null, "ROLLBACK");
    }

    /** How many advisory locks the server's session holds (see {@code SessionPins}): one row, one value. */
    static InjectedQuery advisoryLockCount() {
        return new InjectedQuery(Purpose.ADVISORY_LOCK_COUNT, null, null, "SELECT count(*) FROM pg_catalog.pg_locks"
                + " WHERE locktype = 'advisory' AND pid = pg_catalog.pg_backend_pid() AND granted");
    }

    static InjectedQuery reset(String sql) {
        return new InjectedQuery(Purpose.RESET, null, null, sql);
    }

    Purpose purpose() {
        return purpose;
    }

    ParameterSync sync() {
        return sync;
    }

    Object settings() {
        return settings;
    }

    Query message() {
        return new Query(sql);
    }

    /** The first row's values: for a parameter sync, each setting as the server normalized it. */
    List<String> row() {
        return row;
    }

    ErrorResponse error() {
        return error;
    }

    /** Takes one answer frame (not the final ReadyForQuery nor ParameterStatus); the caller still owns the frame. */
    void onFrame(ByteBuf frame) {
        switch (Frames.type(frame)) {
            case Backend.DATA_ROW -> {
                if (Frames.isPartial(frame)) {
                    // over 64 kB of settings: its chunks are dropped, as this row is swallowed
                    error = ErrorResponse.error(SqlState.PROGRAM_LIMIT_EXCEEDED, "the settings pgmux applies for this client are too long to read back");
                } else {
                    row = DataRow.decode(frame).values();
                }
            }
            case Backend.ERROR_RESPONSE -> {
                if (error == null) {
                    error = ErrorResponse.decode(frame);
                }
            }
            default -> {
                // RowDescription, CommandComplete, notices: nothing to keep.
            }
        }
    }
}
