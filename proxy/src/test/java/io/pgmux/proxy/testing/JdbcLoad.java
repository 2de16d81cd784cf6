package io.pgmux.proxy.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * pgJDBC clients on threads of their own, each running a short query through pgmux in a loop (it
 * holds a server about 20 ms), logging in again when its session is lost, and noting the time of
 * its last success and every failure: the load of a fault drill.
 *
 * <pre>
 * try (JdbcLoad load = JdbcLoad.start(pgmux, USER, 8)) {
 *     load.awaitEveryClientServedAfter(System.nanoTime());
 *     ... the fault ...
 *     load.stop();
 *     load.failures() ...
 * }
 * </pre>
 */
public final class JdbcLoad implements AutoCloseable {
    private static final long STOP_SECONDS = 40;
    private static final long PAUSE_AFTER_FAILURE_MILLIS = 20;

    /** A query or login that failed: when, and what pgJDBC said. */
    public record Failure(long atNanos, String sqlState, String message) {}

    private final Pgmux pgmux;
    private final String user;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong[] lastSuccess;
    private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
    private volatile boolean stopping;

    private JdbcLoad(Pgmux pgmux, String user, int clients) {
        this.pgmux = pgmux;
        this.user = user;
        this.lastSuccess = new AtomicLong[clients];
        for (int i = 0; i < clients; i++) {
            lastSuccess[i] = new AtomicLong(Long.MIN_VALUE);
            int index = i;
            Thread thread = new Thread(() -> run(index), "jdbc-load-" + i);
            thread.setDaemon(true);
            threads.add(thread);
        }
    }

    /** Starts {@code clients} clients of pgmux as {@code user} on the test database. */
    public static JdbcLoad start(Pgmux pgmux, String user, int clients) {
        JdbcLoad load = new JdbcLoad(pgmux, user, clients);
        load.threads.forEach(Thread::start);
        return load;
    }

    private void run(int index) {
        Connection connection = null;
        while (!stopping) {
            try {
                if (connection == null || connection.isClosed()) {
                    connection = pgmux.jdbc(user);
                }
                TestSql.intScalar(connection, "SELECT 1 FROM pg_sleep(0.02)");
                lastSuccess[index].set(System.nanoTime());
            } catch (SQLException e) {
                failures.add(new Failure(System.nanoTime(), e.getSQLState(), String.valueOf(e.getMessage())));
                sleep(PAUSE_AFTER_FAILURE_MILLIS);
            }
        }
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // the session is gone already
        }
    }

    /**
     * Waits until every client has had a success after {@code sinceNanos} (for up to 20 s, else the
     * test fails, saying the failures so far); returns the time of the last of those successes.
     */
    public long awaitEveryClientServedAfter(long sinceNanos) {
        TestSql.await(() -> "every client served; failures so far: " + failureCounts(), () -> {
            for (AtomicLong last : lastSuccess) {
                if (last.get() == Long.MIN_VALUE || last.get() - sinceNanos < 0) {
                    return false;
                }
            }
            return true;
        });
        long latest = sinceNanos;
        for (AtomicLong last : lastSuccess) {
            latest = Math.max(latest, last.get());
        }
        return latest;
    }

    /** The failures so far, oldest first. */
    public List<Failure> failures() {
        return List.copyOf(failures);
    }

    /** The failures by SQLSTATE and the start of their message, for a report line. */
    public String failureCounts() {
        Map<String, Long> counts = new TreeMap<>();
        for (Failure failure : failures) {
            String message = failure.message();
            counts.merge(failure.sqlState() + " " + message.substring(0, Math.min(48, message.length())), 1L, Long::sum);
        }
        return counts.toString();
    }

    /** Ends every client's loop and waits for it (failing the test if one does not end within 40 s). */
    public void stop() throws InterruptedException {
        stopping = true;
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(STOP_SECONDS));
            if (thread.isAlive()) {
                fail(thread.getName() + " did not stop within " + STOP_SECONDS + " s");
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (!stopping) {
            stop();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
