package io.pgmux.proxy.it;

import io.pgmux.protocol.SqlState;
import io.pgmux.proxy.pool.PoolCounts;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.Retries;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.Set;

import static io.pgmux.proxy.testing.TestPostgres.DATABASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Postgres restarting, down, or killing a server connection: clients holding a server get an error
 * and can reconnect; everybody else goes on, and the pools replace what they lost. Every test leaves
 * Postgres running for the test classes after it.
 */
class ServerFailureIT {
    private static final String TX_USER = "sfail_tx";
    private static final String IDLE_USER = "sfail_idle";
    private static final String DOWN_USER = "sfail_down";
    private static final String OUTAGE_USER = "sfail_outage";
    private static final String KILLED_USER = "sfail_killed";
    /** One server per pool: a slot the pool failed to free after a failure would leave clients waiting. */
    private static final String ONE_SERVER = "pool_size: 1\nquery_wait_timeout: 10s\n";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .roles(TX_USER, IDLE_USER, DOWN_USER, OUTAGE_USER, KILLED_USER);

    private final TestPostgres pg = TestPostgres.get();

    @AfterEach
    void leavePostgresRunning() {
        ensureRunning();
    }

    @Test
    void aClientInATransactionWhenPostgresRestartsGetsAnErrorAndCanReconnect() throws Exception {
        try (Pgmux pgmux = Pgmux.start(ONE_SERVER); Connection inTransaction = pgmux.jdbc(TX_USER)) {
            // given a client in a transaction
            inTransaction.setAutoCommit(false);
            int pidBefore = TestSql.intScalar(inTransaction, "SELECT pg_backend_pid()");

            // when Postgres restarts
            try {
                pg.restart();
            } finally {
                ensureRunning();
            }

            // then its transaction is gone with an error saying so
            SQLException e = assertThrows(SQLException.class, () -> TestSql.intScalar(inTransaction, "SELECT 1"));
            assertTrue(Set.of("57P01", "08006").contains(e.getSQLState()), () -> e.getSQLState() + " " + e.getMessage());

            // and it can reconnect and work
            try (Connection again = pgmux.jdbc(TX_USER)) {
                again.setAutoCommit(false);
                int pidAfter = TestSql.intScalar(again, "SELECT pg_backend_pid()");
                assertEquals(pidAfter, TestSql.intScalar(again, "SELECT pg_backend_pid()"));
                again.commit();
                assertNotEquals(pidBefore, pidAfter);
            }
        }
    }

    @Test
    void anIdleClientGoesOnAfterARestartWithoutReconnectingAndThePoolReplacesItsServers() throws Exception {
        try (Pgmux pgmux = Pgmux.start(ONE_SERVER); Connection idle = pgmux.jdbc(IDLE_USER)) {
            // given an idle client (holding no server) and the pool's server
            int pidBefore = TestSql.intScalar(idle, "SELECT pg_backend_pid()");
            Timestamp startedBefore = TestSql.timestampScalar(idle, "SELECT pg_postmaster_start_time()");

            // when Postgres restarts
            try {
                pg.restart();
            } finally {
                ensureRunning();
            }
            TestSql.await("pgmux dropped the servers Postgres closed", () -> isEmpty(pgmux.counts(IDLE_USER)));

            // then the same connection goes on, served by the new Postgres
            Timestamp startedAfter = TestSql.timestampScalar(idle, "SELECT pg_postmaster_start_time()");
            assertTrue(startedAfter.after(startedBefore), startedBefore + " then " + startedAfter);
            int pidAfter = TestSql.intScalar(idle, "SELECT pg_backend_pid()");
            assertNotEquals(pidBefore, pidAfter);
            TestSql.await("the new server is back in the pool", () -> pgmux.counts(IDLE_USER).idleServers() == 1);
            assertEquals(1, Pgmux.serverConnections(DATABASE, IDLE_USER));
        }
    }

    @Test
    void withPostgresDownANewClientGetsAClearErrorAndIsServedOnceItIsBack() throws Exception {
        Pgmux pgmux = null;
        pg.stop();
        try {
            // given pgmux started while Postgres is down
            pgmux = Pgmux.start(ONE_SERVER + "server_login_retry: 1s\nserver_connect_timeout: 5s\n");
            Pgmux started = pgmux;

            // when a client logs in, it is told at once why it cannot be served
            PSQLException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> assertThrows(PSQLException.class, () -> started.jdbc(DOWN_USER).close()));
            assertEquals("08006", e.getSQLState(), e::getMessage);
            assertTrue(e.getMessage().contains("127.0.0.1:" + pg.port()), e::getMessage);

            // then once Postgres is back, new clients are served without restarting pgmux
            pg.start();
            try (Connection c = Retries.whileFailingWith(SqlState.CONNECTION_FAILURE, () -> started.jdbc(DOWN_USER))) {
                assertEquals(DOWN_USER, TestSql.scalar(c, "SELECT current_user"));
            }
        } finally {
            ensureRunning();
            if (pgmux != null) {
                pgmux.close();
            }
        }
    }

    @Test
    void aLoggedInClientGetsAnErrorWhilePostgresIsDownAndGoesOnWhenItIsBack() throws Exception {
        try (Pgmux pgmux = Pgmux.start(ONE_SERVER + "server_login_retry: 1s\nserver_connect_timeout: 5s\n");
             Connection client = pgmux.jdbc(OUTAGE_USER)) {
            assertEquals(1, TestSql.intScalar(client, "SELECT 1"));
            try {
                // given Postgres down
                pg.stop();
                TestSql.await("pgmux dropped the server Postgres closed", () -> isEmpty(pgmux.counts(OUTAGE_USER)));

                // when the client sends a query, it gets an error and stays connected
                PSQLException e = assertThrows(PSQLException.class, () -> TestSql.intScalar(client, "SELECT 2"));
                assertEquals("08006", e.getSQLState(), e::getMessage);
                assertNotNull(e.getServerErrorMessage(), e::getMessage);
                assertEquals("ERROR", e.getServerErrorMessage().getSeverity());
                assertTrue(e.getMessage().contains("127.0.0.1:" + pg.port()), e::getMessage);
                assertFalse(client.isClosed());
            } finally {
                ensureRunning();
            }

            // then once Postgres is back the same connection is served
            assertEquals(3, Retries.whileFailingWith(SqlState.CONNECTION_FAILURE, () -> TestSql.intScalar(client, "SELECT 3")));
        }
    }

    @Test
    void aServerKilledWhileIdleInThePoolIsDroppedAndTheNextClientGetsAWorkingOne() throws Exception {
        try (Pgmux pgmux = Pgmux.start(ONE_SERVER); Connection client = pgmux.jdbc(KILLED_USER)) {
            // given one idle server in the pool
            int pid = TestSql.intScalar(client, "SELECT pg_backend_pid()");
            TestSql.await("the server is back in the pool", () -> pgmux.counts(KILLED_USER).idleServers() == 1);

            // when Postgres terminates it
            try (Connection direct = pg.connect(DATABASE, TestPostgres.SUPERUSER, null)) {
                assertTrue(TestSql.booleanScalar(direct, "SELECT pg_terminate_backend(" + pid + ", 10000)"));
            }
            TestSql.await("pgmux dropped the terminated server", () -> isEmpty(pgmux.counts(KILLED_USER)));

            // then the next query, and the next client, get a new server without an error
            int newPid = TestSql.intScalar(client, "SELECT pg_backend_pid()");
            assertNotEquals(pid, newPid);
            try (Connection next = pgmux.jdbc(KILLED_USER)) {
                assertEquals(KILLED_USER, TestSql.scalar(next, "SELECT current_user"));
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private void ensureRunning() {
        if (!pg.isRunning()) {
            pg.start();
        }
    }

    private static boolean isEmpty(PoolCounts counts) {
        return counts.idleServers() == 0 && counts.activeServers() == 0 && counts.connectingServers() == 0;
    }
}
