package io.pgmux.proxy.pool;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.backend.ServerOpener;
import io.pgmux.proxy.backend.ServerTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The servers of a pool's replication clients. Each one is a new connection of its own, opened on
 * the client's loop with the client's startup (its replication, options and settings), never shared
 * and never given back: its client closes it. It counts against pool_size and the budgets like any
 * other server of the pool. When the pool is full, its idle servers are closed to make room (as
 * PgBouncer evicts them); otherwise the client waits, within query_wait_timeout, until a server
 * closes. The server comes to {@link Waiter#onServerAssigned} (only once logged in), a failure to
 * {@link Waiter#onAcquireFailed}.
 *
 * <p>The queue of replication clients is guarded by the pool's lock, like the rest of the pool:
 * {@link #reserve} and the {@link #queue} are called with it held; {@link #acquire}, {@link #onReady}
 * and {@link #onLoginFailed} take it, and open, close and call back only once it is released
 * ({@link #open}).
 */
final class DedicatedServers {
    private static final Logger log = LoggerFactory.getLogger(DedicatedServers.class);

    private final Pool pool;
    private final ReentrantLock lock;
    private final ServerLists servers;
    private final PoolBudgets budgets;
    private final ServerOpener opener;
    /** Replication clients queued for a server of their own, first come first served. */
    private final WaitLine<Dedicated> waiting = new WaitLine<>();

    private record Dedicated(Waiter waiter, Map<String, String> startup, long sinceNanos) implements WaitLine.Place {}

    /**
     * What {@link #reserve} decided under the lock, for after it: the replication clients whose
     * servers open now, the idle servers closed to make room, and the budget (max_db_connections or
     * max_user_connections) in which another pool should close an idle server (null if none refused).
     */
    record Round(List<Dedicated> open, List<ServerConnection> evicted, ConnectionBudget makeRoomIn) {
        static final Round NONE = new Round(List.of(), List.of(), null);
    }

    /** For {@code pool}, whose lock, server lists, budgets and opener these are. */
    DedicatedServers(Pool pool, ReentrantLock lock, ServerLists servers, PoolBudgets budgets, ServerOpener opener) {
        this.pool = pool;
        this.lock = lock;
        this.servers = servers;
        this.budgets = budgets;
        this.opener = opener;
    }

    /** Queues {@code waiter} for a server of its own, opened with {@code startup} (see {@link Pool#acquireDedicated}). */
    void acquire(Waiter waiter, Map<String, String> startup) {
        Round round = Round.NONE;
        boolean refused;
        lock.lock();
        try {
            refused = pool.isClosed();
            if (!refused) {
                waiting.addLast(new Dedicated(waiter, startup, System.nanoTime()));
                round = reserve();
            }
        } finally {
            lock.unlock();
        }
        if (refused) {
            Pool.fail(waiter, pool.closedError());
        }
        open(round);
    }

    /**
     * Called with the lock held: reserves a slot for each queued replication client while the pool
     * has room, retiring idle servers (the oldest first) to make it; when a budget refuses, another
     * pool of that database or user is to close an idle server. The caller acts on the round ({@link #open}).
     */
    Round reserve() {
        if (waiting.isEmpty()) {
            return Round.NONE;
        }
        List<Dedicated> reserved = new ArrayList<>(1);
        List<ServerConnection> evicted = new ArrayList<>(0);
        ConnectionBudget refused = null;
        while (!waiting.isEmpty() && pool.handsOutServers()) {
            if (servers.size() >= pool.settings().poolSize()) {
                ServerConnection idle = servers.oldestIdle();
                if (idle == null) {
                    break;
                }
                servers.move(idle, ServerPhase.IDLE, ServerPhase.CLOSING);
                evicted.add(idle);
            } else if ((refused = budgets.tryTake(pool)) != null) {
                break;
            } else {
                servers.reserve();
                reserved.add(waiting.pollHead());
            }
        }
        return new Round(reserved, evicted, refused);
    }

    /** Called without the lock: closes what {@code round} evicted and opens the servers it reserved. */
    void open(Round round) {
        if (round == Round.NONE) {
            return; // the usual case, with no replication client: not even an iterator over the empty lists
        }
        for (ServerConnection server : round.evicted()) {
            log.info("[{}] closing idle server s{} to make room for a replication client", pool.key(), server.id());
            server.terminate();
        }
        if (round.makeRoomIn() != null) {
            round.makeRoomIn().closeAnIdleServerOfAnotherPool(pool);
        }
        for (Dedicated dedicated : round.open()) {
            ServerTarget target = pool.settings().target().withPassThrough(pool.passThrough()).withStartup(dedicated.startup());
            EventExecutor loop = dedicated.waiter().executor();
            opener.open(target, new DedicatedOpening(pool, this, dedicated.waiter()),
                    loop instanceof EventLoop eventLoop ? eventLoop : null);
        }
    }

    /** A replication client's server logged in: it is that client's, at once (see {@link DedicatedOpening}). */
    void onReady(ServerConnection server, Waiter waiter) {
        lock.lock();
        try {
            servers.move(server, ServerPhase.LOGIN, ServerPhase.ACTIVE);
            server.assignTo(waiter);
        } finally {
            lock.unlock();
        }
        log.info("[{}] server s{} logged in to {} (pid {}) for a replication client", pool.key(), server.id(),
                pool.settings().server(), server.processId());
        Pool.deliver(waiter, server);
        pool.openServersForWaiters(); // the slot it reserved no longer stands for a server on its way to the queue
    }

    /**
     * A replication client's server could not log in: the client is told Postgres's error. The
     * pool's retry schedule is not touched, as in PgBouncer: a replication login fails for reasons
     * of its own (no REPLICATION role, no pg_hba.conf line for replication) that say nothing of other logins.
     */
    void onLoginFailed(ServerConnection server, Waiter waiter, ErrorResponse error) {
        Round round;
        List<Pool> woken;
        boolean connect;
        lock.lock();
        try {
            if (servers.phaseOf(server) == ServerPhase.UNLISTED) {
                servers.unreserve();
            } else {
                servers.move(server, ServerPhase.LOGIN, ServerPhase.UNLISTED);
            }
            woken = budgets.giveBack();
            round = reserve();
            connect = pool.reserveConnectIfNeeded();
        } finally {
            lock.unlock();
        }
        log.info("[{}] replication server login to {} failed: {} ({})", pool.key(), pool.settings().server(),
                error.message(), error.sqlState());
        Pool.fail(waiter, error.with(ErrorResponse.MESSAGE, "replication server login failed: " + error.message()));
        open(round);
        if (connect) {
            pool.openServer(null);
        }
        PoolBudgets.wake(woken);
    }

    /** Called with the lock held: the replication clients queued for a server of their own. */
    WaitLine<?> queue() {
        return waiting;
    }
}
