package io.pgmux.proxy.pool;

import io.pgmux.proxy.backend.ServerTarget;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.config.PreparedStatementMode;
import io.pgmux.proxy.config.ServerHosts;
import io.pgmux.proxy.config.ServerTlsConfig;
import io.pgmux.proxy.config.SessionFeaturesConfig;
import io.pgmux.proxy.config.SessionFeaturesPolicy;

import java.time.Duration;

/**
 * Everything a pool needs to open and manage its server connections: where, as whom, how many, and
 * the timeouts. {@code serverPassword} may be a plaintext password, an md5 secret, or null.
 * {@code minPoolSize} servers are kept open (at most {@code poolSize}); up to {@code reservePoolSize}
 * more than {@code poolSize} may open for clients that waited {@code reservePoolTimeout}. A server
 * idle for {@code checkDelay} or more is checked with {@code checkQuery} ("" = a Sync) before a
 * client gets it. {@code serverTls} says how its connections use TLS. A new server runs
 * {@code connectQuery} ("" = none) before it joins the pool; in session mode, with
 * {@code serverFastClose}, a retired server closes (with its client) at its next transaction end; a
 * client queued {@code queryWaitNotify} (zero = never) gets a NOTICE. {@code hosts} lists every host
 * of the database ({@code server} is the first) and how new connections spread over them.
 */
public record PoolSettings(
        HostPort server,
        String dbname,
        String serverUser,
        String serverPassword,
        int poolSize,
        PoolMode mode,
        Duration queryWaitTimeout,
        Duration connectTimeout,
        Duration loginRetry,
        Duration idleTimeout,
        Duration lifetime,
        String resetQuery,
        PreparedStatementMode preparedStatements,
        int maxPreparedPerServer,
        int maxPreparedPerClient,
        int maxPreparedSizePerClient,
        int minPoolSize,
        int reservePoolSize,
        Duration reservePoolTimeout,
        Duration checkDelay,
        String checkQuery,
        SessionFeaturesPolicy sessionFeatures,
        int maxPinnedServers,
        ServerTlsConfig serverTls,
        String connectQuery,
        boolean serverFastClose,
        Duration queryWaitNotify,
        ServerHosts hosts) {

    public PoolSettings {
        if (hosts == null) {
            hosts = ServerHosts.single(server);
        }
    }

    /** With no {@code connect_query}, no {@code server_fast_close}, no {@code query_wait_notify}, and {@code server} as the one host. */
    public PoolSettings(HostPort server, String dbname, String serverUser, String serverPassword, int poolSize,
                        PoolMode mode, Duration queryWaitTimeout, Duration connectTimeout, Duration loginRetry,
                        Duration idleTimeout, Duration lifetime, String resetQuery, PreparedStatementMode preparedStatements,
                        int maxPreparedPerServer, int maxPreparedPerClient, int maxPreparedSizePerClient, int minPoolSize,
                        int reservePoolSize, Duration reservePoolTimeout, Duration checkDelay, String checkQuery,
                        SessionFeaturesPolicy sessionFeatures, int maxPinnedServers, ServerTlsConfig serverTls) {
        this(server, dbname, serverUser, serverPassword, poolSize, mode, queryWaitTimeout, connectTimeout, loginRetry,
                idleTimeout, lifetime, resetQuery, preparedStatements, maxPreparedPerServer, maxPreparedPerClient,
                maxPreparedSizePerClient, minPoolSize, reservePoolSize, reservePoolTimeout, checkDelay, checkQuery,
                sessionFeatures, maxPinnedServers, serverTls, "", false, Duration.ZERO, null);
    }

    /** With the default {@code server_tls} (TLS when the server offers it). */
    public PoolSettings(HostPort server, String dbname, String serverUser, String serverPassword, int poolSize,
                        PoolMode mode, Duration queryWaitTimeout, Duration connectTimeout, Duration loginRetry,
                        Duration idleTimeout, Duration lifetime, String resetQuery, PreparedStatementMode preparedStatements,
                        int maxPreparedPerServer, int maxPreparedPerClient, int maxPreparedSizePerClient, int minPoolSize,
                        int reservePoolSize, Duration reservePoolTimeout, Duration checkDelay, String checkQuery,
                        SessionFeaturesPolicy sessionFeatures, int maxPinnedServers) {
        this(server, dbname, serverUser, serverPassword, poolSize, mode, queryWaitTimeout, connectTimeout, loginRetry,
                idleTimeout, lifetime, resetQuery, preparedStatements, maxPreparedPerServer, maxPreparedPerClient,
                maxPreparedSizePerClient, minPoolSize, reservePoolSize, reservePoolTimeout, checkDelay, checkQuery,
                sessionFeatures, maxPinnedServers, ServerTlsConfig.defaults());
    }

    /**
     * With no servers kept open, no reserve, {@code server_check_delay}/{@code server_check_query} at
     * their defaults, and the default session-feature settings (pin, at most half the pool pinned).
     */
    public PoolSettings(HostPort server, String dbname, String serverUser, String serverPassword, int poolSize,
                        PoolMode mode, Duration queryWaitTimeout, Duration connectTimeout, Duration loginRetry,
                        Duration idleTimeout, Duration lifetime, String resetQuery, PreparedStatementMode preparedStatements,
                        int maxPreparedPerServer, int maxPreparedPerClient, int maxPreparedSizePerClient) {
        this(server, dbname, serverUser, serverPassword, poolSize, mode, queryWaitTimeout, connectTimeout, loginRetry,
                idleTimeout, lifetime, resetQuery, preparedStatements, maxPreparedPerServer, maxPreparedPerClient,
                maxPreparedSizePerClient, 0, 0, Duration.ofSeconds(5), Duration.ofSeconds(30), "", SessionFeaturesPolicy.PIN,
                SessionFeaturesConfig.maxPinnedServers(0, poolSize));
    }

    /** The servers the pool keeps open: {@code min_pool_size}, but never more than {@code pool_size}. */
    public int keptOpen() {
        return Math.min(minPoolSize, poolSize);
    }

    /** {@code server_fast_close} in session mode: a retired server held by a client closes at its next transaction end. */
    public boolean fastClosesHeldServers() {
        return serverFastClose && mode == PoolMode.SESSION;
    }

    /** Where and as whom the pool's next server connection logs in. */
    public ServerTarget target() {
        return new ServerTarget(server, dbname, serverUser, serverPassword, connectTimeout, serverTls, null, connectQuery);
    }
}
