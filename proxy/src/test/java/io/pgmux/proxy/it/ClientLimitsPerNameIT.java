package io.pgmux.proxy.it;

import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code max_db_client_connections} and {@code max_user_client_connections}, with PgBouncer's names
 * and meanings: clients logged in to one database, or as one user, at once (global, and per
 * database or per user); one more is refused with 53300 naming the limit, and gets in once one leaves.
 */
class ClientLimitsPerNameIT {
    private static final String ALICE = "cl_alice";
    private static final String BOB = "cl_bob";
    private static final String SMALL_DB = "cl_small";
    private static final String OTHER_DB = "cl_other";
    private static final String ADMIN = "cl_admin";
    private static final String STATS = "cl_stats";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().roles(ALICE, BOB, STATS);

    private static String databases() {
        return "databases:\n" + TestPostgres.databaseEntry(SMALL_DB, "max_db_client_connections: 1")
                + TestPostgres.databaseEntry(OTHER_DB);
    }

    @Test
    void aDatabaseTakesAsManyClientsAsItsLimitThenRefusesWith53300() throws Exception {
        try (Pgmux pgmux = Pgmux.start("max_db_client_connections: 2\n" + databases())) {
            try (Connection first = pgmux.jdbcTo(OTHER_DB, ALICE); Connection second = pgmux.jdbcTo(OTHER_DB, BOB)) {
                // the global limit: a third client of cl_other is refused
                assertRefused(() -> pgmux.jdbcTo(OTHER_DB, ALICE), "max_db_client_connections", OTHER_DB);
                // cl_small's own limit of 1 applies to it, apart from cl_other's clients
                try (Connection small = pgmux.jdbcTo(SMALL_DB, ALICE)) {
                    assertEquals("1", TestSql.scalar(small, "SELECT 1"));
                    assertRefused(() -> pgmux.jdbcTo(SMALL_DB, BOB), "max_db_client_connections", SMALL_DB);
                }
                assertEquals("1", TestSql.scalar(first, "SELECT 1"));
            }
            // once they left (pgmux has seen them go), clients get in again
            TestSql.await("the clients are gone", () -> pgmux.server().sessions().connectedCount() == 0);
            try (Connection again = pgmux.jdbcTo(OTHER_DB, ALICE); Connection small = pgmux.jdbcTo(SMALL_DB, BOB)) {
                assertEquals("1", TestSql.scalar(again, "SELECT 1"));
                assertEquals("1", TestSql.scalar(small, "SELECT 1"));
            }
        }
    }

    @Test
    void aUserTakesAsManyClientsAsItsLimitOverAllDatabases() throws Exception {
        try (Pgmux pgmux = Pgmux.start("max_user_client_connections: 1\nusers:\n  " + BOB + ":\n    max_user_client_connections: 2\n"
                + databases().replace("    max_db_client_connections: 1\n", ""))) {
            try (Connection alice = pgmux.jdbcTo(OTHER_DB, ALICE)) {
                // alice has the global 1, in any database
                assertRefused(() -> pgmux.jdbcTo(SMALL_DB, ALICE), "max_user_client_connections", ALICE);
                // bob has his own 2
                try (Connection bob1 = pgmux.jdbcTo(OTHER_DB, BOB); Connection bob2 = pgmux.jdbcTo(SMALL_DB, BOB)) {
                    assertEquals("1", TestSql.scalar(bob2, "SELECT 1"));
                    assertRefused(() -> pgmux.jdbcTo(OTHER_DB, BOB), "max_user_client_connections", BOB);
                }
                assertEquals("1", TestSql.scalar(alice, "SELECT 1"));
            }
            TestSql.await("the clients are gone", () -> pgmux.server().sessions().connectedCount() == 0);
            try (Connection alice = pgmux.jdbcTo(SMALL_DB, ALICE)) {
                assertEquals("1", TestSql.scalar(alice, "SELECT 1"));
            }
        }
    }

    @Test
    void showDatabasesAndShowUsersReportEachLimitInForceAndWhatItCounts() throws Exception {
        try (Pgmux pgmux = Pgmux.start("max_db_client_connections: 3\nmax_user_client_connections: 4\nadmin_users: " + ADMIN
                + "\nusers:\n  " + BOB + ":\n    max_user_client_connections: 2\n" + databases());
             RawClient console = pgmux.console(ADMIN)) {
            try (Connection a1 = pgmux.jdbcTo(OTHER_DB, ALICE); Connection a2 = pgmux.jdbcTo(OTHER_DB, ALICE);
                 Connection b = pgmux.jdbcTo(SMALL_DB, BOB)) {
                Console.Result databases = Console.show(console, "SHOW DATABASES");
                // a database's own limit, else the global one; the console's is the global one and counts itself
                assertClients(databases.one("name", SMALL_DB), "max_client_connections", "1", "current_client_connections", "1");
                assertClients(databases.one("name", OTHER_DB), "max_client_connections", "3", "current_client_connections", "2");
                assertClients(databases.one("name", "pgbouncer"), "max_client_connections", "3", "current_client_connections", "1");
                Console.Result users = Console.show(console, "SHOW USERS");
                // a user's own limit, else the global one; the console's clients count under their user too
                assertClients(users.one("name", ALICE), "max_user_client_connections", "4", "current_client_connections", "2");
                assertClients(users.one("name", BOB), "max_user_client_connections", "2", "current_client_connections", "1");
                assertClients(users.one("name", ADMIN), "max_user_client_connections", "4", "current_client_connections", "1");
            }
            TestSql.await(() -> "alice's clients gone from SHOW USERS",
                    () -> showOne(console, "SHOW USERS", ALICE).get("current_client_connections").equals("0"));
            assertEquals("0", showOne(console, "SHOW DATABASES", OTHER_DB).get("current_client_connections"));
        }
    }

    @Test
    void consoleClientsCountUnderTheirUserAndTheConsoleAndOnlyAdminUsersPassTheLimits() throws Exception {
        try (Pgmux pgmux = Pgmux.start("max_db_client_connections: 2\nmax_user_client_connections: 1\nadmin_users: " + ADMIN
                + "\nstats_users: " + STATS + "\n");
             RawClient stats = pgmux.console(STATS)) {
            // a stats user is held to its limit on the console as anywhere
            assertConsoleRefused(pgmux, STATS, "max_user_client_connections", STATS);
            try (RawClient admin1 = pgmux.console(ADMIN); RawClient admin2 = pgmux.console(ADMIN)) {
                // an admin user is counted but never refused: three console clients against the console's 2
                assertEquals("3", showOne(admin2, "SHOW DATABASES", "pgbouncer").get("current_client_connections"));
                assertEquals("2", showOne(admin2, "SHOW USERS", ADMIN).get("current_client_connections"));
                // and fills the console for everyone else
                assertConsoleRefused(pgmux, BOB, "max_db_client_connections", "pgbouncer");
            }
            // its console client counts against its user limit on a database too
            assertRefused(() -> pgmux.jdbcTo(TestPostgres.DATABASE, STATS), "max_user_client_connections", STATS);
        }
    }

    private static void assertClients(Map<String, String> row, String maxColumn, String max, String currentColumn, String current) {
        assertEquals(max, row.get(maxColumn), () -> maxColumn + " of " + row);
        assertEquals(current, row.get(currentColumn), () -> currentColumn + " of " + row);
    }

    private static Map<String, String> showOne(RawClient console, String show, String name) {
        try {
            return Console.show(console, show).one("name", name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertConsoleRefused(Pgmux pgmux, String user, String key, String name) throws IOException {
        ErrorResponse e = TestSql.loginError(pgmux.host(), pgmux.port(), "pgbouncer", user);
        assertEquals(SqlState.TOO_MANY_CONNECTIONS, e.sqlState(), e::toString);
        assertTrue(e.message().contains("(" + key + ")") && e.message().contains("\"" + name + "\""), e::message);
    }

    private interface Login {
        Connection open() throws SQLException;
    }

    private static void assertRefused(Login login, String key, String name) {
        PSQLException e = assertThrows(PSQLException.class, () -> login.open().close());
        assertEquals("53300", e.getSQLState(), e::toString);
        assertTrue(e.getMessage().contains("(" + key + ")") && e.getMessage().contains("\"" + name + "\""), e::getMessage);
    }
}
