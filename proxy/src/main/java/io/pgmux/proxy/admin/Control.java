package io.pgmux.proxy.admin;

import io.pgmux.proxy.client.SessionRegistry;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.OnlineSettings;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.net.ServerAddresses;
import io.pgmux.proxy.peer.PeerBudget;
import io.pgmux.proxy.peer.PeerCancels;
import io.pgmux.proxy.pool.PoolRegistry;
import io.pgmux.proxy.pool.PoolStats;

import java.util.concurrent.CompletableFuture;

/** What the admin console (and the HTTP endpoint, and SIGHUP) can see and do to the running proxy. */
public interface Control {

    /** The config in effect (after the last successful reload). */
    PgmuxConfig config();

    PoolRegistry pools();

    /** The console's commands, shown as the database "pgbouncer" in SHOW STATS and counted in SHOW TOTALS. */
    PoolStats consoleStats();

    SessionRegistry sessions();

    /** The address clients connect to (its port is SHOW DATABASES' port of the console database). */
    HostPort boundAddress();

    /** When the proxy started, in epoch milliseconds. */
    long startedAtMillis();

    /**
     * Reads the config file again off the event loops, validates all of it and applies it without
     * dropping connections; an invalid file changes nothing. Completes on a background thread.
     */
    CompletableFuture<ReloadResult> reload();

    /**
     * SET: changes one reloadable setting of the running config ({@link OnlineSettings}) and applies
     * it as RELOAD would, until the next RELOAD reads the file again. Completes on a background
     * thread; exceptionally with {@link OnlineSettings.RefusedException} if the key or value is refused.
     */
    CompletableFuture<ReloadResult> set(String key, String value);

    /**
     * SUSPEND: stops reading every client in a pool and completes once everything written to
     * clients and servers has been sent (see {@code server.Suspension}).
     */
    CompletableFuture<Void> suspend();

    /** RESUME after SUSPEND: clients are read again. False if pgmux was not suspended. */
    boolean resumeFromSuspend();

    boolean isSuspended();

    /** The server host names looked up, for SHOW DNS_HOSTS. */
    ServerAddresses serverAddresses();

    /**
     * Starts stopping and returns: no new clients; then either (default) running transactions get
     * {@code shutdown_timeout} to finish, or ({@code waitForClients}) pgmux waits, without a time
     * limit, for every client to disconnect by itself.
     */
    void shutdown(boolean waitForClients);

    boolean isShuttingDown();

    /** The peer replicas and the cancels routed to them ({@code peer_id}, {@code peers}); off for a lone pgmux. */
    /** One server budget across the peers; null for a lone pgmux. */
    default PeerBudget peerBudget() {
        return null;
    }

    default PeerCancels peerCancels() {
        return PeerCancels.off();
    }
}
