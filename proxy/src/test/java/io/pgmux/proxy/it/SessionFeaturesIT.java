package io.pgmux.proxy.it;

import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.PrometheusTextParser;
import io.pgmux.proxy.testing.PrometheusTextParser.Exposition;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session features under transaction pooling (issue 12): a client that takes one keeps its server
 * (is pinned) until it gives it back, so no other client sees its lock, temp table, cursor or
 * notification registration, and when it gives them back it returns to transaction pooling. With
 * {@code pool_size: 2} (so {@code max_pinned_servers} is 1), client A takes the first server;
 * without pinning, B would get that same server as soon as A's transaction ended.
 */
class SessionFeaturesIT {
    private static final String APP = "features_app";
    private static final String ADMIN = "features_admin";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String CONFIG = """
            pool_size: 2
            query_wait_timeout: 30s
            admin_users: [features_admin]
            """;

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .roles(APP)
            .sql("DROP TABLE IF EXISTS features_data; CREATE TABLE features_data (n int); INSERT INTO features_data VALUES (1), (2), (3);"
                    + " GRANT ALL ON features_data TO PUBLIC");

    @Test
    void aSessionAdvisoryLockStaysWithItsClientAcrossTransactionsUntilUnlocked() throws Exception {
        // B's try pins B too (a failed try counts until unlocked): both servers may be pinned
        Pgmux pgmux = fixture.start(CONFIG + "max_pinned_servers: 2\n");
        try (Connection a = pgmux.jdbc(APP); Connection b = pgmux.jdbc(APP); RawClient console = pgmux.console(ADMIN)) {
            // given: A holds a session advisory lock
            assertTrue(TestSql.booleanScalar(a, "SELECT pg_try_advisory_lock(42)"));
            int pid = TestSql.intScalar(a, "SELECT pg_backend_pid()");
            assertEquals("advisory_lock", pinnedBy(console, pid));
            // when: B tries it, and A runs more transactions
            assertFalse(TestSql.booleanScalar(b, "SELECT pg_try_advisory_lock(42)"), "B got A's lock");
            execute(b, "SELECT pg_advisory_unlock_all()");
            assertEquals(pid, TestSql.intScalar(a, "SELECT pg_backend_pid()"), "A kept its server");
            assertEquals(1, pgmux.counts(APP).activeServers(), "A keeps its server while idle");
            // then: once A unlocks, it is back to transaction pooling and B can lock
            assertTrue(TestSql.booleanScalar(a, "SELECT pg_advisory_unlock(42)"));
            pgmux.awaitNoServerHeld(APP);
            assertEquals("", pinnedBy(console, null));
            assertTrue(TestSql.booleanScalar(b, "SELECT pg_try_advisory_lock(42)"));
            execute(b, "SELECT pg_advisory_unlock_all()");
            pgmux.awaitNoServerHeld(APP);
        }
    }

    /** A lock call run once per row takes more locks than its text shows: the server's count decides. */
    @Test
    void locksTakenPerRowKeepTheClientPinnedUntilTheServerHoldsNone() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG);
        try (RawClient a = pgmux.raw(APP); Connection b = pgmux.jdbc(APP)) {
            TestSql.assertOk(a.query("SELECT pg_advisory_lock(n) FROM features_data")); // 3 locks, one call in the text
            TestSql.assertOk(a.query("SELECT pg_advisory_unlock(1)"));
            // then: pgmux asked the server, which holds 2 more for A (the answer comes before this query's)
            TestSql.assertOk(a.query("SELECT 1"));
            assertEquals(1, pgmux.pool(APP).pinnedServers().count(), "A is still pinned");
            assertEquals(1, pgmux.counts(APP).activeServers());
            assertEquals(0, TestSql.intScalar(b, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"));
            TestSql.assertOk(a.query("SELECT pg_advisory_unlock(2)"));
            TestSql.assertOk(a.query("SELECT pg_advisory_unlock(3)"));
            pgmux.awaitNoServerHeld(APP);
            assertEquals(0, TestSql.intDirect("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"));
        }
    }

    /**
     * pgJDBC names a statement (here from its first use) and then only binds it again: each Bind
     * runs the lock again, so it pins again, although no Parse comes.
     */
    @Test
    void aLockTakenAgainByANamedStatementBoundWithoutAParsePinsAgain() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG + "max_pinned_servers: 2\n");
        try (Connection a = pgmux.jdbc(APP, null, Map.of("prepareThreshold", "1"));
             Connection b = pgmux.jdbc(APP);
             PreparedStatement lock = a.prepareStatement("SELECT pg_try_advisory_lock(?)");
             PreparedStatement unlock = a.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            for (int round = 0; round < 3; round++) {
                lock.setInt(1, 45);
                assertTrue(booleanOf(lock), "round " + round);
                assertEquals(1, pgmux.counts(APP).activeServers(), "A is pinned in round " + round);
                assertFalse(TestSql.booleanScalar(b, "SELECT pg_try_advisory_lock(45)"), "B got A's lock in round " + round);
                execute(b, "SELECT pg_advisory_unlock_all()");
                unlock.setInt(1, 45);
                assertTrue(booleanOf(unlock));
                pgmux.awaitNoServerHeld(APP);
            }
        }
    }

    @Test
    void aTempTableIsSeenOnlyByItsClientAndGoesWithIt() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG);
        try (Connection a = pgmux.jdbc(APP); Connection b = pgmux.jdbc(APP); RawClient console = pgmux.console(ADMIN)) {
            execute(a, "CREATE TEMP TABLE features_tmp AS SELECT n FROM features_data");
            execute(a, "INSERT INTO features_tmp VALUES (4)");
            assertEquals(4, TestSql.intScalar(a, "SELECT count(*) FROM features_tmp"), "A keeps its table across transactions");
            assertEquals("42P01", sqlState(() -> TestSql.intScalar(b, "SELECT count(*) FROM features_tmp")), "B saw A's temp table");
            assertEquals("temp_table", pinnedBy(console, TestSql.intScalar(a, "SELECT pg_backend_pid()")));
            // when: A drops it, it goes back to transaction pooling
            execute(a, "DROP TABLE features_tmp");
            pgmux.awaitNoServerHeld(APP);
            // and a table A leaves behind when it disconnects is gone before another client gets the server
            execute(a, "CREATE TEMP TABLE features_left (n int)");
        }
        TestSql.awaitDirect("A's temp table dropped with its reset",
                "SELECT count(*) = 0 FROM pg_class WHERE relname = 'features_left'");
    }

    @Test
    void aCursorWithHoldIsReadOnlyByItsClient() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG);
        try (Connection a = pgmux.jdbc(APP); Connection b = pgmux.jdbc(APP)) {
            execute(a, "DECLARE features_c CURSOR WITH HOLD FOR SELECT n FROM features_data ORDER BY n");
            assertEquals(1, TestSql.intScalar(a, "FETCH 1 FROM features_c"));
            assertEquals("34000", sqlState(() -> TestSql.intScalar(b, "FETCH 1 FROM features_c")), "B read A's cursor");
            assertEquals(2, TestSql.intScalar(a, "FETCH 1 FROM features_c"), "A's cursor survives its transactions");
            execute(a, "CLOSE features_c");
            pgmux.awaitNoServerHeld(APP);
        }
    }

    @Test
    void aListeningClientGetsItsNotificationsWhileIdleAndNobodyElseDoes() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG);
        try (Connection a = pgmux.jdbc(APP); Connection b = pgmux.jdbc(APP); RawClient console = pgmux.console(ADMIN)) {
            execute(a, "LISTEN features_jobs");
            assertEquals("listen", pinnedBy(console, TestSql.intScalar(a, "SELECT pg_backend_pid()")));
            Exposition metrics = metrics(pgmux);
            assertEquals(Optional.of(1.0), metrics.value("pgmux_pool_pinned_servers", "user", APP));
            assertEquals(Optional.of(1.0), metrics.value("pgmux_pool_pins_total", "user", APP, "feature", "listen"));
            assertEquals(Optional.of(0.0), metrics.value("pgmux_pool_pins_total", "user", APP, "feature", "advisory_lock"));
            assertEquals("1", Console.show(console, "SHOW POOLS").one("user", APP).get("sv_pinned"));
            // when: B notifies through pgmux, and someone notifies directly on Postgres, while A waits idle
            execute(b, "NOTIFY features_jobs, 'from b'");
            TestPostgres.get().execute("NOTIFY features_jobs, 'direct'");
            // then: A gets both, and B, which does not listen, none
            List<String> got = payloads(a, 2);
            assertEquals(List.of("from b", "direct"), got);
            execute(b, "SELECT 1");
            PGNotification[] forB = b.unwrap(PGConnection.class).getNotifications(200);
            assertEquals(0, forB == null ? 0 : forB.length, "B got A's notifications");
            // when: A stops listening it is back to transaction pooling
            execute(a, "UNLISTEN *");
            pgmux.awaitNoServerHeld(APP);
            assertEquals("", pinnedBy(console, null));
            assertEquals(Optional.of(0.0), metrics(pgmux).value("pgmux_pool_pinned_servers", "user", APP));
        }
    }

    @Test
    void aPinnedClientThatLeavesHasItsServerResetBeforeAnyoneElseGetsIt() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG);
        try (Connection a = pgmux.jdbc(APP)) {
            assertTrue(TestSql.booleanScalar(a, "SELECT pg_try_advisory_lock(43)"));
            execute(a, "LISTEN features_left");
        }
        TestSql.awaitDirect("A's lock released by the reset", "SELECT count(*) = 0 FROM pg_locks WHERE locktype = 'advisory'");
        pgmux.awaitNoServerHeld(APP);
        assertEquals(0, pgmux.pool(APP).pinnedServers().count());
        try (Connection c = pgmux.jdbc(APP)) {
            assertTrue(TestSql.booleanScalar(c, "SELECT pg_try_advisory_lock(43)"));
            assertTrue(TestSql.booleanScalar(c, "SELECT pg_advisory_unlock(43)"));
            assertEquals(0, TestSql.intScalar(c, "SELECT count(*) FROM pg_listening_channels()"));
        }
    }

    @Test
    void beyondMaxPinnedServersAStatementThatWouldPinIsRefusedAndThePoolServesOthers() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG);
        try (Connection a = pgmux.jdbc(APP); RawClient c = pgmux.raw(APP)) {
            execute(a, "LISTEN features_a");
            // when: another client would pin the pool's second server (max_pinned_servers: half of 2)
            ErrorResponse error = TestSql.error(c.query("LISTEN features_c"));
            // then
            assertEquals("53300", error.sqlState());
            assertTrue(error.message().contains("max_pinned_servers (1)"), error.message());
            assertNotNull(error.hint());
            assertEquals("1", TestSql.value(c, "SELECT 1"), "the pool keeps serving the client");
            assertEquals(0, TestSql.intScalar(a, "SELECT 0"));
        }
    }

    @Test
    void aDatabaseMayAllowMorePinnedServersThanTheGlobalSetting() throws Exception {
        String server = "    host: " + TestPostgres.HOST + "\n    port: ${PG_PORT}\n    dbname: " + TestPostgres.DATABASE + "\n";
        Pgmux pgmux = fixture.start(CONFIG + "databases:\n  features_wide:\n" + server + "    max_pinned_servers: 2\n"
                + "  features_narrow:\n" + server);
        try (RawClient a = RawClient.connect(pgmux.host(), pgmux.port(), "features_wide", APP);
             RawClient b = RawClient.connect(pgmux.host(), pgmux.port(), "features_wide", APP);
             RawClient c = RawClient.connect(pgmux.host(), pgmux.port(), "features_narrow", APP);
             RawClient d = RawClient.connect(pgmux.host(), pgmux.port(), "features_narrow", APP)) {
            // when: two clients of each database pin a server (pool_size 2)
            TestSql.assertOk(a.query("LISTEN features_wide_a"));
            TestSql.assertOk(b.query("LISTEN features_wide_b"));
            TestSql.assertOk(c.query("LISTEN features_narrow_c"));
            ErrorResponse refused = TestSql.error(d.query("LISTEN features_narrow_d"));
            // then: the database's own setting (2) allows both, the global one (half of 2) only one
            assertEquals("53300", refused.sqlState());
            assertTrue(refused.message().contains("max_pinned_servers (1)"), refused.message());
            assertEquals(2, pgmux.pool("features_wide", APP).pinnedServers().count());
            for (RawClient client : List.of(a, b, c)) {
                TestSql.assertOk(client.query("UNLISTEN *"));
            }
        }
    }

    @Test
    void rejectRefusesEveryStatementThatTakesAFeatureBeforeItReachesPostgres() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG + "session_features: reject\n");
        try (RawClient c = pgmux.raw(APP); Connection j = pgmux.jdbc(APP)) {
            ErrorResponse error = TestSql.error(c.query("LISTEN features_jobs"));
            assertEquals("0A000", error.sqlState());
            assertEquals("LISTEN is not supported in transaction pooling mode: it would stay on a server connection that "
                    + "other clients use next", error.message());
            assertEquals("Set session_features: pin to keep the client's server while it holds it, or use pool_mode: "
                    + "session for this database.", error.hint());
            assertEquals("0A000", sqlState(() -> TestSql.booleanScalar(j, "SELECT pg_advisory_lock(44) IS NULL")),
                    "refused in the extended protocol too");
            assertEquals("0A000", sqlState(() -> execute(j, "CREATE TEMP TABLE features_r (n int)")));
            assertEquals(0, TestSql.intDirect("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"));
            assertEquals("1", TestSql.value(c, "SELECT 1"));
            TestSql.assertOk(c.query("UNLISTEN *"));
            pgmux.awaitNoServerHeld(APP);
        }
    }

    @Test
    void aReloadChangesThePolicyAndTheBoundForTheNextStatement() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG);
        try (RawClient c = pgmux.raw(APP); RawClient d = pgmux.raw(APP); RawClient console = pgmux.console(ADMIN)) {
            TestSql.assertOk(c.query("LISTEN features_reload"));
            assertEquals("53300", TestSql.error(d.query("LISTEN features_reload")).sqlState());
            // when: the file allows two pinned servers
            pgmux.rewriteConfig(CONFIG + "max_pinned_servers: 2\n");
            assertEquals("RELOAD", Console.show(console, "RELOAD").tag());
            // then: the next statement may pin
            TestSql.assertOk(d.query("LISTEN features_reload"));
            TestSql.assertOk(d.query("UNLISTEN *"));
            // when: the file says reject, the running pins stay and new ones are refused
            pgmux.rewriteConfig(CONFIG + "session_features: reject\n");
            assertEquals("RELOAD", Console.show(console, "RELOAD").tag());
            assertEquals("0A000", TestSql.error(d.query("LISTEN features_reload")).sqlState());
            TestSql.await("only C, pinned, holds a server", () -> pgmux.counts(APP).activeServers() == 1);
            TestSql.assertOk(c.query("UNLISTEN *"));
            pgmux.awaitNoServerHeld(APP);
        }
    }

    /** Real tools: psycopg running Alembic's lock pattern twice, and a LISTEN/NOTIFY consumer with notifies(). */
    @Test
    void aMigrationToolsLockPatternAndAPsycopgConsumerWorkThroughPgmux() throws Exception {
        ExternalClient.requirePythonModule("psycopg", "python3-psycopg");
        TestPostgres.get().execute("DROP TABLE IF EXISTS features_migrated");
        Pgmux pgmux = fixture.start(CONFIG);
        ExternalClient.Result result = ExternalClient.run(60, ExternalClient.PYTHON, ExternalClient.script("psycopg_session_features.py"),
                pgmux.host(), Integer.toString(pgmux.port()), APP, TestPostgres.DATABASE).orFail("psycopg");
        assertTrue(result.output().startsWith("ok migration and consumer"), result.output());
        assertEquals(2, TestSql.intDirect("SELECT count(*) FROM features_migrated"));
        pgmux.awaitNoServerHeld(APP);
        assertEquals(0, pgmux.pool(APP).pinnedServers().count());
        TestPostgres.get().execute("DROP TABLE IF EXISTS features_migrated");
    }

    /** asyncpg's add_listener: LISTEN, notifications while idle, remove_listener's UNLISTEN gives the server back. */
    @Test
    void anAsyncpgListenerGetsItsNotificationsThroughPgmux() throws Exception {
        ExternalClient.requirePythonModule("asyncpg", "python3-asyncpg");
        Pgmux pgmux = fixture.start(CONFIG);
        ExternalClient.Result result = ExternalClient.run(60, ExternalClient.PYTHON, ExternalClient.script("asyncpg_listener.py"),
                pgmux.host(), Integer.toString(pgmux.port()), APP, TestPostgres.DATABASE).orFail("asyncpg");
        assertTrue(result.output().startsWith("ok listener"), result.output());
        pgmux.awaitNoServerHeld(APP);
        assertEquals(0, pgmux.pool(APP).pinnedServers().count());
    }

    // ---------------------------------------------------------------- helpers

    private interface Sql {
        void run() throws SQLException;
    }

    private static String sqlState(Sql sql) {
        return assertThrows(PSQLException.class, sql::run).getSQLState();
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static boolean booleanOf(PreparedStatement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery()) {
            assertTrue(rs.next());
            return rs.getBoolean(1);
        }
    }

    private static Exposition metrics(Pgmux pgmux) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + pgmux.http() + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build();
        return PrometheusTextParser.parse(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    /** The payloads of the next {@code count} notifications; fails after 10 s without one. */
    private static List<String> payloads(Connection connection, int count) throws SQLException {
        List<String> payloads = new ArrayList<>();
        while (payloads.size() < count) {
            PGNotification[] got = connection.unwrap(PGConnection.class).getNotifications(10_000);
            assertTrue(got != null && got.length > 0, "no notification within 10 s; got " + payloads);
            for (PGNotification notification : got) {
                payloads.add(notification.getParameter());
            }
        }
        return payloads;
    }

    /**
     * SHOW CLIENTS' {@code pinned} of the client whose server has backend {@code pid}, or with
     * null, of all clients of the test's user joined (all "" when none is pinned).
     */
    private static String pinnedBy(RawClient console, Integer pid) throws Exception {
        Console.Result clients = Console.show(console, "SHOW CLIENTS");
        if (pid == null) {
            return String.join("", clients.where("user", APP).stream().map(row -> row.get("pinned")).toList());
        }
        Console.Result servers = Console.show(console, "SHOW SERVERS");
        String link = servers.one("remote_pid", Integer.toString(pid)).get("link");
        Map<String, String> client = clients.one("ptr", link);
        return client.get("pinned");
    }
}
