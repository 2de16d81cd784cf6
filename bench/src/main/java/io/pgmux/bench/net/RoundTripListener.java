package io.pgmux.bench.net;

import io.pgmux.protocol.TransactionStatus;

/** Told, on the connection's event loop, how a round trip ended. */
public interface RoundTripListener {

    /**
     * The server answered the round trip with {@code ReadyForQuery}.
     *
     * @param error the first {@code ErrorResponse} of the round trip as "SQLSTATE message", or null
     */
    void onReady(TransactionStatus status, String error);

    /** The connection closed (or failed) while the round trip was outstanding. */
    void onClosed(String reason);
}
