package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.pool.PoolCounts;
import io.pgmux.proxy.testing.FaultRelay;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.Retries;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fault drills with a {@link FaultRelay} between pgmux and Postgres: the server going away under
 * load, refusing connections, and connections reset mid-result, mid-COPY and mid-login. Each drill
 * checks what clients see, that the pool's slots are all accounted for afterwards, and that the
 * server saw a bounded number of login attempts (the relay counts them). Every wait is bounded.
 */
class ServerOutageIT {
    private static final String LOAD_USER = "outage_load";
    private static final String REFUSED_USER = "outage_refused";
    private static final String RESET_USER = "outage_reset";
    private static final String TABLE = "outage_copy";
    private static final int POOL_SIZE = 4;
    private static final String RETRY = "server_login_retry: 500ms\n";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .roles(LOAD_USER, REFUSED_USER, RESET_USER)
            .table(TABLE, "id int, label text");

    private FaultRelay relay;

    @BeforeEach
    void startRelay() {
        relay = FaultRelay.toPostgres();
    }

    @AfterEach
    void stopRelay() {
        relay.close();
    }

    private Pgmux pgmuxThroughRelay(String yaml) {
        return fixture.start("upstream: \"" + relay.address() + "\"\npool_size: " + POOL_SIZE + "\n"
                + "query_wait_timeout: 30s\nserver_connect_timeout: 2s\n" + RETRY + yaml);
    }

    // ---------------------------------------------------------------- the server goes away under load

    @Test
    void aServerRestartUnderLoadCostsOnlyTheClientsHoldingAServerAndCausesNoLoginStorm() throws Exception {
        Pgmux pgmux = pgmuxThroughRelay("");
        try (JdbcLoad load = JdbcLoad.start(pgmux, LOAD_USER, 2 * POOL_SIZE)) {
            // given eight clients querying through a pool of four (half of them queued at any moment)
            load.awaitEveryClientServedAfter(System.nanoTime());

            // when every server connection is reset and new ones are refused for 3 s (a restart, seen from pgmux)
            int acceptedBefore = relay.accepted();
            relay.refuseNew();
            relay.resetAll();
            Thread.sleep(3_000);
            int attempts = relay.accepted() - acceptedBefore;
            relay.pass();
            long back = System.nanoTime();

            // then service comes back by itself, within the retry schedule's longest wait so far and then some
            long recoveredAt = load.awaitEveryClientServedAfter(back);
            double recoverySeconds = (recoveredAt - back) / 1e9;
            System.out.printf("restart drill: %d login attempts in the 3 s outage, every client served %.2f s after "
                    + "the server was back, errors: %s%n", attempts, recoverySeconds, load.errorCounts());
            assertTrue(recoverySeconds < 8, () -> "recovery took " + recoverySeconds + " s");

            // and the server saw the replacements of the four reset servers, then one attempt per wait (0.5 s, 1 s, 2 s)
            assertTrue(attempts <= POOL_SIZE + 4, () -> attempts + " login attempts in 3 s");

            // and only the clients that held a server lost their session (at most one per server); the others were told
            // the login error, as clients are while pgmux cannot log in, or waited and were served; none waited out
            // query_wait_timeout
            load.stop();
            List<JdbcLoad.Failure> failures = load.failures();
            long sessionsLost = failures.stream().filter(ServerOutageIT::lostItsServer).count();
            assertTrue(sessionsLost <= POOL_SIZE, () -> sessionsLost + " sessions lost: " + failures);
            for (JdbcLoad.Failure failure : failures) {
                assertEquals(SqlState.CONNECTION_FAILURE, failure.sqlState(), failure::toString);
                assertTrue(lostItsServer(failure) || failure.message().contains(relay.address()), failure::toString);
            }

            // and every slot of the pool is accounted for
            pgmux.awaitNothingHeld(LOAD_USER, 0);
            assertSlotsFree(pgmux, LOAD_USER);
        }
    }

    // ---------------------------------------------------------------- the server refuses connections

    @Test
    void whileTheServerRefusesConnectionsClientsAreToldAndThePoolRecoversWhenItAccepts() throws Exception {
        relay.refuseNew();
        Pgmux pgmux = pgmuxThroughRelay("");

        // given a server that refuses every connection: a client trying to log in is told, after one retry
        long start = System.nanoTime();
        SQLException refused = assertThrows(SQLException.class, () -> pgmux.jdbc(REFUSED_USER).close());
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(SqlState.CONNECTION_FAILURE, refused.getSQLState(), refused::getMessage);
        assertTrue(refused.getMessage().contains(relay.address()), refused::getMessage);
        assertTrue(tookMillis < 5_000, () -> "told after " + tookMillis + " ms");

        // when clients keep trying for 2 s more, one every 50 ms, they are told each time, and the server sees few attempts
        int acceptedBefore = relay.accepted();
        int told = 0;
        for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2); System.nanoTime() - end < 0; ) {
            SQLException again = assertThrows(SQLException.class, () -> pgmux.jdbc(REFUSED_USER).close());
            assertEquals(SqlState.CONNECTION_FAILURE, again.getSQLState(), again::getMessage);
            told++;
            Thread.sleep(50);
        }
        int attempts = relay.accepted() - acceptedBefore;
        int clients = told;
        assertTrue(attempts <= 4, () -> attempts + " login attempts for " + clients + " clients in 2 s");

        // then once the server accepts connections again, clients are served without restarting pgmux
        relay.pass();
        try (Connection c = whenServed(() -> pgmux.jdbc(REFUSED_USER))) {
            assertEquals(REFUSED_USER, TestSql.scalar(c, "SELECT current_user"));
        }
        pgmux.awaitNothingHeld(REFUSED_USER, 0);
        assertSlotsFree(pgmux, REFUSED_USER);
    }

    // ---------------------------------------------------------------- connections reset mid-way

    @Test
    void aConnectionResetMidResultGivesTheClientACleanErrorAndLeaksNoSlot() throws Exception {
        Pgmux pgmux = pgmuxThroughRelay("");
        try (RawClient client = pgmux.raw(RESET_USER)) {
            // given a client reading a result that is still streaming
            client.send(new Query("SELECT generate_series(1, 50000000), repeat('x', 100)")).flush();
            assertEquals(Backend.ROW_DESCRIPTION, client.read().type());
            assertEquals(Backend.DATA_ROW, client.read().type());

            // when the server connection is reset
            relay.resetAll();

            // then, after the rows already on their way, the client gets FATAL 08006 saying the server connection was lost
            assertConnectionLost(client);
        }
        assertNextClientServedAndSlotsFree(pgmux, RESET_USER);
    }

    @Test
    void aConnectionResetMidCopyGivesTheClientACleanErrorAndLeaksNoSlot() throws Exception {
        Pgmux pgmux = pgmuxThroughRelay("");
        try (RawClient client = pgmux.raw(RESET_USER)) {
            // given a COPY FROM STDIN that has received rows
            client.send(new Query("COPY " + TABLE + " FROM STDIN")).flush();
            assertEquals(Backend.COPY_IN_RESPONSE, client.read().type());
            client.sendMessage('d', "1\tone\n".getBytes(StandardCharsets.UTF_8)).flush();

            // when the server connection is reset
            relay.resetAll();

            // then it gets FATAL 08006 saying the server connection was lost, and no row was copied
            assertConnectionLost(client);
        }
        assertEquals(0, TestSql.intDirect("SELECT count(*) FROM " + TABLE));
        assertNextClientServedAndSlotsFree(pgmux, RESET_USER);
    }

    @Test
    void aConnectionResetMidLoginIsRetriedAndTheWaitingClientIsServed() throws Exception {
        Pgmux pgmux = pgmuxThroughRelay("");
        // given a server that does not answer: the pool's first login hangs
        relay.pause();
        JdbcLoad.Login login = JdbcLoad.Login.start(pgmux, RESET_USER);
        TestSql.await("the pool's server is logging in", () -> pgmux.server().pools().pool(
                TestPostgres.DATABASE, RESET_USER).map(p -> p.counts().connectingServers() == 1).orElse(false));

        // when its connection is reset mid-login, and the server answers again
        relay.resetAll();
        relay.pass();

        // then the client, which was waiting for its welcome, is served by the next attempt (a reset may be a restart)
        try (Connection c = login.await()) {
            assertEquals(RESET_USER, TestSql.scalar(c, "SELECT current_user"));
        }
        assertNextClientServedAndSlotsFree(pgmux, RESET_USER);
    }

    // ---------------------------------------------------------------- helpers

    /** What a client holding a server is told when the server goes away (while linked, or while its settings were checked). */
    private static boolean lostItsServer(JdbcLoad.Failure failure) {
        return failure.message().contains("server connection lost") || failure.message().contains("closed the connection while pgmux checked");
    }

    private static void assertConnectionLost(RawClient client) throws IOException {
        ErrorResponse error = null;
        for (int i = 0; i < 10_000_000 && error == null; i++) {
            Reply reply = client.read();
            if (reply.type() == Backend.ERROR_RESPONSE) {
                error = reply.error();
            }
        }
        assertNotNull(error);
        assertEquals(ErrorResponse.FATAL, error.severity(), error::toString);
        assertEquals(SqlState.CONNECTION_FAILURE, error.sqlState(), error::toString);
        assertTrue(error.message().contains("server connection lost"), error::toString);
        assertTrue(client.isClosedByPeer(), "pgmux closes the client after the FATAL");
    }

    private static void assertNextClientServedAndSlotsFree(Pgmux pgmux, String user) throws Exception {
        try (Connection next = whenServed(() -> pgmux.jdbc(user))) {
            assertEquals(1, TestSql.intScalar(next, "SELECT 1"));
        }
        pgmux.awaitNothingHeld(user, 0);
        assertSlotsFree(pgmux, user);
    }

    /** Nothing held, queued or logging in; no more servers than the pool's size. */
    private static void assertSlotsFree(Pgmux pgmux, String user) {
        TestSql.await(() -> "no server logging in: " + pgmux.counts(user), () -> pgmux.counts(user).connectingServers() == 0);
        PoolCounts counts = pgmux.counts(user);
        assertEquals(0, counts.activeServers(), counts::toString);
        assertEquals(0, counts.waiting(), counts::toString);
        assertTrue(counts.idleServers() <= POOL_SIZE, counts::toString);
    }

    /** Opens a connection, again while pgmux still reports that it cannot reach the server (08006, the retry wait). */
    private static Connection whenServed(Retries.SqlCall<Connection> open) throws Exception {
        return Retries.whileFailingWith(SqlState.CONNECTION_FAILURE, open);
    }

    /**
     * Clients on threads of their own, each querying through pgmux in a loop (a short query that
     * holds the server 20 ms), reconnecting when their session is lost, and noting every success
     * and failure with its time.
     */
    static final class JdbcLoad implements AutoCloseable {
        record Failure(long atNanos, String sqlState, String message) {}

        private final Pgmux pgmux;
        private final String user;
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicLong[] lastSuccess;
        private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
        private volatile boolean stopping;

        private JdbcLoad(Pgmux pgmux, String user, int clients) {
            this.pgmux = pgmux;
            this.user = user;
            this.lastSuccess = new AtomicLong[clients];
            for (int i = 0; i < clients; i++) {
                lastSuccess[i] = new AtomicLong(Long.MIN_VALUE);
                int index = i;
                Thread thread = new Thread(() -> run(index), "load-" + i);
                thread.setDaemon(true);
                threads.add(thread);
            }
        }

        static JdbcLoad start(Pgmux pgmux, String user, int clients) {
            JdbcLoad load = new JdbcLoad(pgmux, user, clients);
            load.threads.forEach(Thread::start);
            return load;
        }

        private void run(int index) {
            Connection connection = null;
            while (!stopping) {
                try {
                    if (connection == null || connection.isClosed()) {
                        connection = pgmux.jdbc(user);
                    }
                    TestSql.intScalar(connection, "SELECT 1 FROM pg_sleep(0.02)");
                    lastSuccess[index].set(System.nanoTime());
                } catch (SQLException e) {
                    failures.add(new Failure(System.nanoTime(), e.getSQLState(), String.valueOf(e.getMessage())));
                    pause(20);
                }
            }
            closeQuietly(connection);
        }

        /** Waits until every client had a success after {@code sinceNanos} (for up to 20 s); returns when the last one did. */
        long awaitEveryClientServedAfter(long sinceNanos) {
            TestSql.await(() -> "every client served; errors so far: " + errorCounts(), () -> {
                for (AtomicLong last : lastSuccess) {
                    if (last.get() == Long.MIN_VALUE || last.get() - sinceNanos < 0) {
                        return false;
                    }
                }
                return true;
            });
            long latest = sinceNanos;
            for (AtomicLong last : lastSuccess) {
                latest = Math.max(latest, last.get());
            }
            return latest;
        }

        List<Failure> failures() {
            return List.copyOf(failures);
        }

        /** The failures by SQLSTATE and the start of their message, for the report line. */
        String errorCounts() {
            Map<String, Long> counts = new TreeMap<>();
            for (Failure failure : failures) {
                String message = failure.message();
                String key = failure.sqlState() + " " + message.substring(0, Math.min(40, message.length()));
                counts.merge(key, 1L, Long::sum);
            }
            return counts.toString();
        }

        void stop() throws InterruptedException {
            stopping = true;
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(40));
                if (thread.isAlive()) {
                    fail(thread.getName() + " did not stop");
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (!stopping) {
                stop();
            }
        }

        private static void pause(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static void closeQuietly(Connection connection) {
            try {
                if (connection != null) {
                    connection.close();
                }
            } catch (SQLException ignored) {
                // the session is gone already
            }
        }

        /** One client logging in on a thread of its own, for a test that makes the login wait. */
        static final class Login {
            private final Thread thread;
            private volatile Connection connection;
            private volatile SQLException failure;

            private Login(Pgmux pgmux, String user) {
                thread = new Thread(() -> {
                    try {
                        connection = pgmux.jdbc(user);
                    } catch (SQLException e) {
                        failure = e;
                    }
                }, "login");
                thread.setDaemon(true);
            }

            static Login start(Pgmux pgmux, String user) {
                Login login = new Login(pgmux, user);
                login.thread.start();
                return login;
            }

            /** The connection, once logged in (within 20 s); the login's error if it failed. */
            Connection await() throws SQLException, InterruptedException {
                thread.join(TimeUnit.SECONDS.toMillis(20));
                if (thread.isAlive()) {
                    fail("the login did not finish within 20 s");
                }
                if (failure != null) {
                    throw failure;
                }
                return connection;
            }
        }
    }
}
