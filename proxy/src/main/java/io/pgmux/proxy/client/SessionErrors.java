package io.pgmux.proxy.client;

import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;

/** The FATAL errors a session sends when pgmux itself, not the client or the server, failed it. */
final class SessionErrors {
    private SessionErrors() {
    }

    /** Something pgmux did not foresee failed on this client's behalf: a bug, which costs this client only. */
    static ErrorResponse internalError(RuntimeException e) {
        return ErrorResponse.fatal(SqlState.INTERNAL_ERROR, "pgmux failed to handle this session: " + e)
                .withHint("This is a bug in pgmux; please report it. Reconnect to go on.");
    }

    /** No buffer for the client's data could be had (direct memory exhausted). */
    static ErrorResponse outOfMemory() {
        return ErrorResponse.fatal(SqlState.OUT_OF_MEMORY, "out of memory: pgmux could not allocate a buffer for this session's data")
                .withHint("Lower max_message_size or the size of the largest messages, or give pgmux more memory (-XX:MaxDirectMemorySize).");
    }
}
