package io.pgmux.proxy.pool;

import io.pgmux.proxy.backend.ServerConnector;
import io.pgmux.proxy.config.DatabaseConfig;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.UserConfig;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every pool, created on first use from the config: one per (database, server user). A database
 * with a fixed {@code user} has one pool whatever user the clients log in as.
 *
 * <p>Also the admin state that outlives single pools: which databases are paused (all of them after
 * a plain PAUSE), so that a pool created while its database is paused starts paused. Pool creation
 * and pause changes share one lock; looking up an existing pool takes none.
 */
public final class PoolRegistry {
    private final ConcurrentHashMap<PoolKey, Pool> pools = new ConcurrentHashMap<>();
    private final ServerConnector connector;
    private final Object lock = new Object();
    private volatile PgmuxConfig config;
    private boolean pausedAll;
    private final Set<String> pausedDatabases = new HashSet<>();

    public PoolRegistry(PgmuxConfig config, ServerConnector connector) {
        this.config = config;
        this.connector = connector;
    }

    /** The pool a client of {@code database} logging in as {@code user} uses; empty if the database is unknown. */
    public Optional<Pool> pool(String database, String user) {
        PgmuxConfig current = config;
        return current.database(database).map(db -> {
            String serverUser = db.user() != null ? db.user() : user;
            PoolKey key = new PoolKey(database, serverUser);
            Pool pool = pools.get(key);
            if (pool != null) {
                return pool;
            }
            synchronized (lock) {
                return pools.computeIfAbsent(key, k -> {
                    Pool created = new Pool(k, settings(current, db, serverUser), connector,
                            current.observability().statsPeriod());
                    if (isPaused(database)) {
                        created.pause();
                    }
                    return created;
                });
            }
        });
    }

    public Collection<Pool> all() {
        return List.copyOf(pools.values());
    }

    /** The pools of {@code database}, in no particular order. */
    public List<Pool> ofDatabase(String database) {
        return pools.values().stream().filter(pool -> pool.key().database().equals(database)).toList();
    }

    public PgmuxConfig config() {
        return config;
    }

    /**
     * True if the admin console may name {@code database}: it is listed under {@code databases}, has
     * a pool (clients use it, through {@code upstream} too), or is paused by name. As in PgBouncer, a
     * name that {@code upstream} would accept but nobody uses is not a database yet.
     */
    public boolean isKnown(String database) {
        if (config.databases().containsKey(database) || !ofDatabase(database).isEmpty()) {
            return true;
        }
        synchronized (lock) {
            return pausedDatabases.contains(database);
        }
    }

    /** Fails clients queued longer than {@code query_wait_timeout}, in every pool. */
    public void expireWaiters() {
        long now = System.nanoTime();
        pools.values().forEach(pool -> pool.expireWaiters(now));
    }

    public void closeExpiredIdle() {
        long now = System.nanoTime();
        pools.values().forEach(pool -> pool.closeExpiredIdle(now));
    }

    public void closeAll() {
        pools.values().forEach(Pool::close);
    }

    // ---------------------------------------------------------------- reload

    /**
     * Switches to a reloaded config: existing pools get their new settings; pools whose database is
     * gone (or whose fixed server user changed) are closed and removed. Returns the removed pools,
     * whose clients the caller must tell.
     */
    public List<Pool> apply(PgmuxConfig newConfig) {
        List<Pool> removed = new ArrayList<>();
        synchronized (lock) {
            config = newConfig;
            for (Pool pool : pools.values()) {
                PoolKey key = pool.key();
                Optional<DatabaseConfig> db = newConfig.database(key.database());
                if (db.isEmpty() || (db.get().user() != null && !db.get().user().equals(key.user()))) {
                    pools.remove(key, pool);
                    removed.add(pool);
                } else {
                    pool.updateSettings(settings(newConfig, db.get(), key.user()));
                    pool.stats().setWindowIfChanged(newConfig.observability().statsPeriod());
                }
            }
        }
        removed.forEach(Pool::close);
        return removed;
    }

    // ---------------------------------------------------------------- pause and friends

    /** PAUSE: every pool, and those created later, until RESUME. Completes when no server is left. */
    public CompletableFuture<Void> pauseAll() {
        synchronized (lock) {
            pausedAll = true;
        }
        return CompletableFuture.allOf(all().stream().map(Pool::pause).toArray(CompletableFuture[]::new));
    }

    /** PAUSE db. */
    public CompletableFuture<Void> pause(String database) {
        synchronized (lock) {
            pausedDatabases.add(database);
        }
        return CompletableFuture.allOf(ofDatabase(database).stream().map(Pool::pause).toArray(CompletableFuture[]::new));
    }

    /** RESUME: every database. False if nothing was paused. */
    public boolean resumeAll() {
        synchronized (lock) {
            if (!pausedAll && pausedDatabases.isEmpty()) {
                return false;
            }
            pausedAll = false;
            pausedDatabases.clear();
        }
        all().forEach(Pool::resume);
        return true;
    }

    /** RESUME db. False if that database was not paused by name. */
    public boolean resume(String database) {
        synchronized (lock) {
            if (!pausedDatabases.remove(database)) {
                return false;
            }
            if (pausedAll) {
                return true;
            }
        }
        ofDatabase(database).forEach(Pool::resume);
        return true;
    }

    public boolean isPaused(String database) {
        synchronized (lock) {
            return pausedAll || pausedDatabases.contains(database);
        }
    }

    public boolean isAnythingPaused() {
        synchronized (lock) {
            return pausedAll || !pausedDatabases.isEmpty();
        }
    }

    /** KILL db: pauses the database (until RESUME) and closes its idle servers; its clients are the caller's. */
    public void kill(String database) {
        pause(database);
    }

    /** KILL: every database. */
    public void killAll() {
        pauseAll();
    }

    private static PoolSettings settings(PgmuxConfig config, DatabaseConfig db, String serverUser) {
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
