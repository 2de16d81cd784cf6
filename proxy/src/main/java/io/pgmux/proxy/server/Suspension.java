package io.pgmux.proxy.server;

import io.pgmux.proxy.client.ClientSession;
import io.pgmux.proxy.client.SessionRegistry;
import io.pgmux.proxy.net.UnsentBytes;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.pool.PoolRegistry;
import io.pgmux.proxy.pool.ServerState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The admin console's SUSPEND and the RESUME that ends it. PgBouncer suspends for an online restart
 * (its sockets are handed to a new process); pgmux has no such hand-over, so SUSPEND keeps its
 * useful part: every client in a pool stops being read, what was already written to clients and
 * servers is sent, and the command returns when nothing is left unsent. Servers are still read, so
 * answers to what clients had sent reach them; with no client read, the servers go quiet. Clients
 * that log in meanwhile are paused at their welcome; the admin console goes on (an operator can
 * always connect to RESUME). A client whose unsent data does not drain within
 * {@link #FLUSH_TIMEOUT} (PgBouncer's default {@code suspend_timeout}) is closed, as PgBouncer
 * drops it.
 */
final class Suspension {
    private static final Logger log = LoggerFactory.getLogger(Suspension.class);
    static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(10);
    private static final long CHECK_MILLIS = 20;

    private final SessionRegistry sessions;
    private final PoolRegistry pools;
    private final ScheduledExecutorService background;
    private volatile boolean suspended;

    Suspension(SessionRegistry sessions, PoolRegistry pools, ScheduledExecutorService background) {
        this.sessions = sessions;
        this.pools = pools;
        this.background = background;
    }

    boolean isSuspended() {
        return suspended;
    }

    /** Stops reading clients; completes when every buffer is flushed (false if already suspended). */
    synchronized CompletableFuture<Void> suspend() {
        if (suspended) {
            return CompletableFuture.failedFuture(new IllegalStateException("already suspended"));
        }
        suspended = true;
        CompletableFuture<Void> flushed = new CompletableFuture<>();
        // every client has stopped being read before the buffers are looked at
        forEachSession(ClientSession::suspendReading).whenComplete((ignored, error) -> waitForFlush(flushed));
        return flushed;
    }

    private void waitForFlush(CompletableFuture<Void> flushed) {
        long deadline = System.nanoTime() + FLUSH_TIMEOUT.toNanos();
        ScheduledFuture<?>[] check = new ScheduledFuture<?>[1];
        check[0] = background.scheduleWithFixedDelay(() -> {
            if (flushed.isDone()) {
                return;
            }
            if (!suspended) {
                flushed.completeExceptionally(new IllegalStateException("RESUME came before the buffers were flushed"));
            } else if (nothingUnsent()) {
                flushed.complete(null);
            } else if (System.nanoTime() - deadline > 0) {
                closeClientsWithUnsentData();
                flushed.complete(null);
            }
            if (flushed.isDone() && check[0] != null) {
                check[0].cancel(false);
            }
        }, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** RESUME: clients are read again; false if pgmux was not suspended. */
    synchronized boolean resume() {
        if (!suspended) {
            return false;
        }
        suspended = false;
        forEachSession(ClientSession::resumeReading);
        return true;
    }

    private boolean nothingUnsent() {
        for (ClientSession session : sessions.all()) {
            if (session.pool() != null && session.unsentBytes() > 0) {
                return false;
            }
        }
        for (Pool pool : pools.all()) {
            for (ServerState server : pool.servers()) {
                if (UnsentBytes.of(server.server().channel()) > 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private void closeClientsWithUnsentData() {
        for (ClientSession session : sessions.all()) {
            if (session.pool() != null && session.unsentBytes() > 0) {
                log.warn("c{} closed: {} bytes not sent to the client within {}s of SUSPEND", session.id(),
                        session.unsentBytes(), FLUSH_TIMEOUT.toSeconds());
                session.forceClose();
            }
        }
    }

    /** Runs {@code action} on each session's loop; completes when every one has run. */
    private CompletableFuture<Void> forEachSession(Consumer<ClientSession> action) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (ClientSession session : sessions.all()) {
            try {
                done.add(CompletableFuture.runAsync(() -> action.accept(session), session.executor()));
            } catch (RejectedExecutionException stopping) {
                // its loop is shutting down: the session is going away
            }
        }
        return CompletableFuture.allOf(done.toArray(CompletableFuture[]::new));
    }
}
