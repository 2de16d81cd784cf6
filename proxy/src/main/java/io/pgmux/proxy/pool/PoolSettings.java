package io.pgmux.proxy.pool;

import io.pgmux.proxy.backend.ServerTarget;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.config.PreparedStatementMode;

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
        int maxPreparedSizePerClient) {

    /** Where and as whom the pool's next server connection logs in. */
    public ServerTarget target() {
        return new ServerTarget(server, dbname, serverUser, serverPassword, connectTimeout);
    }
}
