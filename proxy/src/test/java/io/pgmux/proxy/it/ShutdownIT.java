package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.ConnectException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pgmux.proxy.testing.TestSql.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A graceful shutdown stops new logins at once, tells idle clients at once (FATAL 57P01, as
 * Postgres does), lets transactions finish up to {@code shutdown_timeout}, then cuts off the rest.
 */
class ShutdownIT {
    private static final String USER = "shutdown_user";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(USER)
            .emptyTable("shutdown_rows", "note text");

    @Test
    void idleClientsAreToldAtOnceAndATransactionMayFinish() throws Exception {
        try (Pgmux pgmux = Pgmux.start("pool_size: 2\nshutdown_timeout: 30s\n");
             RawClient idle = pgmux.raw(USER); RawClient busy = pgmux.raw(USER)) {
            // given: one client idle, one inside a transaction
            assertEquals("1", value(idle, "SELECT 1"));
            TestSql.assertOk(busy.query("BEGIN; INSERT INTO shutdown_rows VALUES ('committed during shutdown')"));

            // when: pgmux shuts down gracefully
            pgmux.server().shutdownGracefully();

            // then: the idle client is told why it is disconnected, and disconnected
            assertAdminShutdown(idle.read());
            assertTrue(idle.isClosedByPeer());
            // and new connections are refused
            assertThrows(ConnectException.class, () -> RawClient.open(pgmux.host(), pgmux.port()).close());
            // and the client in a transaction can finish it
            assertEquals(TransactionStatus.IN_TRANSACTION, TestSql.status(busy.query("SELECT 1")));
            List<Reply> commit = busy.query("COMMIT");
            TestSql.assertOk(commit);
            assertEquals(TransactionStatus.IDLE, TestSql.status(commit));
            // after which it is disconnected too
            assertAdminShutdown(busy.read());
            assertTrue(busy.isClosedByPeer());
            // and pgmux stops
            assertTerminates(pgmux);
        }
        assertEquals("committed during shutdown", TestSql.direct("SELECT string_agg(note, ',') FROM shutdown_rows"));
    }

    @Test
    void transactionStillOpenAtShutdownTimeoutIsCutOffAndRolledBack() throws Exception {
        try (Pgmux pgmux = Pgmux.start("pool_size: 1\nshutdown_timeout: 2s\n");
             RawClient busy = pgmux.raw(USER)) {
            // given: a transaction that will not finish
            TestSql.assertOk(busy.query("BEGIN; INSERT INTO shutdown_rows VALUES ('never committed')"));

            // when: pgmux shuts down and shutdown_timeout passes
            pgmux.server().shutdownGracefully();

            // then: the client is cut off and pgmux stops
            assertTrue(busy.isClosedByPeer());
            assertTerminates(pgmux);
        }
        // and its work is rolled back, leaving no open transaction
        TestSql.awaitDirect("the server connection is gone", "SELECT count(*) = 0 FROM pg_stat_activity WHERE usename = '" + USER + "'");
        assertEquals("0", TestSql.direct("SELECT count(*) FROM shutdown_rows"));
    }

    @Test
    void sessionModeClientBetweenTransactionsIsToldAtOnce() throws Exception {
        try (Pgmux pgmux = Pgmux.start("pool_mode: session\npool_size: 1\nshutdown_timeout: 20s\n");
             RawClient idle = pgmux.raw(USER)) {
            // given: a session-mode client holding its server, between transactions
            assertEquals("1", value(idle, "SELECT 1"));

            // when: pgmux shuts down
            pgmux.server().shutdownGracefully();

            // then: it has no transaction to finish: it is told and disconnected at once
            assertAdminShutdown(idle.read());
            assertTrue(idle.isClosedByPeer());
            assertTerminates(pgmux);
        }
    }

    private static void assertAdminShutdown(Reply reply) {
        assertEquals(Backend.ERROR_RESPONSE, reply.type(), "expected an error, got " + reply);
        ErrorResponse error = reply.error();
        assertEquals("FATAL", error.severity());
        assertEquals("57P01", error.sqlState());
    }

    /** awaitTermination returns (well within shutdown_timeout + 10 s). */
    private static void assertTerminates(Pgmux pgmux) throws Exception {
        CompletableFuture<Void> terminated = CompletableFuture.runAsync(() -> {
            try {
                pgmux.server().awaitTermination();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        terminated.get(pgmux.config().shutdownTimeout().toSeconds() + 10, TimeUnit.SECONDS);
    }
}
