package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pgmux.proxy.testing.TestPostgres.DATABASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code reserve_pool_size} against a real Postgres: with the pool's servers held, a client that has
 * waited {@code reserve_pool_timeout} is served by an extra server, and no more than the reserve opens.
 */
class ReservePoolIT {
    private static final String USER = "reserve_pool";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().roles(USER);

    @Test
    void aClientWaitingPastReservePoolTimeoutIsServedByAReserveServer() throws Exception {
        try (Pgmux pgmux = Pgmux.start("pool_size: 1\nreserve_pool_size: 1\nreserve_pool_timeout: 1s\nquery_wait_timeout: 30s\n");
             Connection holder = pgmux.jdbc(USER);
             Connection waiter = pgmux.jdbc(USER);
             Connection third = pgmux.jdbc(USER)) {
            // given the pool's one server held by a transaction
            TestSql.holdServerInTransaction(holder);

            // when another client needs a server, it gets one after reserve_pool_timeout, not before
            long started = System.nanoTime();
            waiter.setAutoCommit(false);
            assertEquals(2, TestSql.intScalar(waiter, "SELECT 2"));
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(waitedMillis >= 900, "served after " + waitedMillis + " ms");
            assertEquals(2, Pgmux.serverConnections(DATABASE, USER));

            // then a third client, with the reserve used up, waits past the timeout until a server is given back
            CompletableFuture<Integer> query = TestSql.intScalarLater(third, "SELECT 3");
            TestSql.await("the third client waits", () -> pgmux.counts(USER).waiting() == 1);
            Thread.sleep(1_500);
            assertFalse(query.isDone());
            assertEquals(2, Pgmux.serverConnections(DATABASE, USER));
            holder.commit();
            assertEquals(3, query.get(10, TimeUnit.SECONDS));

            // and once nobody waits, the pool goes back to pool_size: the server given back beyond it closes
            TestSql.await("one server left", () -> pgmux.counts(USER).servers() == 1);
            TestSql.awaitDirect("Postgres sees one server connection", "SELECT count(*) = 1 FROM pg_stat_activity"
                    + " WHERE usename = '" + USER + "' AND datname = '" + DATABASE + "'");
            waiter.commit();
        }
    }
}
