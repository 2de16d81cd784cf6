package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.FaultRelay;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.pgmux.proxy.testing.TestPostgres.DATABASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code min_pool_size} against a real Postgres, counting pgmux's server connections in
 * pg_stat_activity: a pool with a client keeps that many open, opens them again when Postgres ends
 * them, and after an outage refills them as the login retry allows, without a storm; a database
 * with a fixed server user keeps them open with no client at all.
 */
class WarmPoolIT {
    private static final String WARM_USER = "warm_pool";
    private static final String OUTAGE_USER = "warm_pool_outage";
    private static final String RELOAD_USER = "warm_pool_reload";
    private static final String FIXED_USER = "warm_pool_fixed";
    private static final String CLIENT_USER = "warm_pool_client";
    private static final String PER_CLIENT_USER = "warm_pool_per_client";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().roles(WARM_USER, OUTAGE_USER, RELOAD_USER, FIXED_USER,
            CLIENT_USER, PER_CLIENT_USER);

    @Test
    void aPoolWithAClientKeepsMinPoolSizeServersOpenAndReopensTheOnesPostgresEnds() throws Exception {
        try (Pgmux pgmux = Pgmux.start("pool_size: 5\nmin_pool_size: 3\n");
             Connection client = pgmux.jdbc(WARM_USER)) {
            // given one client, which used one server at a time
            assertEquals(1, TestSql.intScalar(client, "SELECT 1"));

            // then the pool opens two more, and no more than that
            awaitServers(WARM_USER, 3);
            Thread.sleep(300);
            assertEquals(3, Pgmux.serverConnections(DATABASE, WARM_USER));
            assertEquals(3, pgmux.counts(WARM_USER).idleServers());

            // when Postgres ends all of them
            TestSql.direct("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '" + WARM_USER + "'");

            // then the pool opens three again, and the client is served
            awaitServers(WARM_USER, 3);
            assertEquals(2, TestSql.intScalar(client, "SELECT 2"));
        }
    }

    @Test
    void afterAnOutageTheWarmServersComeBackWithoutALoginStorm() throws Exception {
        try (FaultRelay relay = FaultRelay.toPostgres();
             Pgmux pgmux = Pgmux.start("upstream: \"" + relay.address() + "\"\npool_size: 5\nmin_pool_size: 3\n"
                     + "server_login_retry: 500ms\nserver_connect_timeout: 2s\n");
             Connection client = pgmux.jdbc(OUTAGE_USER)) {
            // given a pool keeping three servers
            TestSql.intScalar(client, "SELECT 1");
            awaitServers(OUTAGE_USER, 3);

            // when every server connection is reset and new ones are refused for 3 s
            int attempts = relay.outage(Duration.ofSeconds(3));

            // then the pool tried about once per retry wait (500 ms, doubling: well under 20), not in a loop
            assertTrue(attempts >= 2 && attempts <= 12, "login attempts during a 3 s outage: " + attempts);

            // and the three come back by themselves
            awaitServers(OUTAGE_USER, 3);
            assertEquals(2, TestSql.intScalar(client, "SELECT 2"));
        }
    }

    @Test
    void aReloadThatRaisesMinPoolSizeOpensTheDifference() throws Exception {
        try (Pgmux pgmux = Pgmux.start("pool_size: 5\n");
             Connection client = pgmux.jdbc(RELOAD_USER)) {
            // given a pool with one server
            TestSql.intScalar(client, "SELECT 1");
            assertEquals(1, Pgmux.serverConnections(DATABASE, RELOAD_USER));

            // when a reload sets min_pool_size
            pgmux.rewriteConfig("pool_size: 5\nmin_pool_size: 4\n");
            pgmux.server().reload().get(10, TimeUnit.SECONDS);

            // then the pool has four
            awaitServers(RELOAD_USER, 4);
        }
    }

    @Test
    void aDatabaseWithAFixedUserKeepsMinPoolSizeServersOpenBeforeAnyClient() throws Exception {
        // given, as PgBouncer: a database that logs in as one user, and one that logs in as the client's
        String db = "    host: 127.0.0.1\n    port: ${PG_PORT}\n    dbname: " + DATABASE + "\n    min_pool_size: 2\n";
        try (Pgmux pgmux = Pgmux.start("pool_size: 5\nserver_idle_timeout: 1s\ndatabases:\n"
                + "  warm_fixed:\n" + db + "    user: " + FIXED_USER + "\n"
                + "  warm_any:\n" + db)) {
            // then with no client at all, the fixed user's pool opens its two servers, and keeps them past server_idle_timeout
            awaitServers(FIXED_USER, 2);
            Thread.sleep(1_500);
            assertEquals(2, Pgmux.serverConnections(DATABASE, FIXED_USER));

            // and a client of the other database gets its pool's minimum only once it comes
            assertEquals(0, Pgmux.serverConnections(DATABASE, CLIENT_USER));
            try (Connection client = pgmux.jdbcTo("warm_any", CLIENT_USER)) {
                assertEquals(1, TestSql.intScalar(client, "SELECT 1"));
                awaitServers(CLIENT_USER, 2);
            }
            // a client of the fixed database is served by the servers already open
            try (Connection client = pgmux.jdbcTo("warm_fixed", CLIENT_USER)) {
                assertEquals(FIXED_USER, TestSql.scalar(client, "SELECT current_user"));
            }
            assertEquals(2, Pgmux.serverConnections(DATABASE, FIXED_USER));
        }
    }

    @Test
    void aDatabaseWithAFixedServerUserKeepsMinPoolSizeServersWithoutAnyClientAndOthersOpenNone() throws Exception {
        String databases = "databases:\n"
                + "  fixed: {host: 127.0.0.1, port: ${PG_PORT}, dbname: " + DATABASE + ", user: " + FIXED_USER + ", min_pool_size: 2}\n"
                + "  per_client: {host: 127.0.0.1, port: ${PG_PORT}, dbname: " + DATABASE + ", min_pool_size: 2}\n";
        try (Pgmux pgmux = Pgmux.start("pool_size: 5\nserver_idle_timeout: 1s\n")) {
            // given no such database yet: nothing is opened for the fixed user
            Thread.sleep(1500);
            assertEquals(0, Pgmux.serverConnections(DATABASE, FIXED_USER));

            // when a reload adds one with a fixed server user and min_pool_size, and no client comes
            pgmux.rewriteConfig("pool_size: 5\nserver_idle_timeout: 1s\n" + databases);
            pgmux.server().reload().get(10, TimeUnit.SECONDS);

            // then its pool opens min_pool_size servers and keeps them past server_idle_timeout
            awaitServers(FIXED_USER, 2);
            Thread.sleep(2500);
            assertEquals(2, Pgmux.serverConnections(DATABASE, FIXED_USER));
            // and a database whose pools are per client user opens none before a client
            assertEquals(0, Pgmux.serverConnections(DATABASE, PER_CLIENT_USER));

            // when a reload drops min_pool_size, the servers go after server_idle_timeout
            pgmux.rewriteConfig("pool_size: 5\nserver_idle_timeout: 1s\n" + databases.replace(", min_pool_size: 2}", "}"));
            pgmux.server().reload().get(10, TimeUnit.SECONDS);
            awaitServers(FIXED_USER, 0);
        }
    }

    private static void awaitServers(String user, int expected) {
        TestSql.await(() -> "pgmux has " + expected + " server connections as " + user + ": " + count(user),
                () -> count(user) == expected);
    }

    private static int count(String user) {
        try {
            return Pgmux.serverConnections(DATABASE, user);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
