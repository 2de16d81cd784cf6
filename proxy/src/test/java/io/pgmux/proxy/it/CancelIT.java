package io.pgmux.proxy.it;

import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.pgmux.proxy.testing.TestSql.scalar;
import static io.pgmux.proxy.testing.TestSql.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A CancelRequest with a client's pgmux key cancels what that client runs now, on whatever server,
 * and nothing else: not a query of another client that happens to use the server the first one
 * used before, and nothing at all for a wrong key.
 */
class CancelIT {
    private static final String USER = "cancel_user";
    private static final String SLEEPING = "SELECT count(*) > 0 FROM pg_stat_activity"
            + " WHERE usename = '" + USER + "' AND state = 'active' AND query LIKE '%pg_sleep%'";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: 1\nquery_wait_timeout: 30s\n")
            .role(USER);

    @Test
    void statementCancelStopsTheRunningQueryAndTheConnectionGoesOn() throws Exception {
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try (Connection connection = pgmux.jdbc(USER); Statement st = connection.createStatement()) {
            // given: a long query running through pgmux
            Future<?> sleeping = runner.submit(() -> st.execute("SELECT pg_sleep(30)"));
            awaitSleeping();
            // when: pgJDBC cancels it (a CancelRequest to pgmux with pgmux's key)
            st.cancel();
            // then: the query ends with query_canceled, long before it would have finished
            assertCanceled(sleeping);
            // and the connection is still usable
            assertEquals("2", scalar(connection, "SELECT 1 + 1"));
        } finally {
            runner.shutdownNow();
        }
    }

    @Test
    void cancelOfAClientHoldingNoServerDoesNotTouchAnotherClientsQuery() throws Exception {
        try (RawClient idle = pgmux.raw(USER); RawClient busy = pgmux.raw(USER)) {
            // given: the idle client ran a transaction on the pool's only server, then let it go
            String idlePid = value(idle, "SELECT pg_backend_pid()");
            // and another client now runs a long query on that same server
            busy.send(new Query("SELECT pg_backend_pid(), pg_sleep(2.5)")).flush();
            awaitSleeping();
            // when: a CancelRequest with the idle client's (valid) key arrives
            TestSql.sendCancel(pgmux.host(), pgmux.port(), idle.processId(), idle.secretKey());
            // then: the other client's query finishes normally, on the server the idle client had used
            List<Reply> replies = busy.readUntilReady();
            assertEquals(List.of(idlePid, ""), TestSql.row(replies));
            assertEquals(TransactionStatus.IDLE, TestSql.status(replies));
            // and the key is right: used while its own client runs a query, it cancels that query
            idle.send(new Query("SELECT pg_sleep(30)")).flush();
            awaitSleeping();
            TestSql.sendCancel(pgmux.host(), pgmux.port(), idle.processId(), idle.secretKey());
            assertEquals("57014", TestSql.error(idle.readUntilReady()).sqlState());
            assertEquals("ok", value(idle, "SELECT 'ok'"));
        }
    }

    @Test
    void cancelsStillOnTheirWayWhenTheServerIsFreedDoNotStopTheNextClientsQuery() throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(4);
        AtomicBoolean firstAnswered = new AtomicBoolean();
        try (RawClient first = pgmux.raw(USER); RawClient next = pgmux.raw(USER)) {
            // given: a client runs a long query on the pool's only server, and another one is queued behind it
            first.send(new Query("SELECT pg_sleep(30)")).flush();
            awaitSleeping();
            next.send(new Query("SELECT 'served', pg_sleep(1)")).flush();
            // when: CancelRequests for the first client keep coming, from four senders, until its query has
            // ended (PgBouncer's test_cancel_race): some are on their way to Postgres when it frees the server
            List<Future<?>> cancels = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                cancels.add(senders.submit(() -> {
                    for (int n = 0; n < 500 && !firstAnswered.get(); n++) {
                        TestSql.sendCancel(pgmux.host(), pgmux.port(), first.processId(), first.secretKey());
                    }
                    return null;
                }));
            }
            // then: the first client's query is cancelled
            assertEquals("57014", TestSql.error(first.readUntilReady()).sqlState());
            firstAnswered.set(true);
            for (Future<?> cancel : cancels) {
                cancel.get(30, TimeUnit.SECONDS);
            }
            // and the queued client's query, which gets the server after it, is not hit by a cancel still on its way
            List<Reply> replies = next.readUntilReady();
            assertEquals(List.of("served", ""), TestSql.row(replies));
            assertEquals(TransactionStatus.IDLE, TestSql.status(replies));
        } finally {
            firstAnswered.set(true);
            senders.shutdownNow();
        }
    }

    @Test
    void cancelWithAWrongKeyDoesNothing() throws Exception {
        try (RawClient client = pgmux.raw(USER)) {
            // given: a client running a query
            client.send(new Query("SELECT pg_sleep(2.5)")).flush();
            awaitSleeping();
            // when: CancelRequests arrive with its process id and a wrong secret, and with an unknown process id
            TestSql.sendCancel(pgmux.host(), pgmux.port(), client.processId(), client.secretKey() + 1);
            TestSql.sendCancel(pgmux.host(), pgmux.port(), client.processId() + 1, client.secretKey());
            // then: the query completes
            List<Reply> replies = client.readUntilReady();
            assertEquals("", value(replies));
            assertEquals(TransactionStatus.IDLE, TestSql.status(replies));
        }
    }

    @Test
    void cancelReachesTheServerWhenClientAndServerAreOnDifferentEventLoops() throws Exception {
        // given: two event loops, one server, four clients: the server lives on one loop and the
        // clients are spread over both, so some of them reach it across loops
        try (Pgmux twoLoops = Pgmux.start("event_loops: 2\npool_size: 1\nquery_wait_timeout: 30s\n")) {
            List<Connection> clients = new ArrayList<>();
            ExecutorService runner = Executors.newSingleThreadExecutor();
            try {
                for (int i = 0; i < 4; i++) {
                    clients.add(twoLoops.jdbc(USER));
                }
                for (Connection client : clients) {
                    try (Statement st = client.createStatement()) {
                        // when: each one's long query is cancelled
                        Future<?> sleeping = startSleepingOnTheSharedServer(runner, st);
                        st.cancel();
                        // then: it is cancelled, and the client goes on
                        assertCanceled(sleeping);
                        assertEquals("2", scalar(client, "SELECT 1 + 1"));
                    }
                }
            } finally {
                runner.shutdownNow();
                for (Connection client : clients) {
                    client.close();
                }
            }
        }
    }

    /**
     * Starts a long query and waits until it runs. Postgres signals a cancelled backend twice (the
     * postmaster's signal_child sends SIGINT to the process and to its process group); on a loaded
     * machine the second signal can come late and cancel the next query the same backend runs,
     * which here is the next client's, since all four share one server. Such a query, cancelled
     * before anyone cancelled it, is started again (at most twice); a cancel pgmux sent to the wrong
     * query would show as the retried query being cancelled too, or as a wrong SQLSTATE.
     */
    private static Future<?> startSleepingOnTheSharedServer(ExecutorService runner, Statement st) throws Exception {
        for (int attempt = 1; ; attempt++) {
            Future<?> sleeping = runner.submit(() -> st.execute("SELECT pg_sleep(30)"));
            try {
                awaitSleeping(sleeping);
                return sleeping;
            } catch (AssertionError cancelledBeforeRunning) {
                if (attempt == 3 || !isCanceled(sleeping)) {
                    throw cancelledBeforeRunning;
                }
            }
        }
    }

    private static boolean isCanceled(Future<?> query) {
        try {
            query.get(1, TimeUnit.SECONDS);
            return false;
        } catch (ExecutionException e) {
            return e.getCause() instanceof SQLException error && "57014".equals(error.getSQLState());
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    /** Waits until a backend of the test user runs pg_sleep; says how {@code query} ended if it ended first. */
    private static void awaitSleeping(Future<?> query) {
        TestSql.await("a pg_sleep of " + USER + " is running", () -> {
            if (query.isDone()) {
                try {
                    query.get();
                    fail("the query ended without being seen running");
                } catch (ExecutionException | InterruptedException e) {
                    fail("the query failed before it was seen running: " + e.getCause(), e);
                }
            }
            return "t".equals(TestSql.direct(SLEEPING));
        });
    }

    /** Waits until a backend of the test user runs pg_sleep. */
    private static void awaitSleeping() {
        TestSql.awaitDirect("a pg_sleep of " + USER + " is running", SLEEPING);
    }

    private static void assertCanceled(Future<?> query) throws InterruptedException, java.util.concurrent.TimeoutException {
        ExecutionException failed = assertThrows(ExecutionException.class, () -> query.get(20, TimeUnit.SECONDS));
        SQLException error = assertInstanceOf(SQLException.class, failed.getCause());
        assertEquals("57014", error.getSQLState(), error.getMessage());
    }
}
