package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.sql.SQLException;

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

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().roles(ALICE, BOB);

    private static String databases() {
        return "databases:\n"
                + "  " + SMALL_DB + ":\n    host: 127.0.0.1\n    port: ${PG_PORT}\n    dbname: " + TestPostgres.DATABASE + "\n"
                + "    max_db_client_connections: 1\n"
                + "  " + OTHER_DB + ":\n    host: 127.0.0.1\n    port: ${PG_PORT}\n    dbname: " + TestPostgres.DATABASE + "\n";
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
            // once they left, clients get in again
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
            try (Connection alice = pgmux.jdbcTo(SMALL_DB, ALICE)) {
                assertEquals("1", TestSql.scalar(alice, "SELECT 1"));
            }
        }
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
