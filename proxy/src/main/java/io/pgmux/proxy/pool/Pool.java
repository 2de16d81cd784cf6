package io.pgmux.proxy.pool;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.backend.PassThrough;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.backend.ServerLifecycle;
import io.pgmux.proxy.backend.ServerOpener;
import io.pgmux.proxy.backend.ServerParameters;
import io.pgmux.proxy.backend.ServerTarget;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.prepared.StatementRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The server connections of one (database, user) pair, shared by every event loop.
 *
 * <p>Each state is a list, as in PgBouncer: {@link WaitQueue} holds the clients queued (FIFO) for a server,
 * and every server has one {@link ServerPhase}, kept in {@link ServerLists}: logging in, idle
 * (waiting for a client), active (held by exactly one client) or closing (retired, its connection
 * still going away). {@link ServerLists#move} is the one place a server changes phase, together
 * with the idle list and the counts, and it refuses a change the phases do not allow. Servers asked
 * of the opener and not yet opening hold a reserved slot; those, plus the logging-in, idle and active
 * ones, count against the pool size and never exceed it (except briefly after a reload shrank it), but
 * for {@code reserve_pool_size} more once a client has waited {@code reserve_pool_timeout}; and against
 * the budgets of its database and user ({@link ConnectionBudget}), which other pools share.
 * All of it is guarded by one lock held only for list operations: callbacks, connects and closes
 * happen after it is released. The moves, and what makes them:
 *
 * <pre>
 *  (a slot is reserved) ──onServerOpening──▶ LOGIN
 *  LOGIN   ──onServerReady──────▶ ACTIVE, then handed on as if released
 *  LOGIN   ──onServerLoginFailed──▶ UNLISTED (the next attempt waits, see below)
 *  ACTIVE  ──release──▶ IDLE; or stays ACTIVE for the next waiter; or CLOSING if it must retire
 *                       (lifetime, too many custom setting names, pause, old generation, pool shrank)
 *  IDLE    ──acquire──▶ ACTIVE (idle server_check_delay or longer: checked first, held by nobody
 *                       meanwhile; one that fails is CLOSING and the waiter asks again)
 *  IDLE    ──expired, PAUSE, RECONNECT, reload, close──▶ CLOSING
 *  any     ──onServerClosed──▶ UNLISTED
 * </pre>
 *
 * <p>Clients {@link #join} a pool after they logged in and leave it when they disconnect. A pool
 * with no client, no server and nothing pending is <em>unused</em>; the registry closes it once it
 * has been unused for {@code pool_idle_timeout} ({@link #closeIfUnused}), and a closed pool refuses
 * to be joined, so that a client arriving at that moment makes a new one instead.
 *
 * <p>Admin states: a <em>paused</em> pool hands out no servers (clients queue, their
 * query_wait_timeout running) and retires every server as soon as it is idle; {@link #pause()}
 * completes when none is left. Each server remembers the pool's <em>generation</em> when it was
 * opened; {@link #reconnect()} and a changed upstream start a new one, and servers of an older
 * generation are retired when next released ({@link #waitClose()} completes when none is left).
 *
 * <p>Failed logins: after one, the pool opens no server until {@code server_login_retry} has passed
 * (then doubling, with jitter: {@link LoginRetry}), and then one at a time until a login works, so
 * that a server that is down sees one attempt per wait and not a reconnect storm. While the pool has
 * no logged-in server, its queued clients are told the login error, and so is every client that asks
 * during the wait; a client that asks after the wait queues and causes the next attempt, whose
 * outcome it gets. Postgres refusing the login (a wrong password, a missing database, too many
 * connections), or a host name that does not resolve, is told at once; refused credentials (class
 * 28) even while other servers of the pool are logged in (with the credentials of before, as after
 * a password change). Not reaching the server
 * (refused, timed out, the connection closed during login, or Postgres saying it is starting up or
 * shutting down) may be a restart: clients keep waiting (and new ones queue) through the first wait,
 * and are told if the attempt after it fails too. Clients holding a server are never concerned.
 */
public final class Pool implements ServerLifecycle {
    private static final Logger log = LoggerFactory.getLogger(Pool.class);

    private final PoolKey key;
    private volatile PoolSettings settings;
    /** What the last client that logged in with a proof taught the pool, for a pool without a password; null if none. */
    private volatile PassThrough passThrough;
    private final ServerOpener opener;
    private final PoolStats stats;
    private final StatementRegistry statements = new StatementRegistry();
    private final ReentrantLock lock = new ReentrantLock();
    private final WaitQueue waiters = new WaitQueue();
    private final ServerLists servers;
    private final AdminWaits adminWaits = new AdminWaits();
    /** Its clients, whether it is kept warm, and since when it is unused. */
    private final PoolUse use = new PoolUse();
    private boolean paused;
    private boolean closed;
    /** The last failed server login and the retry schedule it set. */
    private final LoginFailures loginFailures;
    /** Where in the database's host list the next server connection starts. */
    private final HostRotation hostRotation = new HostRotation();
    /** The database's and user's server budgets ({@code max_db_connections}, {@code max_user_connections}). */
    private final PoolBudgets budgets;
    /** The budget that refused this pool's last server, until one is granted; null if none did. */
    private ConnectionBudget refusedBy;
    /** What the first server of this pool reported at login: the basis of every client's welcome. */
    private volatile ServerParameters welcomeParameters;
    /** Shared copies of client settings, and the setting values a server accepted. */
    private final ClientSettingsMemory settingsMemory = new ClientSettingsMemory();
    private final PinnedServers pinnedServers = new PinnedServers(() -> settings.maxPinnedServers());

    /** Replication clients' servers of their own, and the clients queued for them (see {@link #acquireDedicated}). */
    private final DedicatedServers dedicatedServers;
    /** Retires servers other than on release: expired or surplus idle ones, and fast-closed held ones. */
    private final ServerRetirement retirement;

    public Pool(PoolKey key, PoolSettings settings, ServerOpener opener) {
        this(key, settings, opener, PoolStats.DEFAULT_WINDOW);
    }

    public Pool(PoolKey key, PoolSettings settings, ServerOpener opener, Duration statsWindow) {
        this(key, settings, opener, statsWindow, LoginRetry.system());
    }

    /** With the login retry schedule given (its clock and jitter played by a test). */
    Pool(PoolKey key, PoolSettings settings, ServerOpener opener, Duration statsWindow, LoginRetry retry) {
        this(key, settings, opener, statsWindow, retry, PoolBudgets.unlimited(key));
    }

    /** Counting its servers against {@code budgets}, shared with the other pools of its database and user. */
    Pool(PoolKey key, PoolSettings settings, ServerOpener opener, Duration statsWindow, LoginRetry retry, PoolBudgets budgets) {
        this.key = key;
        this.settings = settings;
        this.opener = opener;
        this.stats = new PoolStats(statsWindow);
        this.servers = new ServerLists(key.toString());
        this.loginFailures = new LoginFailures(retry);
        this.budgets = budgets;
        this.dedicatedServers = new DedicatedServers(this, lock, servers, budgets, opener);
        this.retirement = new ServerRetirement(this, lock, servers, budgets);
        budgets.join(this);
    }

    public PoolKey key() {
        return key;
    }

    /** Servers kept by clients pinned to them by session features, and their bound. */
    public PinnedServers pinnedServers() {
        return pinnedServers;
    }

    @Override
    public String name() {
        return key.toString();
    }

    public PoolSettings settings() {
        return settings;
    }

    public PoolStats stats() {
        return stats;
    }

    /** The named prepared statements of this pool's clients, shared by content. */
    public StatementRegistry statements() {
        return statements;
    }

    /** The parameters a real server reported, or null before any server has logged in. */
    public ServerParameters welcomeParameters() {
        return welcomeParameters;
    }

    /** The one shared copy of a set of client settings (see {@code ClientParameters.snapshot}). */
    public Map<String, String> internSettings(Map<String, String> settings) {
        return settingsMemory.intern(settings);
    }

    /** A setting value a server of this pool already accepted, as the server spells it; null if never seen. */
    public String acceptedSetting(String name, String value) {
        return settingsMemory.accepted(name, value);
    }

    public void rememberAcceptedSetting(String name, String value, String normalized) {
        settingsMemory.rememberAccepted(name, value, normalized);
    }

    /**
     * Hands {@code waiter} an idle server (preferring one on its own event loop), or queues it and
     * opens a server if the pool has room. Every outcome is a callback on the waiter's executor.
     *
     * @return whether the waiter was queued (it got neither a server nor an error at once)
     */
    public boolean acquire(Waiter waiter) {
        ServerConnection server = null;
        ErrorResponse failure = null;
        boolean connect = false;
        ConnectionBudget makeRoomIn = null;
        boolean check = false;
        lock.lock();
        try {
            if (closed) {
                failure = closedError();
            } else if (paused) {
                waiters.add(waiter, System.nanoTime());
            } else if ((server = servers.idleServerFor(waiter.executor())) == null) {
                if (loginFailures.turnsAwayNewClients(servers.hasLoggedIn())) {
                    failure = loginFailures.lastError();
                } else {
                    waiters.add(waiter, System.nanoTime());
                    connect = reserveConnectIfNeeded();
                    makeRoomIn = budgetToMakeRoomIn();
                }
            } else {
                servers.move(server, ServerPhase.IDLE, ServerPhase.ACTIVE);
                check = server.isIdleAtLeast(System.nanoTime(), settings.checkDelay());
                if (!check) {
                    server.assignTo(waiter);
                }
            }
        } finally {
            lock.unlock();
        }
        if (check) {
            checkThenDeliver(server, waiter);
        } else if (server != null) {
            deliver(waiter, server);
        } else if (failure != null) {
            fail(waiter, failure);
        }
        if (connect) {
            openServer(waiter.executor());
        }
        if (makeRoomIn != null) {
            makeRoomIn.closeAnIdleServerOfAnotherPool(this);
        }
        return server == null && failure == null;
    }

    /**
     * {@code server} was idle {@code server_check_delay} or longer: it is checked before
     * {@code waiter} gets it (which waits meanwhile, outside the queue, as if the server were on its
     * way). One that fails is closed and the waiter asks again: another idle server, or a new one.
     * The check is bounded by {@code server_connect_timeout}.
     */
    private void checkThenDeliver(ServerConnection server, Waiter waiter) {
        PoolSettings now = settings;
        server.check(now.checkQuery(), now.connectTimeout(), failure -> {
            if (failure == null) {
                lock.lock();
                try {
                    server.assignTo(waiter);
                } finally {
                    lock.unlock();
                }
                deliver(waiter, server);
                return;
            }
            log.info("[{}] server s{} failed its check before reuse ({}); closing it", key, server.id(), failure);
            lock.lock();
            try {
                if (servers.phaseOf(server) == ServerPhase.ACTIVE) {
                    servers.move(server, ServerPhase.ACTIVE, ServerPhase.CLOSING);
                }
            } finally {
                lock.unlock();
            }
            server.close();
            acquire(waiter);
        });
    }

    /** Takes {@code waiter} out of the queue; false if it was already given a server (one is on its way). */
    public boolean cancelWait(Waiter waiter) {
        lock.lock();
        try {
            return waiters.remove(waiter)
                    | dedicatedServers.queue().remove(waiter);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives back a clean server (ReadyForQuery idle, nothing outstanding). One with a cancel still
     * on its way to Postgres is given back only once that cancel has landed, so that it cannot stop
     * the next holder's query.
     */
    public void release(ServerConnection server) {
        // Asked first so that the closure is made only when a cancel is in flight, not at every release.
        if (server.cancelling() && server.deferWhileCancelling(() -> release(server))) {
            log.debug("[{}] server s{} is given back once its cancel request has landed", key, server.id());
            return;
        }
        boolean spent = server.isExpired(System.nanoTime(), settings.lifetime())
                || server.parameters().holdsTooManyCustomNames();
        Waiter next = null;
        boolean retire;
        DedicatedServers.Round dedicated = DedicatedServers.Round.NONE;
        lock.lock();
        try {
            retire = spent || closed || paused || !servers.isCurrent(server) || beyondSize()
                    || (servers.phaseOf(server) == ServerPhase.ACTIVE && budgets.tryRetire());
            if (retire) {
                if (servers.phaseOf(server) != ServerPhase.UNLISTED) {
                    servers.move(server, ServerPhase.ACTIVE, ServerPhase.CLOSING);
                }
            } else if (server.isOpen()) {
                next = waiters.nextFor(server);
                if (next != null) {
                    server.assignTo(next);
                } else {
                    servers.move(server, ServerPhase.ACTIVE, ServerPhase.IDLE);
                    dedicated = dedicatedServers.reserve(); // a replication client waiting for room closes it
                }
            }
        } finally {
            lock.unlock();
        }
        dedicatedServers.open(dedicated);
        if (next != null) {
            deliver(next, server);
        } else if (retire) {
            server.assignTo(null);
            server.terminate();
        }
    }

    /** A new server connection is being opened for this pool; called by the opener before it connects. */
    @Override
    public void onServerOpening(ServerConnection server) {
        lock.lock();
        try {
            servers.move(server, ServerPhase.UNLISTED, ServerPhase.LOGIN);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A newly opened server finished its login: it serves the first waiter or goes idle. If logins
     * had been failing, this was the one attempt made at a time: servers for the other waiters open now.
     */
    @Override
    public void onServerReady(ServerConnection server) {
        if (welcomeParameters == null) {
            welcomeParameters = server.parameters().copy();
        }
        LoginRetry.Recovery recovery;
        lock.lock();
        try {
            servers.move(server, ServerPhase.LOGIN, ServerPhase.ACTIVE);
            recovery = loginFailures.onSuccess();
        } finally {
            lock.unlock();
        }
        log.info("[{}] server s{} logged in to {} (pid {})", key, server.id(), settings.server(), server.processId());
        LoginFailures.logRecovery(key, settings.server(), recovery);
        release(server);
        openServersForWaiters();
    }

    /**
     * Opening a server failed (refused, timed out, or Postgres said no). The pool opens no other
     * before the retry wait is over; the waiters are told if {@link LoginFailures#clientsAreTold}.
     * A server opened before the upstream changed (a reload, maybe the fix of that very failure)
     * says nothing of the new one: its failure only frees its slot.
     */
    @Override
    public void onServerLoginFailed(ServerConnection server, ErrorResponse error) {
        List<Waiter> told = new ArrayList<>();
        LoginRetry.Round round = null;
        boolean stale;
        boolean connect = false;
        List<CompletableFuture<Void>> done;
        List<Pool> woken;
        lock.lock();
        try {
            if (servers.phaseOf(server) == ServerPhase.UNLISTED) {
                stale = false;
                servers.unreserve(); // it failed before it opened (its host did not resolve)
            } else {
                stale = !servers.isCurrent(server);
                servers.move(server, ServerPhase.LOGIN, ServerPhase.UNLISTED);
            }
            woken = budgets.giveBack();
            if (stale) {
                connect = reserveConnectIfNeeded();
            } else {
                round = loginFailures.onFailure(error, settings.loginRetry());
                if (loginFailures.clientsAreTold(servers.hasLoggedIn())) {
                    waiters.takeAll(told);
                }
            }
            done = adminWaits.takeFinished(paused, servers);
        } finally {
            lock.unlock();
        }
        done.forEach(future -> future.complete(null));
        if (stale) {
            log.info("[{}] server login (opened before the server settings changed) failed: {}", key, error.message());
        } else {
            LoginFailures.logFailure(key, settings.server(), error, round, told.size());
        }
        for (Waiter waiter : told) {
            fail(waiter, error);
        }
        if (connect) {
            openServer(null);
        }
        PoolBudgets.wake(woken);
    }

    /**
     * Called every 100 ms: opens the servers that are due. Once a failed login's wait is over, the
     * next attempt, if clients wait for one (a client that asks makes one too; with nobody asking,
     * the pool leaves the server alone); and the servers {@code min_pool_size} keeps open.
     */
    public void openServersIfDue() {
        EventExecutor loop;
        int connects = 0;
        ConnectionBudget makeRoomIn;
        DedicatedServers.Round dedicated;
        lock.lock();
        try {
            dedicated = dedicatedServers.reserve();
            while (reserveConnectIfNeeded()) {
                connects++;
            }
            loop = waiters.headExecutor();
            makeRoomIn = budgetToMakeRoomIn();
        } finally {
            lock.unlock();
        }
        dedicatedServers.open(dedicated);
        for (int i = 0; i < connects; i++) {
            openServer(i == 0 ? loop : null);
        }
        if (makeRoomIn != null) {
            makeRoomIn.closeAnIdleServerOfAnotherPool(this);
        }
    }

    /** One host of the database's list could not be reached; the connection goes on to the next. */
    @Override
    public void onHostUnreachable(HostPort host, String reason) {
        hostRotation.unreachable(settings.hosts(), host);
    }

    /** A logged-in server's connection closed, for whatever reason; it leaves the pool. */
    @Override
    public void onServerClosed(ServerConnection server) {
        boolean connect;
        List<CompletableFuture<Void>> done;
        List<Pool> woken = List.of();
        DedicatedServers.Round dedicated;
        lock.lock();
        try {
            ServerPhase phase = servers.phaseOf(server);
            if (phase != ServerPhase.UNLISTED) {
                servers.move(server, phase, ServerPhase.UNLISTED);
                woken = budgets.giveBack();
            }
            dedicated = dedicatedServers.reserve();
            connect = reserveConnectIfNeeded();
            done = adminWaits.takeFinished(paused, servers);
        } finally {
            lock.unlock();
        }
        done.forEach(future -> future.complete(null));
        dedicatedServers.open(dedicated);
        if (connect) {
            openServer(null);
        }
        PoolBudgets.wake(woken);
    }

    /**
     * Closes idle servers past {@code server_idle_timeout} (but not the {@code min_pool_size} a pool
     * with clients, or kept warm, keeps) or {@code server_lifetime} (those are opened again if the pool keeps them).
     */
    public void closeExpiredIdle(long nowNanos) {
        retirement.closeExpiredIdle(nowNanos);
    }

    /** Stops serving: waiters are failed, idle servers closed; held servers close when released. */
    public void close() {
        List<Waiter> failed = new ArrayList<>();
        ServerRetirement.Retired retired;
        List<CompletableFuture<Void>> interrupted;
        List<CompletableFuture<Void>> closeWaits;
        budgets.leave(this);
        lock.lock();
        try {
            closed = true;
            waiters.takeAll(failed);
            dedicatedServers.queue().takeAll(failed);
            retired = retirement.retireIdle();
            interrupted = adminWaits.takeDrains();
            closeWaits = adminWaits.takeCloses();
        } finally {
            lock.unlock();
        }
        failed.forEach(waiter -> fail(waiter, closedError()));
        retired.act();
        interrupted.forEach(future -> future.completeExceptionally(new IllegalStateException("pool " + key + " was closed")));
        closeWaits.forEach(future -> future.completeExceptionally(new IllegalStateException("pool " + key + " was closed")));
    }

    // ---------------------------------------------------------------- admin: pause, reconnect, settings

    /**
     * Stops handing out servers: clients that need one queue until {@link #resume()}; idle servers
     * close now and the others when released. Completes when the pool has no server left.
     */
    public CompletableFuture<Void> pause() {
        CompletableFuture<Void> drained = new CompletableFuture<>();
        ServerRetirement.Retired retired;
        lock.lock();
        try {
            paused = true;
            retired = retirement.retireAll();
            if (servers.size() == 0 && servers.count(ServerPhase.CLOSING) == 0) {
                drained.complete(null);
            } else {
                adminWaits.addDrain(drained);
            }
        } finally {
            lock.unlock();
        }
        retired.act();
        return drained;
    }

    /** Hands out servers again; queued clients are served (new servers open for them). */
    public void resume() {
        List<CompletableFuture<Void>> interrupted;
        lock.lock();
        try {
            paused = false;
            interrupted = adminWaits.takeDrains();
        } finally {
            lock.unlock();
        }
        interrupted.forEach(future -> future.completeExceptionally(
                new IllegalStateException("RESUME came before every server of " + key + " had closed")));
        openServersForWaiters();
    }

    public boolean isPaused() {
        lock.lock();
        try {
            return paused;
        } finally {
            lock.unlock();
        }
    }

    /** Closes every server: idle ones now, the others when released. New ones open as clients need them. */
    public void reconnect() {
        ServerRetirement.Retired retired;
        lock.lock();
        try {
            servers.newGeneration();
            retired = retirement.retireAll();
        } finally {
            lock.unlock();
        }
        retired.act();
    }

    /**
     * {@code server_fast_close} in session mode: whether {@code server}, held by a client, must close
     * once no transaction is open on it (RECONNECT or a reload retired it, or the pool is paused),
     * rather than when its client leaves.
     */
    public boolean fastCloses(ServerConnection server) {
        if (!settings.fastClosesHeldServers()) {
            return false;
        }
        lock.lock();
        try {
            return paused || !servers.isCurrent(server);
        } finally {
            lock.unlock();
        }
    }

    /** Completes when no server opened before now with an older generation is left (after RECONNECT or a reload). */
    public CompletableFuture<Void> waitClose() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        lock.lock();
        try {
            if (servers.oldServersLeft(servers.generation())) {
                adminWaits.addClose(servers.generation(), done);
            } else {
                done.complete(null);
            }
        } finally {
            lock.unlock();
        }
        return done;
    }

    /**
     * Applies settings from a reloaded config. A new server address, database, user, password, connect_query
     * or server_tls starts a new generation (idle servers close now, busy ones when released); a bigger pool opens
     * servers for queued clients; a smaller one closes idle servers beyond the new size now and busy
     * ones as they are released.
     */
    public void updateSettings(PoolSettings newSettings) {
        PoolSettings old = settings;
        boolean upstreamChanged = !old.hosts().hosts().equals(newSettings.hosts().hosts())
                || !old.dbname().equals(newSettings.dbname())
                || !old.serverUser().equals(newSettings.serverUser())
                || !Objects.equals(old.serverPassword(), newSettings.serverPassword())
                || !Objects.equals(old.connectQuery(), newSettings.connectQuery());
        // as PgBouncer: a connection made under the old TLS settings (perhaps weaker ones) must not live on
        boolean tlsChanged = !old.serverTls().equals(newSettings.serverTls());
        ServerRetirement.Retired retired;
        lock.lock();
        try {
            settings = newSettings;
            if (upstreamChanged || tlsChanged) {
                servers.newGeneration();
                retired = retirement.retireAll();
                // new credentials or a new server deserve an attempt now, not after the old one's failures
                loginFailures.reset();
            } else {
                retired = retirement.retireIdleBeyond(newSettings.poolSize());
            }
        } finally {
            lock.unlock();
        }
        if (upstreamChanged) {
            welcomeParameters = null;
            settingsMemory.forgetAccepted();
            log.info("[{}] server changed to {}/{} as {}: old server connections close when released", key,
                    newSettings.server(), newSettings.dbname(), newSettings.serverUser());
        } else if (tlsChanged) {
            log.info("[{}] server_tls changed (sslmode {}): obsolete connections close when released", key,
                    newSettings.serverTls().sslmode().yamlName());
        }
        retired.act();
        openServersForWaiters();
    }

    // ---------------------------------------------------------------- views

    /**
     * A client logged in and will use this pool until it calls {@link #onClientLeft}. False if the
     * pool is closed (removed as unused, or its database left the config): the client must ask the
     * registry again.
     */
    public boolean join() {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            use.join();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether min_pool_size servers are kept open with no client too, and the pool is never unused: its
     * database has a fixed server user (see {@link PoolRegistry#warmFixedUserPools}).
     */
    void keepWarm(boolean warm) {
        lock.lock();
        try {
            use.keepWarm(warm);
        } finally {
            lock.unlock();
        }
    }

    /** Called with the lock held: whether min_pool_size applies now (clients use the pool, or it is kept warm). */
    boolean inUse() {
        return use.inUse();
    }

    public void onClientLeft() {
        lock.lock();
        try {
            use.leave();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the pool if it has been unused for at least {@code unusedNanos}, counted from the first
     * call that found it unused (the registry calls this every second, so a pool goes up to a
     * second late); 0 closes an unused pool at once. Unused means no client joined, no server open,
     * being opened or closing, and no admin command waiting on it. Returns whether the pool is
     * closed (now or before): then it must leave the registry.
     */
    public boolean closeIfUnused(long nowNanos, long unusedNanos) {
        lock.lock();
        try {
            if (closed) {
                return true;
            }
            boolean nothingPending = servers.isEmpty() && waiters.isEmpty() && dedicatedServers.queue().isEmpty()
                    && adminWaits.isEmpty();
            if (!use.unusedFor(nowNanos, unusedNanos, nothingPending)) {
                return false;
            }
            closed = true;
            budgets.leave(this);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** A consistent view of the pool's lists, for the admin console and metrics. */
    public PoolCounts counts() {
        long now = System.nanoTime();
        lock.lock();
        try {
            return new PoolCounts(use.clients(), waiters.size() + dedicatedServers.queue().size(), servers.count(ServerPhase.ACTIVE),
                    servers.count(ServerPhase.IDLE), servers.connecting(), servers.count(ServerPhase.CLOSING), waiters.headWaitNanos(now), paused);
        } finally {
            lock.unlock();
        }
    }

    /** Every server open or logging in (closing ones are not listed), with its phase. */
    public List<ServerState> servers() {
        lock.lock();
        try {
            return servers.states();
        } finally {
            lock.unlock();
        }
    }

    /** The error of the last failed server login, if no login succeeded since; null otherwise. */
    public ErrorResponse lastLoginError() {
        lock.lock();
        try {
            return loginFailures.lastError();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Called with the lock held: reserves a slot for one more server if a waiter needs it and the
     * pool has room, or if the pool has clients (or is kept warm) and fewer servers than {@code min_pool_size} keeps
     * open. While logins fail, none during the retry wait and then one at a time.
     */
    boolean reserveConnectIfNeeded() {
        refusedBy = null;
        if (closed || paused) {
            return false;
        }
        boolean forWaiter = waiters.size() > servers.connecting() && servers.size() < capacity();
        boolean keptOpen = inUse() && servers.size() < settings.keptOpen();
        if (!forWaiter && !keptOpen) {
            return false;
        }
        if (loginFailures.holdsBackConnects(servers.connecting())) {
            return false;
        }
        refusedBy = budgets.tryTake(this);
        if (refusedBy != null) {
            return false;
        }
        servers.reserve();
        return true;
    }

    /**
     * Called with the lock held: how many servers the pool may have now: {@code pool_size}, and
     * {@code reserve_pool_size} more once the first queued client has waited {@code reserve_pool_timeout}.
     */
    private int capacity() {
        boolean reserveDue = settings.reservePoolSize() > 0
                && waiters.headWaitedAtLeast(System.nanoTime(), settings.reservePoolTimeout().toNanos());
        return settings.poolSize() + (reserveDue ? settings.reservePoolSize() : 0);
    }

    /**
     * Called with the lock held: whether a released server is one too many: the pool has more than
     * {@code pool_size} (a reload shrank it, or the reserve opened some) and no client waits for it,
     * or more than the reserve allows.
     */
    private boolean beyondSize() {
        int size = servers.size();
        return size > settings.poolSize() && (waiters.isEmpty() || size > settings.poolSize() + settings.reservePoolSize());
    }

    /**
     * Called with the lock held: the budget (max_db_connections or max_user_connections) in which
     * another pool should close an idle server, because it refused a server that clients here wait
     * for; null if none did. A server only kept warm by min_pool_size makes no room.
     */
    private ConnectionBudget budgetToMakeRoomIn() {
        return refusedBy != null && waiters.size() > servers.connecting() ? refusedBy : null;
    }

    /**
     * Closes this pool's idle server released longest ago, to make room for another pool of its
     * database or user; false if it has none.
     */
    boolean closeOneIdleServer() {
        return retirement.closeOneIdleServer();
    }

    /** The cap of a budget dropped below what is open: closes idle servers, oldest first, until the rest fits. */
    void closeIdleServersOverBudget() {
        retirement.closeIdleServersOverBudget();
    }

    /**
     * Opens as many servers as the waiters need and {@code min_pool_size} keeps open, as far as the
     * pool has room (and the login retry allows).
     */
    void openServersForWaiters() {
        int connects = 0;
        lock.lock();
        try {
            while (reserveConnectIfNeeded()) {
                connects++;
            }
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < connects; i++) {
            openServer(null);
        }
    }

    // ---------------------------------------------------------------- replication clients' own servers

    /**
     * A replication client's server: a new connection of its own, opened on the client's loop with
     * {@code startup} (the client's replication, options and settings), never shared and never given
     * back: its client closes it (see {@link DedicatedServers}). The server comes to
     * {@link Waiter#onServerAssigned} (only once logged in), a failure to {@link Waiter#onAcquireFailed}.
     */
    public void acquireDedicated(Waiter waiter, Map<String, String> startup) {
        dedicatedServers.acquire(waiter, startup);
    }

    /** Called with the lock held: whether the pool is closed (it refuses every client). */
    boolean isClosed() {
        return closed;
    }

    /** Called with the lock held: whether the pool hands out servers now (neither closed nor paused). */
    boolean handsOutServers() {
        return !closed && !paused;
    }

    /** What the last client that logged in with a proof taught the pool (see {@link #learnPassThrough}); null if none. */
    PassThrough passThrough() {
        return passThrough;
    }

    /** Called without the lock: opens the server a slot was reserved for ({@link #reserveConnectIfNeeded}), on {@code preferredLoop} if it is one. */
    void openServer(EventExecutor preferredLoop) {
        PoolSettings current = settings;
        ServerTarget target = current.target().withPassThrough(passThrough).startingAt(hostRotation.nextOrder(current.hosts()));
        opener.open(target, this, preferredLoop instanceof EventLoop loop ? loop : null);
    }

    /**
     * A client of this pool's user proved itself (SCRAM, md5 or a password): new server connections
     * log in with that, if the pool has no password of its own that can (a SCRAM verifier cannot). A proof that differs from the last
     * one (the password changed) earns an attempt now, not after the old proof's failures.
     */
    public void learnPassThrough(PassThrough learned) {
        if (learned == null || ServerTarget.canLogIn(settings.serverPassword()) || learned.equals(passThrough)) {
            return;
        }
        passThrough = learned;
        lock.lock();
        try {
            loginFailures.reset();
        } finally {
            lock.unlock();
        }
    }

    /**
     * On the waiter's own loop the hand-over is a call, not a task: no queueing, no wake-up. A
     * hand-over started inside another one (the previous waiter gave the server straight back) runs
     * right after it instead, so that a queue of any length is served with constant stack.
     */
    static void deliver(Waiter waiter, ServerConnection server) {
        if (waiter.executor().inEventLoop()) {
            HandOvers.run(Waiter::onServerAssigned, waiter, server);
        } else {
            waiter.executor().execute(() -> waiter.onServerAssigned(server));
        }
    }

    /**
     * Fails the waiters queued longer than {@code query_wait_timeout}, and tells those queued longer
     * than {@code query_wait_notify} (once per wait); one sweep for the whole pool instead of timers
     * per wait.
     */
    public void expireWaiters(long nowNanos) {
        long timeout = settings.queryWaitTimeout().toNanos();
        long notifyAfter = settings.queryWaitNotify().toNanos();
        if (timeout <= 0 && notifyAfter <= 0) {
            return;
        }
        List<Waiter> expired = new ArrayList<>();
        List<Waiter> toNotify = new ArrayList<>();
        ConnectionBudget full;
        lock.lock();
        try {
            if (timeout > 0) {
                waiters.takeExpired(nowNanos, timeout, expired);
            }
            if (notifyAfter > 0) {
                waiters.takeLongWaits(nowNanos, notifyAfter, toNotify);
            }
            if (timeout > 0) {
                dedicatedServers.queue().takeExpired(nowNanos, timeout, expired);
            }
            full = refusedBy;
        } finally {
            lock.unlock();
        }
        for (Waiter waiter : toNotify) {
            waiter.executor().execute(waiter::onLongWait);
        }
        if (!expired.isEmpty()) {
            ErrorResponse error = full != null ? budgetFullError(full) : waitTimeoutError();
            log.info("[{}] {} clients waited over query_wait_timeout for a server", key, expired.size());
            expired.forEach(waiter -> fail(waiter, error));
        }
    }

    private ErrorResponse waitTimeoutError() {
        long seconds = settings.queryWaitTimeout().toSeconds();
        return ErrorResponse.error(SqlState.TOO_MANY_CONNECTIONS, "no server connection became free within "
                + "query_wait_timeout (" + seconds + "s): all " + settings.poolSize() + " of pool " + key + " are busy")
                .withHint("Raise pool_size or query_wait_timeout, or shorten the transactions holding the pool.");
    }

    private ErrorResponse budgetFullError(ConnectionBudget full) {
        long seconds = settings.queryWaitTimeout().toSeconds();
        String keyName = full == budgets.database() ? "max_db_connections" : "max_user_connections";
        return ErrorResponse.error(SqlState.TOO_MANY_CONNECTIONS, "no server connection became free within "
                + "query_wait_timeout (" + seconds + "s): " + keyName + " of " + full + " is reached")
                .withHint("Raise " + keyName + " or query_wait_timeout, or shorten the transactions of that "
                        + (full == budgets.database() ? "database" : "user") + "'s pools.");
    }

    static void fail(Waiter waiter, ErrorResponse error) {
        waiter.executor().execute(() -> waiter.onAcquireFailed(error));
    }

    ErrorResponse closedError() {
        return ErrorResponse.error(SqlState.ADMIN_SHUTDOWN, "pool " + key + " is closing");
    }
}
