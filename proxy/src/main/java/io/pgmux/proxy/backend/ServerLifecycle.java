package io.pgmux.proxy.backend;

import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.config.HostPort;

/**
 * The owner of the server connections a {@link ServerOpener} opens (a pool), told how each one fares.
 * For one connection the calls come in this order: {@code opening} (once it is connecting), then
 * exactly one of {@code ready} or {@code loginFailed}, and after {@code ready} at most one
 * {@code closed}. A host that cannot be resolved gives {@code loginFailed} without {@code opening}.
 * The calls come from the connection's event loop (or the resolver's thread).
 */
public interface ServerLifecycle {

    /** How log lines name the owner, as {@code [name]}. */
    String name();

    /** A connection is being made; it counts from now on. */
    void onServerOpening(ServerConnection server);

    /** The server logged in and is ready for queries. */
    void onServerReady(ServerConnection server);

    /** Connecting or logging in failed; {@code error} is what waiting clients are to be told. */
    void onServerLoginFailed(ServerConnection server, ErrorResponse error);

    /** A server that was ready has closed its connection, for whatever reason. */
    void onServerClosed(ServerConnection server);

    /**
     * {@code host}, one of a database's host list, could not be reached ({@code reason}); the
     * connection goes on to the next host of the list.
     */
    default void onHostUnreachable(HostPort host, String reason) {
    }
}
