package io.pgmux.bench.net;

/** A connection or login failed; the message says why, as the server or the socket put it. */
public final class PgException extends Exception {
    public PgException(String message) {
        super(message, null, false, false);
    }
}
