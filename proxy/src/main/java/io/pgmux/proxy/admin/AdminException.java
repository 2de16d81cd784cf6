package io.pgmux.proxy.admin;

import io.pgmux.protocol.message.ErrorResponse;

/** A console command that cannot be carried out; the client gets {@link #error()} and the session goes on. */
final class AdminException extends RuntimeException {
    private final transient ErrorResponse error;

    AdminException(String sqlState, String message) {
        super(message, null, false, false);
        this.error = ErrorResponse.error(sqlState, message);
    }

    AdminException(ErrorResponse error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    ErrorResponse error() {
        return error;
    }
}
