package io.pgmux.proxy.it;

import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.ServerSampler;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-user settings, as PgBouncer's {@code [users]} section: a user's own {@code pool_size} and
 * {@code pool_mode} win over the global ones for its pools, and its own timeouts apply to its
 * clients only. Each checked against what Postgres sees (pg_stat_activity, backend pids, errors).
 */
class PerUserSettingsIT {
    private static final String SMALL = "pu_small";
    private static final String SESSION = "pu_session";
    private static final String TIMED = "pu_timed";
    private static final String OTHER = "pu_other";
    private static final String ADMIN = "pu_admin";
    private static final String LONG = "pu_long";
    private static final String RESERVE = "pu_reserve";

    private static final String CONFIG = """
            pool_size: 10
            pool_mode: transaction
            query_wait_timeout: 60s
            admin_users: [pu_admin]
            users:
              pu_small: {pool_size: %d}
              pu_session: {pool_mode: session}
              pu_timed: {query_timeout: 1s, transaction_timeout: 2s}
              pu_long: {transaction_timeout: 1s}
              pu_reserve: {pool_size: 1, reserve_pool_size: 2}
            reserve_pool_timeout: 1s
            """;

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().roles(SMALL, SESSION, TIMED, OTHER, ADMIN, LONG,
            RESERVE);

    @Test
    void aUserWithPoolSize2NeverHasMoreThan2ServersWhile6ClientsRunWhileAnotherUserGetsTheGlobalSize() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG.formatted(2));
        try (ServerSampler small = new ServerSampler(TestPostgres.DATABASE, SMALL);
             ServerSampler other = new ServerSampler(TestPostgres.DATABASE, OTHER)) {
            // when 6 clients of each user run a slow query at once, three times
            runAtOnce(pgmux, SMALL, 6);
            runAtOnce(pgmux, OTHER, 6);

            // then Postgres saw exactly 2 servers of pu_small (its own pool_size), and more of pu_other (the global 10)
            assertEquals(2, small.max());
            int otherMax = other.max();
            assertTrue(otherMax > 2 && otherMax <= 6, () -> "pu_other had " + otherMax + " servers at once");
        }
    }

    @Test
    void aUserWithPoolModeSessionKeepsItsServerBetweenTransactionsWhileTheGlobalModeIsTransaction() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG.formatted(2));
        try (Connection first = pgmux.jdbc(SESSION); Connection second = pgmux.jdbc(SESSION)) {
            // given a session-mode client that ran a statement and is now idle
            int pid = TestSql.intScalar(first, "SELECT pg_backend_pid()");

            // when another client of the same user runs, and the first one runs again
            int otherPid = TestSql.intScalar(second, "SELECT pg_backend_pid()");
            int pidAgain = TestSql.intScalar(first, "SELECT pg_backend_pid()");

            // then the first kept its server all along: the second got another, and pgmux counts both held while idle
            assertEquals(pid, pidAgain);
            assertNotEquals(pid, otherPid);
            assertEquals(2, pgmux.counts(SESSION).activeServers(), () -> pgmux.counts(SESSION).toString());
        }
        try (Connection a = pgmux.jdbc(OTHER)) {
            // a user without its own mode is in the global transaction mode: idle, it holds no server
            TestSql.intScalar(a, "SELECT pg_backend_pid()");
            pgmux.awaitNoServerHeld(OTHER);
        }
    }

    @Test
    void aUsersQueryTimeoutCancelsItsLongQueryButNotAnotherUsers() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG.formatted(2));
        try (Connection timed = pgmux.jdbc(TIMED); Connection other = pgmux.jdbc(OTHER)) {
            // when both run a 3 s query at once
            long start = System.nanoTime();
            CompletableFuture<Integer> timedQuery = TestSql.intScalarLater(timed, "SELECT 1 FROM pg_sleep(3)");
            CompletableFuture<Integer> otherQuery = TestSql.intScalarLater(other, "SELECT 2 FROM pg_sleep(3)");

            // then pu_timed's is cancelled by Postgres (57014) after its query_timeout of 1 s, and pu_other's completes
            Throwable cancelled = waitForFailure(timedQuery);
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(cancelled.getMessage().startsWith(SqlState.QUERY_CANCELED), cancelled::getMessage);
            assertTrue(seconds >= 0.9 && seconds < 2.9, () -> "cancelled after " + seconds + " s");
            assertEquals(2, otherQuery.get(10, TimeUnit.SECONDS));
            // and pu_timed's session goes on
            assertEquals(1, TestSql.intScalar(timed, "SELECT 1"));
        }
    }

    @Test
    void aUsersTransactionTimeoutEndsItsLongTransactionButNotAnotherUsers() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG.formatted(2));
        try (RawClient timed = pgmux.raw(TIMED); RawClient other = pgmux.raw(OTHER)) {
            // given both open a transaction
            TestSql.assertOk(timed.query("BEGIN"));
            TestSql.assertOk(other.query("BEGIN"));
            int timedPid = Integer.parseInt(TestSql.value(timed, "SELECT pg_backend_pid()"));

            // when both stay in it longer than pu_timed's transaction_timeout of 2 s (each statement quick)
            Thread.sleep(2600);

            // then pu_timed was told 25P04 and disconnected, its server rolled back and kept; pu_other goes on and commits
            ErrorResponse error = TestSql.nextError(timed);
            assertEquals(SqlState.TRANSACTION_TIMEOUT, error.sqlState(), error::toString);
            assertTrue(error.message().contains("transaction_timeout (2s)"), error::message);
            assertEquals("1", TestSql.value(other, "SELECT 1"));
            TestSql.assertOk(other.query("COMMIT"));
            TestSql.await("pu_timed's server rolled back and idle",
                    () -> TestSql.intDirect("SELECT count(*) FROM pg_stat_activity WHERE pid = " + timedPid
                            + " AND state = 'idle'") == 1);
        }
    }

    @Test
    void aStatementStillRunningAtTheUsersTransactionTimeoutCostsItsServerAndClient() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG.formatted(2));
        try (RawClient timed = pgmux.raw(LONG)) {
            int pid = Integer.parseInt(TestSql.value(timed, "SELECT pg_backend_pid()"));

            // when one statement runs past pu_long's transaction_timeout of 1 s
            long start = System.nanoTime();
            timed.send(new Query("SELECT pg_sleep(10)")).flush();
            ErrorResponse error = TestSql.nextError(timed);
            double seconds = (System.nanoTime() - start) / 1e9;

            // then the client gets 25P04 about a second later, and the busy server is cancelled and closed
            assertEquals(SqlState.TRANSACTION_TIMEOUT, error.sqlState(), error::toString);
            assertTrue(seconds >= 0.9 && seconds < 5, () -> "ended after " + seconds + " s");
            TestSql.awaitBackendGone("pu_long's busy server closed", pid);
        }
    }

    @Test
    void aUsersReserveOpensItsServersBeyondItsPoolSizeAfterReservePoolTimeout() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG.formatted(2));
        List<Connection> connections = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                connections.add(pgmux.jdbc(RESERVE));
            }
            // when 4 clients of pu_reserve (pool_size 1, reserve_pool_size 2) each run a 4 s query
            List<CompletableFuture<Integer>> queries = new ArrayList<>();
            for (Connection c : connections) {
                queries.add(TestSql.intScalarLater(c, "SELECT 1 FROM pg_sleep(4)"));
            }

            // then one server runs at first, and once the others waited reserve_pool_timeout (1 s) the reserve's 2 more
            TestSql.await("pu_reserve's one server", () -> serverConnections(RESERVE) == 1);
            TestSql.await("the reserve's servers open", () -> serverConnections(RESERVE) == 3);
            Thread.sleep(500);
            assertEquals(3, Pgmux.serverConnections(TestPostgres.DATABASE, RESERVE), "never more than pool_size + reserve");
            for (CompletableFuture<Integer> q : queries) {
                assertEquals(1, q.get(30, TimeUnit.SECONDS));
            }
        } finally {
            for (Connection c : connections) {
                c.close();
            }
        }
    }

    private static int serverConnections(String user) {
        try {
            return Pgmux.serverConnections(TestPostgres.DATABASE, user);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void showUsersShowsAUsersOwnSettingsAndAReloadChangesThem() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG.formatted(2));
        try (RawClient console = pgmux.console(ADMIN); Connection small = pgmux.jdbc(SMALL)) {
            TestSql.intScalar(small, "SELECT 1");
            Map<String, String> row = Console.show(console, "SHOW USERS").one("name", SMALL);
            assertEquals("2", row.get("pool_size"));
            assertNull(row.get("reserve_pool_size"));
            assertNull(row.get("pool_mode"));
            assertEquals("session", Console.show(console, "SHOW USERS").one("name", SESSION).get("pool_mode"));
            assertNull(Console.show(console, "SHOW USERS").one("name", TIMED).get("pool_size"));

            // when the file gives pu_small pool_size 3, and RELOAD
            pgmux.rewriteConfig(CONFIG.formatted(3));
            Console.Result reload = Console.show(console, "RELOAD");

            // then its running pool has 3, and SHOW USERS says so
            assertNull(reload.error());
            assertEquals(3, pgmux.pool(SMALL).settings().poolSize());
            assertEquals("3", Console.show(console, "SHOW USERS").one("name", SMALL).get("pool_size"));
        }
    }

    private static void runAtOnce(Pgmux pgmux, String user, int clients) throws Exception {
        List<Connection> connections = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                connections.add(pgmux.jdbc(user));
            }
            for (int round = 0; round < 3; round++) {
                List<CompletableFuture<Integer>> queries = new ArrayList<>();
                for (Connection c : connections) {
                    queries.add(TestSql.intScalarLater(c, "SELECT 1 FROM pg_sleep(0.3)"));
                }
                for (CompletableFuture<Integer> q : queries) {
                    assertEquals(1, q.get(30, TimeUnit.SECONDS));
                }
            }
        } finally {
            for (Connection c : connections) {
                c.close();
            }
        }
    }

    private static Throwable waitForFailure(CompletableFuture<Integer> query) throws Exception {
        try {
            Integer value = query.get(10, TimeUnit.SECONDS);
            throw new AssertionError("the query was not cancelled: it returned " + value);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
    }
}
