package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code idle_transaction_timeout} and {@code client_idle_timeout}: a client left idle is
 * disconnected with an error naming the setting, and the pool slot it held is freed (a transaction
 * rolled back first). Every wait is bounded.
 */
class IdleTimeoutsIT {
    private static final String USER = "idle_user";
    private static final String TABLE = "idle_rows";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(USER).emptyTable(TABLE, "id int");

    @Test
    void aClientIdleInATransactionIsDisconnectedAndItsServerRolledBackForTheNextClient() throws Exception {
        Pgmux pgmux = fixture.start("idle_transaction_timeout: 1s\npool_size: 1\nquery_wait_timeout: 20s\n");
        try (RawClient idle = pgmux.raw(USER); RawClient next = pgmux.raw(USER)) {
            // given a client that wrote a row inside a transaction and then stays idle, holding the pool's only server
            TestSql.assertOk(idle.query("BEGIN"));
            TestSql.assertOk(idle.query("INSERT INTO " + TABLE + " VALUES (1)"));
            long idleFrom = System.nanoTime();
            // and another client queued behind it
            next.send(new Query("SELECT count(*) FROM " + TABLE)).flush();

            // then the idle client is told (25P03) and closed about a second later
            ErrorResponse error = idle.read().error();
            double seconds = (System.nanoTime() - idleFrom) / 1e9;
            assertEquals(SqlState.IDLE_IN_TRANSACTION_SESSION_TIMEOUT, error.sqlState(), error::toString);
            assertTrue(error.message().contains("idle_transaction_timeout"), error::toString);
            assertTrue(seconds >= 0.9 && seconds < 3, () -> "told after " + seconds + " s");
            assertTrue(idle.isClosedByPeer());

            // and the queued client gets the server, rolled back: the row is gone
            assertEquals("0", TestSql.value(next.readUntilReady()));
        }
        pgmux.awaitNothingHeld(USER, 0);
        assertEquals(0, TestSql.backendsInState(USER, "idle in transaction"));
    }

    @Test
    void aClientWorkingInsideATransactionIsNotIdle() throws Exception {
        Pgmux pgmux = fixture.start("idle_transaction_timeout: 1s\n");
        try (RawClient busy = pgmux.raw(USER)) {
            TestSql.assertOk(busy.query("BEGIN"));
            for (int i = 0; i < 6; i++) { // 3 s in all, never 1 s without a statement
                Thread.sleep(500);
                TestSql.assertOk(busy.query("INSERT INTO " + TABLE + " VALUES (" + i + ")"));
            }
            TestSql.assertOk(busy.query("SELECT pg_sleep(1.5)")); // a statement longer than the timeout is not idleness
            TestSql.assertOk(busy.query("COMMIT"));
        }
        assertEquals(6, TestSql.intDirect("SELECT count(*) FROM " + TABLE));
    }

    @Test
    void anIdleClientIsDisconnectedAfterClientIdleTimeoutAndAnActiveOneIsNot() throws Exception {
        Pgmux pgmux = fixture.start("client_idle_timeout: 1s\n");
        try (RawClient idle = pgmux.raw(USER); RawClient active = pgmux.raw(USER)) {
            TestSql.assertOk(idle.query("SELECT 1"));
            long idleFrom = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                Thread.sleep(400);
                TestSql.assertOk(active.query("SELECT 1"));
            }

            ErrorResponse error = idle.read().error();
            double seconds = (System.nanoTime() - idleFrom) / 1e9;
            assertEquals(SqlState.IDLE_SESSION_TIMEOUT, error.sqlState(), error::toString);
            assertTrue(error.message().contains("client_idle_timeout"), error::toString);
            assertTrue(seconds >= 0.9 && seconds < 3, () -> "told after " + seconds + " s");
            assertTrue(idle.isClosedByPeer());
            assertEquals("1", TestSql.value(active, "SELECT 1"));
        }
        pgmux.awaitNothingHeld(USER, 0);
    }

    @Test
    void inSessionModeAnIdleClientsServerGoesToTheNextClient() throws Exception {
        Pgmux pgmux = fixture.start("client_idle_timeout: 1s\npool_mode: session\npool_size: 1\nquery_wait_timeout: 20s\n");
        try (RawClient idle = pgmux.raw(USER); RawClient next = pgmux.raw(USER)) {
            TestSql.assertOk(idle.query("SET application_name = 'left_idle'"));
            next.send(new Query("SELECT current_setting('application_name')")).flush();

            assertEquals(SqlState.IDLE_SESSION_TIMEOUT, idle.read().error().sqlState());
            // the server went to the next client after server_reset_query
            List<Reply> replies = next.readUntilReady();
            assertTrue(replies.stream().noneMatch(r -> r.type() == Backend.ERROR_RESPONSE), replies::toString);
            assertTrue(!"left_idle".equals(TestSql.value(replies)), replies::toString);
        }
    }

    @Test
    void aReloadTurnsTheTimeoutOnForClientsAlreadyConnected() throws Exception {
        Pgmux pgmux = fixture.start("");
        try (RawClient idle = pgmux.raw(USER)) {
            TestSql.assertOk(idle.query("SELECT 1"));

            pgmux.rewriteConfig("client_idle_timeout: 1s\n");
            assertTrue(pgmux.server().reload().get().errors().isEmpty());

            assertEquals(SqlState.IDLE_SESSION_TIMEOUT, readErrorWithin(idle, 5).sqlState());
        }
    }

    private static ErrorResponse readErrorWithin(RawClient client, int seconds) throws IOException {
        client.readTimeout(seconds * 1000);
        return client.read().error();
    }
}
