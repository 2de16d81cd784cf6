package io.pgmux.proxy.pool;

import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.backend.ServerListener;

/**
 * Someone waiting in a pool's queue for a server; once assigned, it is that server's listener.
 * Callbacks arrive on {@link #executor()}.
 */
public interface Waiter extends ServerListener {

    /** The server is now the waiter's: it must give it back with {@link Pool#release} or close it. */
    void onServerAssigned(ServerConnection server);

    /** No server can be had: the pool cannot log in, or is closing. */
    void onAcquireFailed(ErrorResponse error);

    /** Still queued after {@code query_wait_notify}: the waiter may tell its client (once per wait). */
    default void onLongWait() {
    }
}
