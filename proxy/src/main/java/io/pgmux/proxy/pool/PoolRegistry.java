package io.pgmux.proxy.pool;

import io.pgmux.proxy.backend.ServerOpener;
import io.pgmux.proxy.config.DatabaseConfig;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.config.PreparedStatementMode;
import io.pgmux.proxy.config.UserConfig;
import io.pgmux.proxy.config.UserSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntUnaryOperator;

/**
 * Every pool: one per (database, server user), created from the config when the first client of
 * that pair has logged in ({@link #join}), and removed when it has been unused for
 * {@code pool_idle_timeout} ({@link #removeUnused}). A database with a fixed {@code user} has one
 * pool whatever user the clients log in as. At most {@code max_pools} exist: past that a new pool
 * takes the place of an unused one, or is refused.
 *
 * <p>A client joins its pool under the pool's lock, and a pool is closed under the same lock only
 * when nobody is in it, so a pool is never removed from under a client: one that finds its pool
 * closed (removed a moment ago) takes the slow path, which replaces it.
 *
 * <p>Also the admin state that outlives single pools: which databases are paused (all of them after
 * a plain PAUSE), so that a pool created while its database is paused starts paused. Pool creation
 * and pause changes share one lock; joining an existing pool takes only that pool's.
 */
public final class PoolRegistry {
    private static final Logger log = LoggerFactory.getLogger(PoolRegistry.class);
    private final ConcurrentHashMap<PoolKey, Pool> pools = new ConcurrentHashMap<>();
    private final ServerOpener opener;
    private final Object lock = new Object();
    private volatile PgmuxConfig config;
    private boolean pausedAll;
    private final Set<String> pausedDatabases = new HashSet<>();
    /** DISABLE: databases whose new logins are refused; read without the lock at each login. */
    private final Set<String> disabledDatabases = ConcurrentHashMap.newKeySet();
    /** The server budgets of databases and users that have pools (max_db_connections, max_user_connections); guarded by the lock. */
    private final Map<String, ConnectionBudget> databaseBudgets = new HashMap<>();
    private final Map<String, ConnectionBudget> userBudgets = new HashMap<>();
    /** This replica's share of a database budget of a given limit, when peers share it; -1 = not shared. */
    private volatile IntUnaryOperator shareOfLimit = limit -> -1;

    /** {@link #closeAll} was called (pgmux is stopping): no pool is made to keep servers warm any more. */
    private volatile boolean closedAll;

    public PoolRegistry(PgmuxConfig config, ServerOpener opener) {
        this.config = config;
        this.opener = opener;
    }

    /** True if clients may ask for {@code database}: it is listed, or {@code upstream} takes any name. Creates nothing. */
    public boolean serves(String database) {
        return config.database(database).isPresent();
    }

    /**
     * Counts a client of {@code database} that logged in as {@code user} in its pool, creating the
     * pool if there is none (or only a closed one). The caller must call {@link Pool#onClientLeft}
     * when the client leaves.
     */
    public PoolJoin join(String database, String user) {
        Optional<DatabaseConfig> db = config.database(database);
        if (db.isEmpty()) {
            return new PoolJoin.UnknownDatabase();
        }
        if (disabledDatabases.contains(database)) {
            return new PoolJoin.Disabled();
        }
        Pool pool = pools.get(keyOf(database, db.get(), user));
        if (pool != null && pool.join()) {
            return new PoolJoin.Joined(pool);
        }
        synchronized (lock) {
            PgmuxConfig current = config;
            db = current.database(database);
            if (db.isEmpty()) {
                return new PoolJoin.UnknownDatabase();
            }
            PoolKey key = keyOf(database, db.get(), user);
            pool = pools.get(key);
            if (pool != null) {
                if (pool.join()) {
                    return new PoolJoin.Joined(pool);
                }
                pools.remove(key, pool);
            }
            int maxPools = current.poolLimits().maxPools();
            if (pools.size() >= maxPools && !removeOneUnused()) {
                return new PoolJoin.TooManyPools(maxPools);
            }
            Pool created = create(current, database, db.get(), key);
            created.join();
            pools.put(key, created);
            return new PoolJoin.Joined(created);
        }
    }

    /** Called with the lock held: a new pool, not yet listed. */
    private Pool create(PgmuxConfig current, String database, DatabaseConfig db, PoolKey key) {
        Pool created = new Pool(key, settings(current, db, key.user()), opener,
                current.observability().statsPeriod(), LoginRetry.system(), budgets(current, db, key));
        if (isPaused(database)) {
            created.pause();
        }
        created.keepWarm(isKeptWarm(current, db));
        return created;
    }

    /**
     * As PgBouncer: the pool of a database with a fixed server user ({@code user}) and a
     * {@code min_pool_size} keeps that many servers open from the start, without waiting for a client
     * (a pool per client user would open servers for names nobody uses, so only those).
     */
    private static boolean isKeptWarm(PgmuxConfig config, DatabaseConfig db) {
        return db.user() != null && db.limits().minPoolSize(config.serverLimits()) > 0;
    }

    /**
     * Makes the pools {@link #isKeptWarm} keeps that do not exist yet (at start, after a reload, or
     * when one was closed); their servers open with the next {@link #openServersIfDue}. Called every
     * second, off the event loops. A pool that {@code max_pools} has no room for is left out.
     */
    public void warmFixedUserPools() {
        PgmuxConfig current = config;
        if (closedAll) {
            return;
        }
        current.databases().forEach((name, db) -> {
            if (isKeptWarm(current, db) && !disabledDatabases.contains(name) && !pools.containsKey(new PoolKey(name, db.user()))) {
                synchronized (lock) {
                    PoolKey key = new PoolKey(name, db.user());
                    if (config == current && !pools.containsKey(key) && pools.size() < current.poolLimits().maxPools()) {
                        pools.put(key, create(current, name, db, key));
                        log.debug("[{}] pool made to keep min_pool_size servers open", key);
                    }
                }
            }
        });
    }

    /** The pool of {@code database} for clients logging in as {@code user}, if it exists now. Creates nothing. */
    public Optional<Pool> pool(String database, String user) {
        return config.database(database).map(db -> pools.get(keyOf(database, db, user)));
    }

    private static PoolKey keyOf(String database, DatabaseConfig db, String user) {
        return new PoolKey(database, db.user() != null ? db.user() : user);
    }

    /**
     * Removes the pools that have been unused for {@code pool_idle_timeout}; their counters and
     * latencies go with them. Called every second, off the event loops.
     */
    public void removeUnused() {
        long idleNanos = config.poolLimits().poolIdleTimeout().toNanos();
        if (idleNanos > 0) {
            long now = System.nanoTime();
            for (Pool pool : pools.values()) {
                if (pool.closeIfUnused(now, idleNanos) && pools.remove(pool.key(), pool)) {
                    log.debug("[{}] pool removed: unused for pool_idle_timeout", pool.key());
                }
            }
        }
        // the budgets of databases and users left with no pool (removed now, or to make room for max_pools)
        synchronized (lock) {
            databaseBudgets.values().removeIf(ConnectionBudget::isUnused);
            userBudgets.values().removeIf(ConnectionBudget::isUnused);
        }
    }

    /** Called with the lock held: the budgets a new pool of {@code db} for {@code key} counts its servers against. */
    private PoolBudgets budgets(PgmuxConfig config, DatabaseConfig db, PoolKey key) {
        ConnectionBudget database = databaseBudgets.computeIfAbsent(key.database(), name -> {
            ConnectionBudget made = new ConnectionBudget("database " + name, db.limits().maxDbConnections(config.serverLimits()));
            made.setShare(shareOf(made.limit()));
            return made;
        });
        ConnectionBudget user = userBudgets.computeIfAbsent(key.user(),
                name -> new ConnectionBudget("user " + name, maxUserConnections(config, name)));
        return new PoolBudgets(database, user);
    }

    private static int maxUserConnections(PgmuxConfig config, String user) {
        UserConfig listed = config.users().get(user);
        return listed != null ? listed.maxUserConnections(config.serverLimits()) : config.serverLimits().maxUserConnections();
    }

    /** Called with the lock held, at reload: each budget's new limit; returns the pools to wake. */
    private List<Pool> applyBudgetLimits(PgmuxConfig newConfig) {
        List<Pool> woken = new ArrayList<>();
        databaseBudgets.forEach((name, budget) -> woken.addAll(budget.setLimit(newConfig.database(name)
                .map(db -> db.limits().maxDbConnections(newConfig.serverLimits()))
                .orElse(newConfig.serverLimits().maxDbConnections()))));
        databaseBudgets.values().forEach(budget -> woken.addAll(budget.setShare(shareOf(budget.limit()))));
        userBudgets.forEach((name, budget) -> woken.addAll(budget.setLimit(maxUserConnections(newConfig, name))));
        return woken;
    }

    private int shareOf(int limit) {
        return limit == 0 ? -1 : shareOfLimit.applyAsInt(limit);
    }

    /**
     * Peer replicas share each database's {@code max_db_connections}: from now on this replica's
     * servers of a database are capped at {@code share} of its limit (a lowered cap closes idle
     * servers at once, busy ones when released). Call off the event loops.
     */
    public void applyShares(IntUnaryOperator share) {
        shareOfLimit = share;
        List<Pool> woken = new ArrayList<>();
        List<ConnectionBudget> budgets;
        synchronized (lock) {
            budgets = new ArrayList<>(databaseBudgets.values());
            budgets.forEach(budget -> woken.addAll(budget.setShare(shareOf(budget.limit()))));
        }
        PoolBudgets.wake(woken);
        budgets.forEach(ConnectionBudget::shedExcess);
    }

    /** The databases that have pools (and so a budget), sorted. */
    public List<String> databasesWithPools() {
        synchronized (lock) {
            return databaseBudgets.keySet().stream().sorted().toList();
        }
    }

    /** Server connections open or being opened per database that has any (for the peers). */
    public Map<String, Integer> databaseUsed() {
        Map<String, Integer> used = new HashMap<>();
        synchronized (lock) {
            databaseBudgets.forEach((name, budget) -> {
                int count = budget.used();
                if (count > 0) {
                    used.put(name, count);
                }
            });
        }
        return used;
    }

    /** {@code max_db_connections} of {@code database} in the config now (0 = none). */
    public int databaseLimit(String database) {
        PgmuxConfig now = config;
        return now.database(database).map(db -> db.limits().maxDbConnections(now.serverLimits()))
                .orElse(now.serverLimits().maxDbConnections());
    }

    /** The server budget of {@code database} (max_db_connections), if it has pools. */
    public Optional<ConnectionBudgetView> databaseBudget(String database) {
        synchronized (lock) {
            return Optional.ofNullable(databaseBudgets.get(database)).map(ConnectionBudgetView::of);
        }
    }

    /** The server budget of {@code user} (max_user_connections), if it has pools. */
    public Optional<ConnectionBudgetView> userBudget(String user) {
        synchronized (lock) {
            return Optional.ofNullable(userBudgets.get(user)).map(ConnectionBudgetView::of);
        }
    }

    /** Called with the lock held, at max_pools: removes one pool that is unused right now, if there is one. */
    private boolean removeOneUnused() {
        long now = System.nanoTime();
        for (Pool pool : pools.values()) {
            if (pool.closeIfUnused(now, 0)) {
                pools.remove(pool.key(), pool);
                log.debug("[{}] pool removed to make room (max_pools)", pool.key());
                return true;
            }
        }
        return false;
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
        if (config.databases().containsKey(database) || !ofDatabase(database).isEmpty()
                || disabledDatabases.contains(database)) {
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

    /**
     * Opens the servers that are due in every pool: the next login attempt where the retry wait is
     * over and clients wait, and those {@code min_pool_size} keeps open.
     */
    public void openServersIfDue() {
        pools.values().forEach(Pool::openServersIfDue);
    }

    public void closeExpiredIdle() {
        long now = System.nanoTime();
        pools.values().forEach(pool -> pool.closeExpiredIdle(now));
    }

    public void closeAll() {
        closedAll = true;
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
        List<Pool> woken;
        List<ConnectionBudget> budgets;
        synchronized (lock) {
            config = newConfig;
            woken = applyBudgetLimits(newConfig);
            budgets = new ArrayList<>(databaseBudgets.values());
            budgets.addAll(userBudgets.values());
            for (Pool pool : pools.values()) {
                PoolKey key = pool.key();
                Optional<DatabaseConfig> db = newConfig.database(key.database());
                if (db.isEmpty() || (db.get().user() != null && !db.get().user().equals(key.user()))) {
                    pools.remove(key, pool);
                    removed.add(pool);
                } else {
                    pool.updateSettings(settings(newConfig, db.get(), key.user()));
                    pool.keepWarm(isKeptWarm(newConfig, db.get()));
                    pool.stats().setWindowIfChanged(newConfig.observability().statsPeriod());
                }
            }
        }
        removed.forEach(Pool::close);
        PoolBudgets.wake(woken);
        budgets.forEach(ConnectionBudget::shedExcess); // a lowered limit closes idle servers over it
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

    /** True after a PAUSE (or KILL) of every database, until RESUME: SHOW STATE's paused. */
    public boolean isAllPaused() {
        synchronized (lock) {
            return pausedAll;
        }
    }

    public boolean isAnythingPaused() {
        synchronized (lock) {
            return pausedAll || !pausedDatabases.isEmpty();
        }
    }

    /** DISABLE db: new logins to it are refused until ENABLE; its clients go on. */
    public void disable(String database) {
        disabledDatabases.add(database);
    }

    /** ENABLE db: new logins are accepted again (nothing to do if it was not disabled). */
    public void enable(String database) {
        disabledDatabases.remove(database);
    }

    public boolean isDisabled(String database) {
        return disabledDatabases.contains(database);
    }

    /** KILL db: pauses the database (until RESUME) and closes its idle servers; its clients are the caller's. */
    public void kill(String database) {
        pause(database);
    }

    /** KILL: every database. */
    public void killAll() {
        pauseAll();
    }

    /**
     * The settings of the pool of {@code db} for {@code serverUser}: the user's own {@code pool_size},
     * {@code reserve_pool_size} and {@code pool_mode} (under {@code users}) win over the database's,
     * as in PgBouncer.
     */
    private static PoolSettings settings(PgmuxConfig config, DatabaseConfig db, String serverUser) {
        UserConfig user = config.users().get(serverUser);
        String password = db.password();
        if (password == null) {
            password = user != null ? user.password() : null;
        }
        UserSettings own = user != null ? user.settings() : UserSettings.NONE;
        int poolSize = own.poolSize(db);
        PoolMode mode = own.poolMode(db);
        return new PoolSettings(db.server(), db.dbname(), serverUser, password, poolSize, mode,
                config.queryWaitTimeout(), config.serverConnectTimeout(), config.serverLoginRetry(),
                config.serverIdleTimeout(), db.limits().serverLifetime(config.serverLifetime()), config.serverResetQuery(),
                PreparedStatementMode.effective(db.preparedStatements(), config.preparedStatements().mode(), mode),
                config.preparedStatements().maxPerServer(),
                config.preparedStatements().maxPerClient(), config.preparedStatements().maxSizePerClient(),
                db.limits().minPoolSize(config.serverLimits()), own.reservePoolSize(db, config.serverLimits()),
                config.serverLimits().reservePoolTimeout(), config.timeouts().serverCheckDelay(),
                config.timeouts().serverCheckQuery(), config.sessionFeaturesPolicy(db),
                db.limits().maxPinnedServers(config.sessionFeatures(), poolSize), config.serverTls(db),
                config.connectQuery(db), config.sessionSetup().serverFastClose(), config.sessionSetup().queryWaitNotify(),
                db.hosts());
    }
}
