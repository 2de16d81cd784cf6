package io.pgmux.proxy.pool;

import io.pgmux.proxy.backend.ServerTarget;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.config.PreparedStatementMode;
import io.pgmux.proxy.config.SessionFeaturesConfig;
import io.pgmux.proxy.config.SessionFeaturesPolicy;

import java.time.Duration;

/**
 * Everything a pool needs to open and manage its server connections: where, as whom, how many, and
 * the timeouts. {@code serverPassword} may be a plaintext password, an md5 secret, or null.
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
        SessionFeaturesPolicy sessionFeatures,
        int maxPinnedServers) {

    /** With the default session-feature settings: pin, at most half the pool pinned. */
    public PoolSettings(HostPort server, String dbname, String serverUser, String serverPassword, int poolSize,
            PoolMode mode, Duration queryWaitTimeout, Duration connectTimeout, Duration loginRetry, Duration idleTimeout,
            Duration lifetime, String resetQuery, PreparedStatementMode preparedStatements, int maxPreparedPerServer,
            int maxPreparedPerClient, int maxPreparedSizePerClient) {
        this(server, dbname, serverUser, serverPassword, poolSize, mode, queryWaitTimeout, connectTimeout, loginRetry,
                idleTimeout, lifetime, resetQuery, preparedStatements, maxPreparedPerServer, maxPreparedPerClient,
                maxPreparedSizePerClient, SessionFeaturesPolicy.PIN, SessionFeaturesConfig.maxPinnedServers(0, poolSize));
    }

    /** Where and as whom the pool's next server connection logs in. */
    public ServerTarget target() {
        return new ServerTarget(server, dbname, serverUser, serverPassword, connectTimeout);
    }
}
