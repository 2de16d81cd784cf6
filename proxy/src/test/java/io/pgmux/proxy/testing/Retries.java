package io.pgmux.proxy.testing;

import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/**
 * A call through pgmux repeated while pgmux reports a failure that passes: the wait after a failed
 * server login, during which every client is told the login error (see the README's
 * {@code server_login_retry}).
 *
 * <pre>
 * try (Connection c = Retries.whileFailingWith("08006", () -> pgmux.jdbc(USER))) { ... }
 * </pre>
 */
public final class Retries {
    private static final long LIMIT_SECONDS = 15;
    private static final long PAUSE_MILLIS = 50;

    /** A call that may fail as pgJDBC does. */
    public interface SqlCall<T> {
        T call() throws SQLException;
    }

    private Retries() {}

    /**
     * {@code call}'s result, calling again every 50 ms while it fails with {@code sqlState}; after 15 s,
     * or on any other failure, that failure.
     */
    public static <T> T whileFailingWith(String sqlState, SqlCall<T> call) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIMIT_SECONDS);
        while (true) {
            try {
                return call.call();
            } catch (SQLException e) {
                if (!sqlState.equals(e.getSQLState()) || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                Thread.sleep(PAUSE_MILLIS);
            }
        }
    }
}
