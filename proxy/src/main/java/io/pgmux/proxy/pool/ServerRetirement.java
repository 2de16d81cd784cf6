package io.pgmux.proxy.pool;

import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.backend.ServerListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Which of a pool's servers retire other than on their release: idle ones past
 * {@code server_idle_timeout} or {@code server_lifetime}, idle ones that make room for another pool
 * of the database or user or fit a lowered budget, every idle one on PAUSE, RECONNECT or a changed
 * upstream, the idle ones beyond a shrunk pool_size; and the held ones whose holders close them early
 * ({@code server_fast_close}), who are told so.
 *
 * <p>Guarded by the pool's lock like the rest of the pool: the methods called "with the lock held"
 * only move servers to CLOSING and hand back what they retired ({@link Retired}) for the caller to
 * act on once the lock is released; the others take the lock for the move and terminate after it.
 */
final class ServerRetirement {
    private static final Logger log = LoggerFactory.getLogger(ServerRetirement.class);

    private final Pool pool;
    private final ReentrantLock lock;
    private final ServerLists servers;
    private final PoolBudgets budgets;

    /**
     * What a retirement decided with the lock held, for after it: the idle servers it moved to
     * CLOSING, to terminate, and the held ones whose holders must close them early, to tell.
     */
    record Retired(List<ServerConnection> closing, List<ServerConnection> held) {
        /** Called without the lock: terminates the closing servers and tells the holders of the held ones on their loops (see {@link ServerListener#onServerRetired}). */
        void act() {
            closing.forEach(ServerConnection::terminate);
            for (ServerConnection server : held) {
                ServerListener holder = server.listener();
                if (holder != null) {
                    holder.executor().execute(() -> holder.onServerRetired(server));
                }
            }
        }
    }

    /** For {@code pool}, whose lock, server lists and budgets these are. */
    ServerRetirement(Pool pool, ReentrantLock lock, ServerLists servers, PoolBudgets budgets) {
        this.pool = pool;
        this.lock = lock;
        this.servers = servers;
        this.budgets = budgets;
    }

    /** See {@link Pool#closeExpiredIdle}. */
    void closeExpiredIdle(long nowNanos) {
        closeIdle(() -> retireExpired(nowNanos), "");
    }

    /**
     * Closes the pool's idle server released longest ago, to make room for another pool of its
     * database or user; false if it has none.
     */
    boolean closeOneIdleServer() {
        return !closeIdle(this::retireOldestIdle,
                " to make room for another pool (max_db_connections or max_user_connections)").isEmpty();
    }

    /** The cap of a budget dropped below what is open: closes idle servers, oldest first, until the rest fits. */
    void closeIdleServersOverBudget() {
        closeIdle(this::retireOverBudget, ": this replica's share of max_db_connections (or a limit) dropped");
    }

    /** Retires the idle servers {@code pick} chooses with the lock held, then terminates them, logging {@code why}. */
    private List<ServerConnection> closeIdle(Supplier<List<ServerConnection>> pick, String why) {
        List<ServerConnection> closing;
        lock.lock();
        try {
            closing = pick.get();
        } finally {
            lock.unlock();
        }
        for (ServerConnection server : closing) {
            log.debug("[{}] closing idle server s{}{}", pool.key(), server.id(), why);
            server.terminate();
        }
        return closing;
    }

    /** Called with the lock held: retires the idle servers past server_lifetime or server_idle_timeout. */
    private List<ServerConnection> retireExpired(long nowNanos) {
        List<ServerConnection> expired = new ArrayList<>();
        // the oldest idle first; while clients use the pool, min_pool_size servers outlive server_idle_timeout
        int spare = servers.size() - (pool.inUse() ? pool.settings().keptOpen() : 0);
        for (ServerConnection server : servers.idleOldestFirst()) {
            if (server.isExpired(nowNanos, pool.settings().lifetime())
                    || (spare > 0 && server.isIdleLongerThan(nowNanos, pool.settings().idleTimeout()))) {
                retire(server, expired);
                spare--;
            }
        }
        return expired;
    }

    /** Called with the lock held: retires the idle server released longest ago, if the pool is open and has one. */
    private List<ServerConnection> retireOldestIdle() {
        List<ServerConnection> retired = new ArrayList<>(1);
        ServerConnection server = pool.isClosed() ? null : servers.oldestIdle();
        if (server != null) {
            retire(server, retired);
        }
        return retired;
    }

    /** Called with the lock held: retires idle servers, the oldest first, while the budgets ask for one less. */
    private List<ServerConnection> retireOverBudget() {
        List<ServerConnection> retired = new ArrayList<>();
        for (ServerConnection server : servers.idleOldestFirst()) {
            if (pool.isClosed() || !budgets.tryRetire()) {
                break;
            }
            retire(server, retired);
        }
        return retired;
    }

    /** Called with the lock held: retires every idle server; the caller acts on it ({@link Retired#act}). */
    Retired retireIdle() {
        List<ServerConnection> retired = new ArrayList<>();
        servers.idleOldestFirst().forEach(server -> retire(server, retired));
        return new Retired(retired, List.of());
    }

    /**
     * Called with the lock held: retires every idle server, and the held ones whose holders must close
     * them early ({@link Pool#fastCloses}); the caller acts on it ({@link Retired#act}).
     */
    Retired retireAll() {
        return new Retired(retireIdle().closing(), fastClosedHolders());
    }

    /** Called with the lock held: retires idle servers, the oldest first, while more than {@code poolSize} are listed; the caller acts on it. */
    Retired retireIdleBeyond(int poolSize) {
        List<ServerConnection> retired = new ArrayList<>();
        ServerConnection server;
        while (servers.size() > poolSize && (server = servers.oldestIdle()) != null) {
            retire(server, retired);
        }
        return new Retired(retired, List.of());
    }

    /** Called with the lock held: moves idle {@code server} to CLOSING and adds it to {@code retired}. */
    private void retire(ServerConnection server, List<ServerConnection> retired) {
        servers.move(server, ServerPhase.IDLE, ServerPhase.CLOSING);
        retired.add(server);
    }

    /** Called with the lock held: the active servers whose holders must close them early ({@link Pool#fastCloses}). */
    private List<ServerConnection> fastClosedHolders() {
        if (!pool.settings().fastClosesHeldServers()) {
            return List.of();
        }
        List<ServerConnection> held = new ArrayList<>();
        for (ServerState state : servers.states()) {
            if (state.phase() == ServerPhase.ACTIVE) {
                held.add(state.server());
            }
        }
        return held;
    }
}
