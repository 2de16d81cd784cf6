package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.pool.PoolCounts;
import io.pgmux.proxy.testing.FaultRelay;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code query_timeout}: a request the server does not answer in time is cancelled; when even the
 * cancel cannot land (Postgres frozen: the relay holds every byte), the server is closed and its
 * client told "query timeout". Every wait is bounded.
 */
class QueryTimeoutIT {
    private static final String USER = "qt_user";
    private static final String FROZEN_USER = "qt_frozen";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().roles(USER, FROZEN_USER);

    @Test
    void aQueryRunningPastQueryTimeoutIsCancelledAndTheClientGoesOn() throws Exception {
        Pgmux pgmux = fixture.start("query_timeout: 1s\npool_size: 1\n");
        try (RawClient client = pgmux.raw(USER)) {
            // when a query runs longer than query_timeout
            long start = System.nanoTime();
            List<Reply> replies = client.query("SELECT pg_sleep(30)");
            double seconds = (System.nanoTime() - start) / 1e9;

            // then Postgres cancelled it (57014) about a second later, and the session goes on on the same pool slot
            ErrorResponse error = TestSql.error(replies);
            assertEquals(SqlState.QUERY_CANCELED, error.sqlState(), error::toString);
            assertTrue(seconds >= 0.9 && seconds < 3, () -> "cancelled after " + seconds + " s");
            assertEquals("1", TestSql.value(client, "SELECT 1"));
        }
        pgmux.awaitNothingHeld(USER, 0);
    }

    @Test
    void aQueryFasterThanQueryTimeoutIsLeftAlone() throws Exception {
        Pgmux pgmux = fixture.start("query_timeout: 2s\npool_size: 1\n");
        try (RawClient client = pgmux.raw(USER)) {
            // a transaction of several statements, each well within the timeout, taking longer than it in all
            TestSql.assertOk(client.query("BEGIN"));
            for (int i = 0; i < 4; i++) {
                TestSql.assertOk(client.query("SELECT pg_sleep(0.7)"));
            }
            List<Reply> commit = client.query("COMMIT");
            TestSql.assertOk(commit);
            assertEquals(TransactionStatus.IDLE, TestSql.status(commit));
        }
    }

    @Test
    void postgresFrozenCostsTheHoldersAQueryTimeoutAndTheWaitersAQueryWaitTimeoutThenServiceResumes() throws Exception {
        try (FaultRelay relay = FaultRelay.toPostgres()) {
            Pgmux pgmux = fixture.start("upstream: \"" + relay.address() + "\"\npool_size: 2\nquery_timeout: 1s\n"
                    + "query_wait_timeout: 2s\nserver_connect_timeout: 2s\nserver_login_retry: 500ms\n");
            List<RawClient> holders = new ArrayList<>();
            try (RawClient waiter = pgmux.raw(FROZEN_USER)) {
                for (int i = 0; i < 2; i++) {
                    holders.add(pgmux.raw(FROZEN_USER));
                }
                // given two servers logged in (both clients in a transaction at once) and given back
                holders.forEach(h -> h.send(new Query("BEGIN")));
                for (RawClient holder : holders) {
                    holder.flush();
                    holder.readUntilReady();
                }
                for (RawClient holder : holders) {
                    TestSql.assertOk(holder.query("COMMIT"));
                }

                // when Postgres freezes (nothing gets through either way) while both servers are held, a third client queued
                relay.pause();
                long frozenAt = System.nanoTime();
                for (RawClient holder : holders) {
                    holder.send(new Query("SELECT 1")).flush();
                }
                TestSql.await("both servers held", () -> pgmux.counts(FROZEN_USER).activeServers() == 2);
                List<Reply> waited = waiter.query("SELECT 1");

                // then the waiter gets query_wait_timeout, and each holder "query timeout" (the cancel could not land) and a close
                ErrorResponse waitError = TestSql.error(waited);
                assertEquals(SqlState.TOO_MANY_CONNECTIONS, waitError.sqlState(), waitError::toString);
                for (RawClient holder : holders) {
                    ErrorResponse error = TestSql.nextError(holder);
                    double seconds = (System.nanoTime() - frozenAt) / 1e9;
                    assertEquals(SqlState.PROTOCOL_VIOLATION, error.sqlState(), error::toString);
                    assertTrue(error.message().startsWith("query timeout"), error::toString);
                    assertTrue(seconds < 5, () -> "the holder was told after " + seconds + " s");
                    assertTrue(holder.isClosedByPeer());
                }
                double toldAfter = (System.nanoTime() - frozenAt) / 1e9;
                System.out.printf("frozen Postgres: holders told 'query timeout' within %.2f s of the freeze%n", toldAfter);

                // and when Postgres answers again, the waiter (still connected) and new clients are served
                Thread.sleep(2_000);
                relay.pass();
                long thawedAt = System.nanoTime();
                assertEquals("1", servedWithin(waiter, 15));
                try (RawClient late = pgmux.raw(FROZEN_USER)) {
                    assertEquals("1", servedWithin(late, 15));
                }
                System.out.printf("frozen Postgres: served again %.2f s after the thaw%n", (System.nanoTime() - thawedAt) / 1e9);
            } finally {
                for (RawClient holder : holders) {
                    holder.close();
                }
            }
            pgmux.awaitNothingHeld(FROZEN_USER, 0);
            PoolCounts counts = pgmux.counts(FROZEN_USER);
            assertEquals(0, counts.waiting(), counts::toString);
            assertTrue(counts.idleServers() <= 2, counts::toString);
        }
    }

    /** SELECT 1 until it works, for at most {@code seconds} (a client may be told the login error while servers reconnect). */
    private static String servedWithin(RawClient client, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (true) {
            List<Reply> replies = client.query("SELECT 1");
            if (replies.stream().noneMatch(r -> r.type() == Backend.ERROR_RESPONSE)) {
                return TestSql.value(replies);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not served within " + seconds + " s: " + TestSql.error(replies));
            }
            Thread.sleep(200);
        }
    }
}
