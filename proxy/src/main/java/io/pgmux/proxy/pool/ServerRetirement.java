package io.pgmux.proxy.pool;

import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.backend.ServerListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Which of a pool's servers retire other than on their release: idle ones past
 * {@code server_idle_timeout} or {@code server_lifetime}, idle ones that make room for another pool
 * of the database or user or fit a lowered budget, every idle one on PAUSE, RECONNECT or a changed
 * upstream, the idle ones beyond a shrunk pool_size; and the held ones whose holders close them early
 * ({@code server_fast_close}), who are told so.
 *
 * <p>Guarded by the pool's lock like the rest of the pool: the methods called "with the lock held"
 * only move servers to CLOSING and hand them back for the caller to terminate once the lock is
 * released; the others take the lock for the move and terminate after it.
 */
final class ServerRetirement {
    private static final Logger log = LoggerFactory.getLogger(ServerRetirement.class);

    private final Pool pool;
    private final ReentrantLock lock;
    private final ServerLists servers;
    private final PoolBudgets budgets;

    /** For {@code pool}, whose lock, server lists and budgets these are. */
    ServerRetirement(Pool pool, ReentrantLock lock, ServerLists servers, PoolBudgets budgets) {
        this.pool = pool;
        this.lock = lock;
        this.servers = servers;
        this.budgets = budgets;
    }

    /** See {@link Pool#closeExpiredIdle}. */
    void closeExpiredIdle(long nowNanos) {
        List<ServerConnection> expired = new ArrayList<>();
        lock.lock();
        try {
            // the oldest idle first; while clients use the pool, min_pool_size servers outlive server_idle_timeout
            List<ServerConnection> idle = servers.idleServers();
            int spare = servers.size() - (pool.inUse() ? pool.settings().keptOpen() : 0);
            for (int i = idle.size() - 1; i >= 0; i--) {
                ServerConnection server = idle.get(i);
                if (server.isExpired(nowNanos, pool.settings().lifetime())
                        || (spare > 0 && server.isIdleLongerThan(nowNanos, pool.settings().idleTimeout()))) {
                    expired.add(server);
                    spare--;
                }
            }
            expired.forEach(server -> servers.move(server, ServerPhase.IDLE, ServerPhase.CLOSING));
        } finally {
            lock.unlock();
        }
        for (ServerConnection server : expired) {
            log.debug("[{}] closing idle server s{}", pool.key(), server.id());
            server.terminate();
        }
    }

    /**
     * Closes the pool's idle server released longest ago, to make room for another pool of its
     * database or user; false if it has none.
     */
    boolean closeOneIdleServer() {
        ServerConnection server;
        lock.lock();
        try {
            server = pool.isClosed() ? null : servers.oldestIdle();
            if (server != null) {
                servers.move(server, ServerPhase.IDLE, ServerPhase.CLOSING);
            }
        } finally {
            lock.unlock();
        }
        if (server == null) {
            return false;
        }
        log.debug("[{}] closing idle server s{} to make room for another pool (max_db_connections or max_user_connections)",
                pool.key(), server.id());
        server.terminate();
        return true;
    }

    /** The cap of a budget dropped below what is open: closes idle servers, oldest first, until the rest fits. */
    void closeIdleServersOverBudget() {
        List<ServerConnection> closing = new ArrayList<>();
        lock.lock();
        try {
            List<ServerConnection> idle = servers.idleServers();
            for (int i = idle.size() - 1; i >= 0 && !pool.isClosed() && budgets.tryRetire(); i--) {
                ServerConnection server = idle.get(i);
                servers.move(server, ServerPhase.IDLE, ServerPhase.CLOSING);
                closing.add(server);
            }
        } finally {
            lock.unlock();
        }
        for (ServerConnection server : closing) {
            log.debug("[{}] closing idle server s{}: this replica's share of max_db_connections (or a limit) dropped",
                    pool.key(), server.id());
            server.terminate();
        }
    }

    /** Called with the lock held: retires every idle server; the caller terminates them. */
    List<ServerConnection> retireIdle() {
        List<ServerConnection> retired = servers.idleServers();
        retired.forEach(server -> servers.move(server, ServerPhase.IDLE, ServerPhase.CLOSING));
        return retired;
    }

    /** Called with the lock held: retires idle servers, the oldest first, while more than {@code poolSize} are listed; the caller terminates them. */
    List<ServerConnection> retireIdleBeyond(int poolSize) {
        List<ServerConnection> retired = new ArrayList<>();
        ServerConnection server;
        while (servers.size() > poolSize && (server = servers.oldestIdle()) != null) {
            servers.move(server, ServerPhase.IDLE, ServerPhase.CLOSING);
            retired.add(server);
        }
        return retired;
    }

    /** Called with the lock held: the active servers whose holders must close them early ({@link Pool#fastCloses}). */
    List<ServerConnection> fastClosedHolders() {
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

    /** Tells the holders of {@code held} on their loops (see {@link ServerListener#onServerRetired}). */
    static void tellRetired(List<ServerConnection> held) {
        for (ServerConnection server : held) {
            ServerListener holder = server.listener();
            if (holder != null) {
                holder.executor().execute(() -> holder.onServerRetired(server));
            }
        }
    }
}
