package io.pgmux.proxy.it;

import io.pgmux.proxy.pool.PoolCounts;
import io.pgmux.proxy.testing.ClientStorm;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.ServerSampler;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.pgmux.proxy.testing.TestPostgres.DATABASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 10,000 clients connecting at once to a pgmux that has just started: its pool has no server and
 * knows no server's settings yet, so every client queues for one to check its startup settings,
 * and the first servers are handed down the whole queue. All must be ready, with no error, and use
 * no more servers than the pool has. (Issue 9, item 5: the first servers' stacks overflowed.) How
 * many clients are queued when the first server arrives depends on timing; behind a PAUSE, all are.
 */
class ConnectionStormIT {
    private static final int CLIENTS = 10_000;
    private static final int POOL_SIZE = 20;
    private static final String USER = "storm_user";
    /**
     * Room for the storm and the test's own looks at pgmux; one event loop, as on a machine of two
     * cores, where every hand-over stays on one thread (the case that overflowed the stack).
     */
    private static final String CONFIG = "event_loops: 1\npool_size: " + POOL_SIZE
            + "\nmax_client_connections: " + (CLIENTS + 100) + "\n";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(USER);

    @Test
    void tenThousandClientsAtOnceAtAFreshPgmuxAreAllReady() throws Exception {
        // settings the server already has: each client gives its server straight back to the next in the queue
        storm(Map.of());
    }

    @Test
    void tenThousandClientsAtOnceEachWithItsOwnApplicationNameAreAllReady() throws Exception {
        // a setting the server must be told: each client's check is a round trip before it gives the server back
        storm(Map.of("application_name", "storm-%d"));
    }

    @Test
    void tenThousandClientsQueuedBehindAPauseAreAllReadyAfterResume() throws Exception {
        try (Pgmux pgmux = Pgmux.start(CONFIG)) {
            // given the database paused before any client came, and 10,000 clients all queued for a first server
            pgmux.server().pools().pause(DATABASE);
            try (ClientStorm storm = ClientStorm.start(pgmux.host(), pgmux.port(), CLIENTS, DATABASE, USER, Map.of())) {
                awaitWaiting(pgmux, storm);

                // when the database is resumed: the first server to log in is handed down the whole queue on one loop
                long resumed = System.nanoTime();
                assertTrue(pgmux.server().pools().resume(DATABASE));
                ClientStorm.Result logins = storm.awaitLogins();
                System.out.printf("connection storm behind a pause: %d clients ready %d ms after RESUME%n", logins.ok(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumed));

                // then every client is ready and can run a query
                assertEquals(new ClientStorm.Result(CLIENTS, 0, logins.millis(), ""), logins, storm::output);
                ClientStorm.Result queries = storm.query(100);
                assertEquals(new ClientStorm.Result(CLIENTS / 100, 0, queries.millis(), ""), queries, storm::output);
                TestSql.await("every server back in the pool", () -> pgmux.counts(USER).activeServers() == 0);
                assertTrue(pgmux.counts(USER).servers() <= POOL_SIZE, () -> pgmux.counts(USER).toString());
                assertEquals(pgmux.counts(USER).servers(), Pgmux.serverConnections(DATABASE, USER), "pool's servers vs pg_stat_activity");
            }
        }
    }

    private static void storm(Map<String, String> settings) throws Exception {
        try (Pgmux pgmux = Pgmux.start(CONFIG);
             ServerSampler sampler = new ServerSampler(DATABASE, USER);
             ClientStorm storm = ClientStorm.start(pgmux.host(), pgmux.port(), CLIENTS, DATABASE, USER, settings)) {
            // when 10,000 clients connect at once, then every 100th runs a query
            ClientStorm.Result logins = storm.awaitLogins();
            System.out.printf("connection storm %s: %d clients ready after %d ms%n", settings, logins.ok(), logins.millis());
            ClientStorm.Result queries = storm.query(100);

            // then all got ReadyForQuery and their own answer, through no more servers than the pool has
            assertEquals(new ClientStorm.Result(CLIENTS, 0, logins.millis(), ""), logins, storm::output);
            assertEquals(new ClientStorm.Result(CLIENTS / 100, 0, queries.millis(), ""), queries, storm::output);
            PoolCounts counts = pgmux.counts(USER);
            assertEquals(CLIENTS, counts.clients(), counts::toString);
            assertEquals(0, counts.waiting(), counts::toString);
            assertTrue(counts.servers() <= POOL_SIZE, counts::toString);
            assertTrue(sampler.max() <= POOL_SIZE, "pool_size " + POOL_SIZE + ", but Postgres saw " + sampler.max());
            TestSql.await("every server back in the pool", () -> pgmux.counts(USER).activeServers() == 0);
            assertEquals(0, TestSql.backendsInState(USER, "idle in transaction"));
            assertEquals(pgmux.counts(USER).servers(), Pgmux.serverConnections(DATABASE, USER), "pool's servers vs pg_stat_activity");

            // and when they all leave, the pool counts none of them
            storm.close();
            TestSql.await("every client gone from the pool", () -> pgmux.counts(USER).clients() == 0);
            assertEquals(pgmux.counts(USER).servers(), Pgmux.serverConnections(DATABASE, USER), "pool's servers vs pg_stat_activity");
        }
    }

    /** Until all clients wait in the pool (accepting 10,000 takes a while under paranoid leak detection). */
    private static void awaitWaiting(Pgmux pgmux, ClientStorm storm) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (pgmux.server().pools().all().stream().mapToInt(p -> p.counts().waiting()).sum() < CLIENTS) {
            assertTrue(System.nanoTime() < deadline, () -> "not all clients queued within 90 s: "
                    + pgmux.server().pools().all().stream().map(p -> p.key() + " " + p.counts()).toList() + "\n" + storm.output());
            Thread.sleep(50);
        }
    }
}
