package io.pgmux.proxy.admin;

import io.pgmux.proxy.client.SessionRegistry;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.peer.PeerCancels;
import io.pgmux.proxy.pool.PoolRegistry;

import java.util.concurrent.CompletableFuture;

/** What the admin console (and the HTTP endpoint, and SIGHUP) can see and do to the running proxy. */
public interface Control {

    /** The config in effect (after the last successful reload). */
    PgmuxConfig config();

    PoolRegistry pools();

    SessionRegistry sessions();

    /** When the proxy started, in epoch milliseconds. */
    long startedAtMillis();

    /**
     * Reads the config file again off the event loops, validates all of it and applies it without
     * dropping connections; an invalid file changes nothing. Completes on a background thread.
     */
    CompletableFuture<ReloadResult> reload();

    /**
     * Starts stopping and returns: no new clients; then either (default) running transactions get
     * {@code shutdown_timeout} to finish, or ({@code waitForClients}) pgmux waits, without a time
     * limit, for every client to disconnect by itself.
     */
    void shutdown(boolean waitForClients);

    boolean isShuttingDown();

    /** The peer replicas and the cancels routed to them ({@code peer_id}, {@code peers}); off for a lone pgmux. */
    default PeerCancels peerCancels() {
        return PeerCancels.off();
    }
}
