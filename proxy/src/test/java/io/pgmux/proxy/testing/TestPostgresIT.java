package io.pgmux.proxy.testing;

import static io.pgmux.proxy.testing.TestPostgres.CLEARTEXT_PASSWORD;
import static io.pgmux.proxy.testing.TestPostgres.CLEARTEXT_USER;
import static io.pgmux.proxy.testing.TestPostgres.DATABASE;
import static io.pgmux.proxy.testing.TestPostgres.MD5_PASSWORD;
import static io.pgmux.proxy.testing.TestPostgres.MD5_ROLES;
import static io.pgmux.proxy.testing.TestPostgres.MD5_USER;
import static io.pgmux.proxy.testing.TestPostgres.SCRAM_PASSWORD;
import static io.pgmux.proxy.testing.TestPostgres.SCRAM_ROLES;
import static io.pgmux.proxy.testing.TestPostgres.SCRAM_USER;
import static io.pgmux.proxy.testing.TestPostgres.SUPERUSER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TestPostgresIT {

    private final TestPostgres pg = TestPostgres.get();

    static Stream<Arguments> passwordUsers() {
        return Stream.of(
                Arguments.of(MD5_USER, MD5_PASSWORD),
                Arguments.of(SCRAM_USER, SCRAM_PASSWORD),
                Arguments.of(CLEARTEXT_USER, CLEARTEXT_PASSWORD));
    }

    @AfterEach
    void leaveTheServerRunning() {
        if (!pg.isRunning()) {
            pg.start();
        }
    }

    @ParameterizedTest
    @MethodSource("passwordUsers")
    void aPasswordUserLogsInOverTcpWithItsPassword(String user, String password) throws SQLException {
        try (Connection c = pg.connect(DATABASE, user, password)) {
            assertEquals(user, TestSql.scalar(c, "SELECT current_user"));
            assertEquals("127.0.0.1/32", TestSql.scalar(c, "SELECT inet_client_addr()::text"));
        }
    }

    @ParameterizedTest
    @MethodSource("passwordUsers")
    void aWrongPasswordIsRefusedWithInvalidPassword(String user, String password) {
        SQLException e = assertThrows(SQLException.class, () -> pg.connect(DATABASE, user, password + "-wrong"));

        assertEquals("28P01", e.getSQLState(), e::getMessage);
        assertTrue(waitForLog("password authentication failed for user \"" + user + "\""), () -> pg.logTail(20));
    }

    @Test
    void eachPasswordUserAndGroupIsAskedForItsOwnMethodAndEveryoneElseIsTrusted() throws SQLException {
        Map<String, String> methodByUser = new HashMap<>();
        try (Connection c = pg.connect(DATABASE, SUPERUSER, null);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT array_to_string(user_name, ','), auth_method"
                        + " FROM pg_hba_file_rules WHERE type = 'host' AND address = '127.0.0.1'"
                        + " AND error IS NULL")) {
            while (rs.next()) {
                methodByUser.put(rs.getString(1), rs.getString(2));
            }
        }

        assertEquals(Map.of(
                MD5_USER, "md5",
                SCRAM_USER, "scram-sha-256",
                CLEARTEXT_USER, "password",
                "+" + SCRAM_ROLES, "scram-sha-256",
                "+" + MD5_ROLES, "md5",
                "all", "trust"), methodByUser);
    }

    @Test
    void secretsAreStoredAsMd5ForTheMd5UserAndAsScramForTheOthers() throws SQLException {
        try (Connection c = pg.connect(DATABASE, SUPERUSER, null)) {
            String md5Secret = secretOf(c, MD5_USER);
            assertTrue(md5Secret.matches("md5[0-9a-f]{32}"), md5Secret);
            assertTrue(secretOf(c, SCRAM_USER).startsWith("SCRAM-SHA-256$"));
            assertTrue(secretOf(c, CLEARTEXT_USER).startsWith("SCRAM-SHA-256$"));
            assertEquals(DATABASE, TestSql.scalar(c, "SELECT current_database()"));
            assertEquals("on", TestSql.scalar(c, "SELECT current_setting('is_superuser')"));
        }
    }

    @Test
    void restartDropsSessionsAndServesNewOnesOnTheSamePort() throws SQLException {
        // given a session and the server's start time
        int port = pg.port();
        Timestamp startedBefore;
        try (Connection before = pg.connect(DATABASE, SCRAM_USER, SCRAM_PASSWORD)) {
            startedBefore = TestSql.timestampScalar(before, "SELECT pg_postmaster_start_time()");

            // when the server restarts
            pg.restart();

            // then the old session is gone and a new one is served by the new server, same port
            assertThrows(SQLException.class, () -> TestSql.scalar(before, "SELECT 1"));
        }
        assertEquals(port, pg.port());
        assertTrue(pg.isRunning());
        try (Connection after = pg.connect(DATABASE, SCRAM_USER, SCRAM_PASSWORD)) {
            Timestamp startedAfter = TestSql.timestampScalar(after, "SELECT pg_postmaster_start_time()");
            assertTrue(startedAfter.after(startedBefore), startedBefore + " then " + startedAfter);
        }
    }

    @Test
    void aStoppedServerRefusesConnectionsUntilStarted() throws SQLException {
        pg.stop();

        assertFalse(pg.isRunning());
        SQLException refused = assertThrows(SQLException.class, () -> pg.connect(DATABASE, SUPERUSER, null));
        assertEquals("08001", refused.getSQLState(), refused::getMessage);

        pg.start();

        assertTrue(pg.isRunning());
        try (Connection c = pg.connect(DATABASE, MD5_USER, MD5_PASSWORD)) {
            assertEquals("1", TestSql.scalar(c, "SELECT 1"));
        }
    }

    @Test
    void executeRunsAsTheSuperuserOnTheTestDatabase() throws SQLException {
        pg.execute("DROP TABLE IF EXISTS test_postgres_it; CREATE TABLE test_postgres_it (v int);"
                + " INSERT INTO test_postgres_it VALUES (42)");

        try (Connection c = pg.connect(DATABASE, CLEARTEXT_USER, CLEARTEXT_PASSWORD)) {
            assertEquals(SUPERUSER, TestSql.scalar(c,
                    "SELECT tableowner FROM pg_tables WHERE tablename = 'test_postgres_it'"));
        }
        pg.execute("DROP TABLE test_postgres_it");
    }

    @Test
    void theClientToolsInBinDirReachTheServer() throws Exception {
        assertTrue(Files.isExecutable(pg.binDir().resolve("pgbench")), "pgbench in " + pg.binDir());

        Process psql = new ProcessBuilder(pg.binDir().resolve("psql").toString(),
                "-h", pg.host(), "-p", Integer.toString(pg.port()), "-U", SUPERUSER, "-d", DATABASE,
                "-X", "-tA", "-c", "SELECT 6 * 7")
                .redirectErrorStream(true)
                .start();
        String output = new String(psql.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();

        assertTrue(psql.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, psql.exitValue(), output);
        assertEquals("42", output);
    }

    private boolean waitForLog(String text) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!pg.logTail(200).contains(text)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private static String secretOf(Connection c, String role) throws SQLException {
        return TestSql.scalar(c, "SELECT rolpassword FROM pg_authid WHERE rolname = '" + role + "'");
    }
}
