package io.pgmux.proxy.it;

import ch.qos.logback.classic.Level;
import io.pgmux.protocol.Backend;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.pool.PoolCounts;
import io.pgmux.proxy.testing.FaultRelay;
import io.pgmux.proxy.testing.JdbcLoad;
import io.pgmux.proxy.testing.LogCapture;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault drills with a {@link FaultRelay} between pgmux and Postgres: the server going away under
 * load (every connection reset and new ones refused; Postgres itself stopped and started), refusing
 * connections, and connections reset mid-result, mid-COPY and mid-login. Each drill checks what
 * clients see, that the pool's slots are all accounted for afterwards, and that the server saw a
 * bounded number of login attempts (the relay counts them). Every wait is bounded; Postgres is left
 * running.
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
        try (LogCapture log = LogCapture.start(); JdbcLoad load = JdbcLoad.start(pgmux, LOAD_USER, 2 * POOL_SIZE)) {
            // given eight clients querying through a pool of four (half of them queued at any moment)
            load.awaitEveryClientServedAfter(System.nanoTime());

            // when every server connection is reset and new ones are refused for 3 s (a restart, seen from pgmux)
            int acceptedBefore = relay.accepted();
            relay.refuseNew();
            relay.resetAll();
            Thread.sleep(3_000);
            int attempts = relay.accepted() - acceptedBefore;
            relay.pass();

            // then service comes back by itself, the server having seen few attempts, and only holders lost their session
            assertRecoveredWithoutAStorm("reset-and-refuse drill", load, System.nanoTime(), attempts, log);
            assertOnlyHoldersLostTheirSession(load, failure -> false, POOL_SIZE);
            pgmux.awaitNothingHeld(LOAD_USER, 0);
            assertSlotsFree(pgmux, LOAD_USER);
        }
    }

    @Test
    void postgresStoppedUnderLoadCostsOnlyTheClientsHoldingAServerAndCausesNoLoginStorm() throws Exception {
        TestPostgres pg = TestPostgres.get();
        Pgmux pgmux = pgmuxThroughRelay("");
        try (LogCapture log = LogCapture.start(); JdbcLoad load = JdbcLoad.start(pgmux, LOAD_USER, 2 * POOL_SIZE)) {
            // given eight clients querying through a pool of four
            load.awaitEveryClientServedAfter(System.nanoTime());

            // when Postgres stops (fast: its sessions get 57P01) and starts again 3 s later
            int acceptedBefore = relay.accepted();
            try {
                pg.stop();
                Thread.sleep(3_000);
            } finally {
                pg.start();
            }
            int attempts = relay.accepted() - acceptedBefore;

            // then the same as above, the holders having been told by Postgres itself; a server that logged in while
            // Postgres was shutting down may have been handed to a client before it was terminated too
            assertRecoveredWithoutAStorm("stop-and-start drill", load, System.nanoTime(), attempts, log);
            assertOnlyHoldersLostTheirSession(load, failure -> SqlState.ADMIN_SHUTDOWN.equals(failure.sqlState()), POOL_SIZE + attempts);
            pgmux.awaitNothingHeld(LOAD_USER, 0);
            assertSlotsFree(pgmux, LOAD_USER);
        } finally {
            if (!pg.isRunning()) {
                pg.start();
            }
        }
    }

    /**
     * Every client is served again within a few seconds of {@code backNanos}, the server saw the
     * replacements of the pool's servers and then at most one attempt per wait (500 ms, 1 s, 2 s:
     * three in a 3 s outage), and pgmux logged the failed logins once per wait, not once per attempt.
     */
    private static void assertRecoveredWithoutAStorm(String drill, JdbcLoad load, long backNanos, int attempts, LogCapture log) {
        long recoveredAt = load.awaitEveryClientServedAfter(backNanos);
        double recoverySeconds = (recoveredAt - backNanos) / 1e9;
        long loginWarnings = log.events().stream().filter(e -> e.getLevel() == Level.WARN)
                .filter(e -> e.getFormattedMessage().contains("server login to")).count();
        System.out.printf("%s: %d login attempts in the outage, %d warnings about them, every client served %.2f s after "
                + "the server was back; failures: %s%n", drill, attempts, loginWarnings, recoverySeconds, load.failureCounts());
        assertTrue(recoverySeconds < 8, () -> "recovery took " + recoverySeconds + " s");
        assertTrue(attempts <= POOL_SIZE + 4, () -> attempts + " login attempts in the outage");
        assertTrue(loginWarnings <= 5, () -> loginWarnings + " warnings about failed logins");
    }

    /**
     * The failures of the load: at most one lost session per server that went away ({@code servers}:
     * clients that held one, told "server connection lost", or what Postgres said, {@code toldByPostgres});
     * every other failure is the login error pgmux tells while it cannot log in (08006 naming the
     * server, or Postgres's 57P03 while it starts or stops). Nobody waited out query_wait_timeout.
     */
    private void assertOnlyHoldersLostTheirSession(JdbcLoad load, Predicate<JdbcLoad.Failure> toldByPostgres, int servers)
            throws InterruptedException {
        load.stop();
        List<JdbcLoad.Failure> failures = load.failures();
        Predicate<JdbcLoad.Failure> lostSession = toldByPostgres.or(ServerOutageIT::lostItsServer);
        long sessionsLost = failures.stream().filter(lostSession).count();
        assertTrue(sessionsLost <= servers, () -> sessionsLost + " sessions lost, more than the " + servers
                + " servers that went away: " + failures);
        for (JdbcLoad.Failure failure : failures) {
            boolean loginError = SqlState.CONNECTION_FAILURE.equals(failure.sqlState()) && failure.message().contains(relay.address())
                    || SqlState.CANNOT_CONNECT_NOW.equals(failure.sqlState());
            assertTrue(lostSession.test(failure) || loginError, failure::toString);
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
        CompletableFuture<Connection> login = CompletableFuture.supplyAsync(() -> {
            try {
                return pgmux.jdbc(RESET_USER);
            } catch (SQLException e) {
                throw new IllegalStateException(e.getSQLState() + " " + e.getMessage(), e);
            }
        });
        TestSql.await("the pool's server is logging in", () -> pgmux.server().pools().pool(
                TestPostgres.DATABASE, RESET_USER).map(p -> p.counts().connectingServers() == 1).orElse(false));

        // when its connection is reset mid-login, and the server answers again
        relay.resetAll();
        relay.pass();

        // then the client, which was waiting for its welcome, is served by the next attempt (a reset may be a restart)
        try (Connection c = login.get(20, TimeUnit.SECONDS)) {
            assertEquals(RESET_USER, TestSql.scalar(c, "SELECT current_user"));
        }
        assertNextClientServedAndSlotsFree(pgmux, RESET_USER);
    }

    // ---------------------------------------------------------------- helpers

    /** What pgmux tells a client holding a server that went away (while linked, or while its settings were checked). */
    private static boolean lostItsServer(JdbcLoad.Failure failure) {
        return SqlState.CONNECTION_FAILURE.equals(failure.sqlState()) && (failure.message().contains("server connection lost")
                || failure.message().contains("closed the connection while pgmux checked"));
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
}
