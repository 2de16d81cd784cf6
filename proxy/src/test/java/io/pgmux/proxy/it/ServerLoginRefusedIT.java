package io.pgmux.proxy.it;

import io.pgmux.protocol.SqlState;
import io.pgmux.proxy.testing.FaultRelay;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.Retries;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pgmux.proxy.testing.TestPostgres.DATABASE;
import static io.pgmux.proxy.testing.TestPostgres.SCRAM_PASSWORD;
import static io.pgmux.proxy.testing.TestPostgres.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Postgres refusing pgmux's server logins (a password changed on the server, a role at its
 * connection limit): a client waiting for a server gets Postgres's error as Postgres sent it, at
 * once rather than after query_wait_timeout; the server sees one attempt per retry wait, counted by
 * a {@link FaultRelay} that only passes bytes; and the pool serves again once the cause is gone.
 */
class ServerLoginRefusedIT {
    private static final String LIMITED_USER = "refused_limited";
    private static final String SHARED_USER = "refused_shared";
    private static final String QUERY_WAIT = "query_wait_timeout: 30s\n";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(LIMITED_USER, "LOGIN CONNECTION LIMIT 1")
            .role(SHARED_USER, "LOGIN CONNECTION LIMIT 1");

    private FaultRelay relay;

    @BeforeEach
    void startRelay() {
        relay = FaultRelay.toPostgres();
    }

    @AfterEach
    void stopRelayAndRestoreThePassword() {
        relay.close();
        setPassword(SCRAM_PASSWORD);
    }

    /** The shared SCRAM role's password on the server (pg_hba makes it log in with SCRAM-SHA-256). */
    private static void setPassword(String password) {
        TestPostgres.get().execute("SET password_encryption = 'scram-sha-256'; ALTER ROLE " + SCRAM_USER
                + " PASSWORD '" + password + "'");
    }

    @Test
    void aPasswordChangedOnTheServerReachesTheWaitingClientAtOnceWithoutALoginStorm() throws Exception {
        Pgmux pgmux = fixture.start("upstream: \"" + relay.address() + "\"\npool_size: 2\nserver_login_retry: 1s\n" + QUERY_WAIT
                + "users:\n  " + SCRAM_USER + ":\n    password: \"" + SCRAM_PASSWORD + "\"\n");
        try (Connection client = pgmux.jdbc(SCRAM_USER)) {
            // given a logged-in client whose pool lost its server after the role's password changed on the server
            assertEquals(1, TestSql.intScalar(client, "SELECT 1"));
            setPassword("changed-behind-pgmux");
            relay.resetAll();
            TestSql.await(() -> "the pool dropped its server: " + pgmux.counts(SCRAM_USER),
                    () -> pgmux.counts(SCRAM_USER).servers() == 0);
            ServerErrorMessage direct = serverError(() -> TestPostgres.get().connect(DATABASE, SCRAM_USER, SCRAM_PASSWORD));

            // when the client needs a server, it is told Postgres's error at once, and its session goes on
            int acceptedBefore = relay.accepted();
            long start = System.nanoTime();
            ServerErrorMessage told = serverError(() -> TestSql.intScalar(client, "SELECT 2"));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("28P01", told.getSQLState());
            assertEquals(direct.getMessage(), told.getMessage());
            assertEquals("ERROR", told.getSeverity(), "a logged-in client is not disconnected");
            assertTrue(tookMillis < 5_000, () -> "told after " + tookMillis + " ms");
            assertFalse(client.isClosed());

            // and while it keeps asking for 3 s, every 50 ms, it is told each time, and Postgres sees one attempt per wait
            int times = 0;
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3); System.nanoTime() - end < 0; times++) {
                assertEquals("28P01", serverError(() -> TestSql.intScalar(client, "SELECT 3")).getSQLState());
                Thread.sleep(50);
            }
            int attempts = relay.accepted() - acceptedBefore;
            int asked = times;
            assertTrue(attempts <= 3, () -> attempts + " login attempts for " + asked + " queries in 3 s (waits 1 s, 2 s)");

            // then once the password is right again, the same session is served after the wait
            setPassword(SCRAM_PASSWORD);
            assertEquals(4, Retries.whileFailingWith("28P01", () -> TestSql.intScalar(client, "SELECT 4")));
        }
    }

    @Test
    void aRoleAtItsConnectionLimitIsToldToClientsAsPostgresSaysItAndThePoolRecoversWhenTheLimitIsRaised() throws Exception {
        Pgmux pgmux = fixture.start("server_login_retry: 500ms\n" + QUERY_WAIT);
        try (Connection holdsTheOneSlot = TestPostgres.get().connect(DATABASE, LIMITED_USER, null)) {
            // given a role allowed one connection, which somebody else holds
            ServerErrorMessage direct = serverError(() -> TestPostgres.get().connect(DATABASE, LIMITED_USER, null));
            assertEquals("53300", direct.getSQLState());

            // when a client logs in through pgmux, it gets Postgres's error as Postgres sent it
            ServerErrorMessage viaPgmux = serverError(() -> pgmux.jdbc(LIMITED_USER));
            assertEquals("FATAL", viaPgmux.getSeverity());
            assertEquals("53300", viaPgmux.getSQLState());
            assertEquals(direct.getMessage(), viaPgmux.getMessage());
            assertTrue(viaPgmux.getMessage().contains("too many connections for role"), viaPgmux::getMessage);

            // then once the limit is raised, clients are served after the retry wait
            TestPostgres.get().execute("ALTER ROLE " + LIMITED_USER + " CONNECTION LIMIT -1");
            try (Connection c = Retries.whileFailingWith("53300", () -> pgmux.jdbc(LIMITED_USER))) {
                assertEquals(LIMITED_USER, TestSql.scalar(c, "SELECT current_user"));
            }
            assertEquals(1, TestSql.intScalar(holdsTheOneSlot, "SELECT 1"));
        }
        pgmux.awaitNothingHeld(LIMITED_USER, 0);
    }

    @Test
    void aClientWaitingWhileAnotherHoldsThePoolsOnlyServerIsServedByItNotToldTheRefusal() throws Exception {
        Pgmux pgmux = fixture.start("pool_size: 2\nserver_login_retry: 500ms\n" + QUERY_WAIT);
        try (Connection holder = pgmux.jdbc(SHARED_USER); Connection waiting = pgmux.jdbc(SHARED_USER)) {
            // given a role allowed one connection, used by the pool's one server, held by a client in a transaction
            holder.setAutoCommit(false);
            assertEquals(SHARED_USER, TestSql.scalar(holder, "SELECT current_user"));

            // when another client needs a server, the pool's second login is refused (too many connections for the role)
            CompletableFuture<Integer> query = TestSql.intScalarLater(waiting, "SELECT 42");
            TestSql.await("the pool's second login failed", () -> pgmux.pool(SHARED_USER).lastLoginError() != null);
            assertEquals("53300", pgmux.pool(SHARED_USER).lastLoginError().sqlState());
            assertFalse(query.isDone(), "the waiting client was not told: a logged-in server can still serve it");

            // then when the holder commits, the waiting client gets that server
            holder.commit();
            assertEquals(42, query.get(20, TimeUnit.SECONDS));
        }
        pgmux.awaitNothingHeld(SHARED_USER, 0);
    }

    // ---------------------------------------------------------------- helpers

    private static ServerErrorMessage serverError(Retries.SqlCall<?> call) {
        PSQLException e = assertThrows(PSQLException.class, call::call);
        ServerErrorMessage error = e.getServerErrorMessage();
        assertNotNull(error, () -> "not an error from the server: " + e);
        return error;
    }
}
