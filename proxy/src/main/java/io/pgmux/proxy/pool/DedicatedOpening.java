package io.pgmux.proxy.pool;

import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.backend.ServerLifecycle;

/**
 * How one replication client's own server fares (see {@link DedicatedServers}): like any
 * server of its pool while it opens and closes, but once logged in it goes to {@code waiter} and
 * nowhere else, and a failed login is that client's alone.
 */
final class DedicatedOpening implements ServerLifecycle {
    private final Pool pool;
    private final DedicatedServers dedicatedServers;
    private final Waiter waiter;

    DedicatedOpening(Pool pool, DedicatedServers dedicatedServers, Waiter waiter) {
        this.pool = pool;
        this.dedicatedServers = dedicatedServers;
        this.waiter = waiter;
    }

    @Override
    public String name() {
        return pool.name();
    }

    @Override
    public void onServerOpening(ServerConnection server) {
        pool.onServerOpening(server);
    }

    @Override
    public void onServerReady(ServerConnection server) {
        dedicatedServers.onReady(server, waiter);
    }

    @Override
    public void onServerLoginFailed(ServerConnection server, ErrorResponse error) {
        dedicatedServers.onLoginFailed(server, waiter, error);
    }

    @Override
    public void onServerClosed(ServerConnection server) {
        pool.onServerClosed(server);
    }
}
