package io.pgmux.proxy.client;

import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.pool.PoolRegistry;

import java.time.Duration;

/** What every client session shares: the config, the pools, the credentials and the other sessions. */
public record ProxyContext(PgmuxConfig config, PoolRegistry pools, ClientCredentials credentials,
        SessionRegistry sessions, Duration loginTimeout) {}
