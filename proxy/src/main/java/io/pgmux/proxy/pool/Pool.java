package io.pgmux.proxy.pool;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.backend.ServerConnector;
import io.pgmux.proxy.backend.ServerParameters;
import io.pgmux.proxy.prepared.StatementRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The server connections of one (database, user) pair, shared by every event loop.
 *
 * <p>Each state is a list, as in PgBouncer: {@code idle} servers wait for a client, {@code waiters}
 * are clients queued (FIFO) for a server, and every other open server is held by exactly one
 * client. {@code size} counts servers open or being opened and never exceeds the pool size. All of
 * it is guarded by one lock held only for list operations: callbacks, connects and closes happen
 * after it is released.
 *
 * <pre>
 *  connect ──login ok──▶ idle ◀──release── held by a client ◀──assign── idle / new
 *     │                   │                       │
 *  login failed      idle/lifetime expired    server died / client closed it
 *     ▼                   ▼                       ▼
 *  (size--, waiters told if none left)        closed (size--)
 * </pre>
 */
public final class Pool {
    private static final Logger log = LoggerFactory.getLogger(Pool.class);
    private static final int MAX_REMEMBERED_SETTINGS = 10_000;

    private final PoolKey key;
    private final PoolSettings settings;
    private final ServerConnector connector;
    private final PoolStats stats = new PoolStats();
    private final StatementRegistry statements = new StatementRegistry();
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<ServerConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private int size;
    private int connecting;
    private boolean closed;
    private ErrorResponse lastLoginError;
    private long retryAfterNanos;
    /** What the first server of this pool reported at login: the basis of every client's welcome. */
    private volatile ServerParameters welcomeParameters;
    /** Client settings a server accepted, by "name=value" as the client spelled it, to the value as normalized. */
    private final Map<String, String> acceptedSettings = new ConcurrentHashMap<>();

    public Pool(PoolKey key, PoolSettings settings, ServerConnector connector) {
        this.key = key;
        this.settings = settings;
        this.connector = connector;
    }

    public PoolKey key() {
        return key;
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

    /** A setting value a server of this pool already accepted, as the server spells it; null if never seen. */
    public String acceptedSetting(String name, String value) {
        return acceptedSettings.get(settingKey(name, value));
    }

    public void rememberAcceptedSetting(String name, String value, String normalized) {
        if (acceptedSettings.size() < MAX_REMEMBERED_SETTINGS) {
            acceptedSettings.put(settingKey(name, value), normalized);
        }
    }

    private static String settingKey(String name, String value) {
        return name.toLowerCase(Locale.ROOT) + '=' + value;
    }

    /**
     * Hands {@code waiter} an idle server (preferring one on its own event loop), or queues it and
     * opens a server if the pool has room. Every outcome is a callback on the waiter's executor.
     */
    public void acquire(Waiter waiter) {
        ServerConnection server = null;
        ErrorResponse failure = null;
        boolean connect = false;
        lock.lock();
        try {
            if (closed) {
                failure = closedError();
            } else if ((server = takeIdle(waiter.executor())) == null) {
                if (size == 0 && lastLoginError != null && System.nanoTime() - retryAfterNanos < 0) {
                    failure = lastLoginError;
                } else {
                    waiters.addLast(waiter);
                    connect = reserveConnectIfNeeded();
                }
            } else {
                server.assignTo(waiter);
            }
        } finally {
            lock.unlock();
        }
        if (server != null) {
            deliver(waiter, server);
        } else if (failure != null) {
            fail(waiter, failure);
        }
        if (connect) {
            openServer(waiter.executor());
        }
    }

    /** Takes {@code waiter} out of the queue; false if it was already given a server (one is on its way). */
    public boolean cancelWait(Waiter waiter) {
        lock.lock();
        try {
            return waiters.remove(waiter);
        } finally {
            lock.unlock();
        }
    }

    /** Gives back a clean server (ReadyForQuery idle, nothing outstanding). */
    public void release(ServerConnection server) {
        boolean expired = server.isExpired(System.nanoTime(), settings.lifetime());
        Waiter next = null;
        lock.lock();
        try {
            if (!expired && !closed && server.isOpen()) {
                next = waiters.pollFirst();
                if (next != null) {
                    server.assignTo(next);
                } else {
                    server.assignTo(null);
                    server.markIdle();
                    idle.addFirst(server);
                }
            }
        } finally {
            lock.unlock();
        }
        if (next != null) {
            deliver(next, server);
        } else if (expired || closed) {
            server.assignTo(null);
            server.terminate();
        }
    }

    /** A newly opened server finished its login: it serves the first waiter or goes idle. */
    public void onServerReady(ServerConnection server) {
        if (welcomeParameters == null) {
            welcomeParameters = server.parameters().copy();
        }
        lock.lock();
        try {
            connecting--;
            lastLoginError = null;
        } finally {
            lock.unlock();
        }
        log.info("[{}] server s{} logged in to {} (pid {})", key, server.id(), settings.server(), server.processId());
        release(server);
    }

    /**
     * Opening a server failed (refused, timed out, or Postgres said no). Waiters are told only when
     * the pool has no server left that could serve them; new clients get the error straight away
     * until {@code server_login_retry} has passed.
     */
    public void onServerLoginFailed(ServerConnection server, ErrorResponse error) {
        List<Waiter> failed = new ArrayList<>();
        boolean connect = false;
        lock.lock();
        try {
            size--;
            connecting--;
            lastLoginError = error;
            retryAfterNanos = System.nanoTime() + settings.loginRetry().toNanos();
            if (size == 0) {
                failed.addAll(waiters);
                waiters.clear();
            } else {
                connect = reserveConnectIfNeeded();
            }
        } finally {
            lock.unlock();
        }
        log.warn("[{}] server login to {} failed: {}", key, settings.server(), error.message());
        for (Waiter waiter : failed) {
            fail(waiter, error);
        }
        if (connect) {
            openServer(null);
        }
    }

    /** A logged-in server's connection closed, for whatever reason; it leaves the pool. */
    public void onServerClosed(ServerConnection server) {
        boolean connect;
        lock.lock();
        try {
            idle.remove(server);
            size--;
            connect = reserveConnectIfNeeded();
        } finally {
            lock.unlock();
        }
        if (connect) {
            openServer(null);
        }
    }

    /** Closes idle servers past {@code server_idle_timeout} or {@code server_lifetime}. */
    public void closeExpiredIdle(long nowNanos) {
        List<ServerConnection> expired = new ArrayList<>();
        lock.lock();
        try {
            for (Iterator<ServerConnection> it = idle.iterator(); it.hasNext(); ) {
                ServerConnection server = it.next();
                if (server.isExpired(nowNanos, settings.lifetime())
                        || server.isIdleLongerThan(nowNanos, settings.idleTimeout())) {
                    it.remove();
                    expired.add(server);
                }
            }
        } finally {
            lock.unlock();
        }
        for (ServerConnection server : expired) {
            log.debug("[{}] closing idle server s{}", key, server.id());
            server.terminate();
        }
    }

    /** Stops serving: waiters are failed, idle servers closed; held servers close when released. */
    public void close() {
        List<Waiter> failed;
        List<ServerConnection> toClose;
        lock.lock();
        try {
            closed = true;
            failed = new ArrayList<>(waiters);
            waiters.clear();
            toClose = new ArrayList<>(idle);
            idle.clear();
        } finally {
            lock.unlock();
        }
        failed.forEach(waiter -> fail(waiter, closedError()));
        toClose.forEach(ServerConnection::terminate);
    }

    /** A consistent view of the pool's lists, for the admin console and metrics. */
    public PoolCounts counts() {
        lock.lock();
        try {
            return new PoolCounts(waiters.size(), idle.size(), size - idle.size() - connecting, connecting);
        } finally {
            lock.unlock();
        }
    }

    /** Called with the lock held. */
    private boolean reserveConnectIfNeeded() {
        if (closed || waiters.size() <= connecting || size >= settings.poolSize()) {
            return false;
        }
        size++;
        connecting++;
        return true;
    }

    /** Called with the lock held: an idle server on {@code loop} if there is one, else the most recent. */
    private ServerConnection takeIdle(EventExecutor loop) {
        if (idle.isEmpty()) {
            return null;
        }
        for (Iterator<ServerConnection> it = idle.iterator(); it.hasNext(); ) {
            ServerConnection server = it.next();
            if (server.eventLoop() == loop) {
                it.remove();
                return server;
            }
        }
        return idle.pollFirst();
    }

    private void openServer(EventExecutor preferredLoop) {
        connector.open(this, preferredLoop instanceof EventLoop loop ? loop : null);
    }

    private static void deliver(Waiter waiter, ServerConnection server) {
        waiter.executor().execute(() -> waiter.onServerAssigned(server));
    }

    private static void fail(Waiter waiter, ErrorResponse error) {
        waiter.executor().execute(() -> waiter.onAcquireFailed(error));
    }

    private ErrorResponse closedError() {
        return ErrorResponse.error(SqlState.ADMIN_SHUTDOWN, "pool " + key + " is closing");
    }
}
