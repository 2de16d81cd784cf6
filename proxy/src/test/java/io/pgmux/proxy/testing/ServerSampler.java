package io.pgmux.proxy.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts pgmux's server connections in pg_stat_activity ({@link Pgmux#serverConnections}) every few
 * milliseconds, on its own thread and one direct connection, from construction until {@link #max()}
 * or {@link #close()}, and keeps the largest count seen.
 *
 * <pre>
 * try (ServerSampler sampler = new ServerSampler(database, user)) {
 *     ... load ...
 *     assertTrue(sampler.max() &lt;= poolSize);
 * }
 * </pre>
 */
public final class ServerSampler implements AutoCloseable {
    private static final long INTERVAL_MILLIS = 10;

    private final String database;
    private final String user;
    private final AtomicInteger max = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile SQLException failure;

    public ServerSampler(String database, String user) {
        this.database = database;
        this.user = user;
        this.thread = new Thread(this::sample, "server-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void sample() {
        try (Connection direct = TestPostgres.get().connect(TestPostgres.DATABASE, TestPostgres.SUPERUSER, null)) {
            while (running.get()) {
                max.accumulateAndGet(Pgmux.serverConnections(direct, database, user), Math::max);
                Thread.sleep(INTERVAL_MILLIS);
            }
        } catch (SQLException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops sampling and returns the most server connections seen at once. */
    public int max() throws InterruptedException {
        close();
        if (failure != null) {
            throw new IllegalStateException("sampling pg_stat_activity failed", failure);
        }
        return max.get();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join();
    }
}
