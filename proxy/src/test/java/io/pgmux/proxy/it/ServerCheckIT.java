package io.pgmux.proxy.it;

import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.testing.FaultRelay;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * {@code server_check_delay} and {@code server_check_query}: a server idle longer than the delay
 * is checked before a client gets it, and one that fails is replaced without the client noticing.
 */
class ServerCheckIT {
    private static final String USER = "check_user";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(USER);

    @Test
    void aServerKilledWhileIdleIsCaughtByTheCheckAndTheNextClientIsServedByAHealthyOne() throws Exception {
        try (FaultRelay relay = FaultRelay.toPostgres()) {
            Pgmux pgmux = fixture.start("upstream: \"" + relay.address() + "\"\npool_size: 1\nserver_check_delay: 0\n"
                    + "query_wait_timeout: 20s\n");
            try (RawClient first = pgmux.raw(USER); RawClient next = pgmux.raw(USER)) {
                // given the pool's one server, idle, killed while the news cannot reach pgmux (the relay holds it)
                String killed = TestSql.value(first, "SELECT pg_backend_pid()");
                pgmux.awaitNoServerHeld(USER);
                relay.pause();
                assertEquals("t", TestSql.direct("SELECT pg_terminate_backend(" + killed + ")"));

                // when the next client asks, and the path delivers again (the server's FATAL and close come first)
                next.send(new Query("SELECT pg_backend_pid()")).flush();
                Thread.sleep(300);
                relay.pass();

                // then the check failed, the server was replaced, and the client got its answer from the new one, no error
                List<Reply> replies = next.readUntilReady();
                String served = TestSql.value(replies);
                assertNotEquals(killed, served);
            }
            pgmux.awaitNothingHeld(USER, 0);
        }
    }

    @Test
    void aServerFailingTheCheckQueryIsReplacedAndTheClientIsServedAnyway() throws Exception {
        Pgmux pgmux = fixture.start("pool_size: 1\nserver_check_delay: 0\nserver_check_query: \"SELECT 1/0\"\n");
        try (RawClient client = pgmux.raw(USER)) {
            String before = TestSql.value(client, "SELECT pg_backend_pid()");
            pgmux.awaitNoServerHeld(USER);

            String after = TestSql.value(client, "SELECT pg_backend_pid()");

            assertNotEquals(before, after, "the idle server failed its check and was replaced");
        }
    }

    @Test
    void aServerIdleForLessThanServerCheckDelayIsNotChecked() throws Exception {
        Pgmux pgmux = fixture.start("pool_size: 1\nserver_check_delay: 30s\nserver_check_query: \"SELECT 1/0\"\n");
        try (RawClient client = pgmux.raw(USER)) {
            String before = TestSql.value(client, "SELECT pg_backend_pid()");
            pgmux.awaitNoServerHeld(USER);

            assertEquals(before, TestSql.value(client, "SELECT pg_backend_pid()"));
        }
    }

    @Test
    void theDefaultCheckKeepsAHealthyServer() throws Exception {
        Pgmux pgmux = fixture.start("pool_size: 1\nserver_check_delay: 0\n");
        try (RawClient client = pgmux.raw(USER)) {
            String before = TestSql.value(client, "SELECT pg_backend_pid()");
            for (int i = 0; i < 3; i++) {
                pgmux.awaitNoServerHeld(USER);
                assertEquals(before, TestSql.value(client, "SELECT pg_backend_pid()"));
            }
        }
    }
}
