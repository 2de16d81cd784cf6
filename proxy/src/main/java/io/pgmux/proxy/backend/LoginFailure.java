package io.pgmux.proxy.backend;

import io.pgmux.protocol.message.ErrorResponse;

/** A server login that cannot go on; the error is what waiting clients are told. */
final class LoginFailure extends Exception {
    private final ErrorResponse error;

    LoginFailure(ErrorResponse error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    ErrorResponse error() {
        return error;
    }
}
