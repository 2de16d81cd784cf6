package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;

import java.sql.Connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The role's password changes in Postgres while pgmux still has servers logged in with the old
 * one: a client that needs a new server gets Postgres's login error (28P01) at once, instead of
 * waiting out query_wait_timeout while pgmux retries, even though another client holds a
 * logged-in server of the same pool.
 */
class ServerPasswordChangeIT {
    private static final String USER = "spc_user";
    private static final String OLD_PASSWORD = "spc-old";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(USER, "LOGIN PASSWORD '" + OLD_PASSWORD + "' IN ROLE " + TestPostgres.SCRAM_ROLES)
            .beforeEachTest("ALTER ROLE " + USER + " PASSWORD '" + OLD_PASSWORD + "'");

    @Test
    void aWaitingClientGetsTheServersLoginErrorPromptly() throws Exception {
        try (Pgmux pgmux = Pgmux.start("users:\n  " + USER + ":\n    password: " + OLD_PASSWORD
                + "\npool_size: 2\nquery_wait_timeout: 60s\nserver_login_retry: 1s\n");
             Connection holder = pgmux.jdbc(USER)) {
            // given: a client holds one of the pool's servers, logged in with the old password
            TestSql.holdServerInTransaction(holder);

            // when: the password changes in Postgres, and another client needs a server
            TestPostgres.get().execute("ALTER ROLE " + USER + " PASSWORD 'spc-new'");
            long start = System.nanoTime();
            PSQLException e = assertThrows(PSQLException.class, () -> {
                try (Connection waiting = pgmux.jdbc(USER)) {
                    TestSql.scalar(waiting, "SELECT 1");
                }
            });
            long millis = (System.nanoTime() - start) / 1_000_000;

            // then: it gets Postgres's error within seconds, not after query_wait_timeout
            assertNotNull(e.getServerErrorMessage(), e::toString);
            assertEquals("28P01", e.getSQLState(), e::toString);
            assertTrue(e.getMessage().contains("password authentication failed for user \"" + USER + "\""), e::getMessage);
            assertTrue(millis < 10_000, "took " + millis + " ms");
            // and the holder's server still works
            assertEquals("1", TestSql.scalar(holder, "SELECT 1"));
        }
    }
}
