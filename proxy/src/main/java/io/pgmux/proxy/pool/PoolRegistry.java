package io.pgmux.proxy.pool;

import io.pgmux.proxy.backend.ServerConnector;
import io.pgmux.proxy.config.DatabaseConfig;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.UserConfig;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every pool, created on first use from the config: one per (database, server user). A database
 * with a fixed {@code user} has one pool whatever user the clients log in as.
 */
public final class PoolRegistry {
    private final ConcurrentHashMap<PoolKey, Pool> pools = new ConcurrentHashMap<>();
    private final ServerConnector connector;
    private final PgmuxConfig config;

    public PoolRegistry(PgmuxConfig config, ServerConnector connector) {
        this.config = config;
        this.connector = connector;
    }

    /** The pool a client of {@code database} logging in as {@code user} uses; empty if the database is unknown. */
    public Optional<Pool> pool(String database, String user) {
        return config.database(database).map(db -> {
            String serverUser = db.user() != null ? db.user() : user;
            PoolKey key = new PoolKey(database, serverUser);
            return pools.computeIfAbsent(key, k -> new Pool(k, settings(db, serverUser), connector));
        });
    }

    public Collection<Pool> all() {
        return List.copyOf(pools.values());
    }

    public void closeExpiredIdle() {
        long now = System.nanoTime();
        pools.values().forEach(pool -> pool.closeExpiredIdle(now));
    }

    public void closeAll() {
        pools.values().forEach(Pool::close);
    }

    private PoolSettings settings(DatabaseConfig db, String serverUser) {
        String password = db.password();
        if (password == null) {
            UserConfig user = config.users().get(serverUser);
            password = user != null ? user.password() : null;
        }
        return new PoolSettings(db.server(), db.dbname(), serverUser, password, db.poolSize(), db.poolMode(),
                config.queryWaitTimeout(), config.serverConnectTimeout(), config.serverLoginRetry(),
                config.serverIdleTimeout(), config.serverLifetime(), config.serverResetQuery(),
                config.preparedStatementMode(db), config.preparedStatements().maxPerServer(),
                config.preparedStatements().maxPerClient());
    }
}
