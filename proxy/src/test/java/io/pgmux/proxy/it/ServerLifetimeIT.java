package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static io.pgmux.proxy.testing.TestSql.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * {@code server_lifetime} set under a database (PgBouncer's per-database one) closes that
 * database's idle servers once they are that old, and leaves the other databases to the global one.
 */
class ServerLifetimeIT {
    private static final String USER = "lifetime_user";
    private static final String SHORT_LIVED = "short_lived";
    private static final String LONG_LIVED = "long_lived";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(USER);

    @Test
    void aDatabasesOwnServerLifetimeClosesItsIdleServersAndNotTheOtherDatabases() throws Exception {
        String databases = "databases:\n" + TestPostgres.databaseEntry(SHORT_LIVED, "server_lifetime: 1s")
                + TestPostgres.databaseEntry(LONG_LIVED);
        try (Pgmux pgmux = Pgmux.start("server_lifetime: 1h\n" + databases);
             RawClient shortLived = RawClient.connect(pgmux.host(), pgmux.port(), SHORT_LIVED, USER, Map.of());
             RawClient longLived = RawClient.connect(pgmux.host(), pgmux.port(), LONG_LIVED, USER, Map.of())) {
            // given: each database's pool served one query and keeps its server idle
            String shortPid = value(shortLived, "SELECT pg_backend_pid()");
            String longPid = value(longLived, "SELECT pg_backend_pid()");

            // when: the short-lived database's server_lifetime (1 s) passes
            // then: its server is closed
            TestSql.awaitBackendGone("the server of " + SHORT_LIVED + " past its server_lifetime", shortPid);
            // and the other database's server, as old, is still the one its client gets (global lifetime: 1 h)
            assertEquals(longPid, value(longLived, "SELECT pg_backend_pid()"));
            // and the short-lived database's next query gets a new server
            assertNotEquals(shortPid, value(shortLived, "SELECT pg_backend_pid()"));
        }
    }
}
