package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.FaultRelay;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
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
                    + "server_connect_timeout: 1s\nquery_wait_timeout: 20s\n");
            try (RawClient first = pgmux.raw(USER); RawClient next = pgmux.raw(USER)) {
                // given the pool's one server, idle, killed where the news cannot reach pgmux (its last words and its
                // close are lost on the way), the path working again for new connections
                String killed = TestSql.value(first, "SELECT pg_backend_pid()");
                pgmux.awaitNoServerHeld(USER);
                relay.holdCloses();
                relay.blackhole(FaultRelay.Direction.TO_CLIENT);
                int sockets = relay.openSockets();
                assertEquals("t", TestSql.direct("SELECT pg_terminate_backend(" + killed + ")"));
                TestSql.await("the relay saw Postgres close the killed backend's connection", () -> relay.openSockets() < sockets);
                relay.stopBlackholes();

                // when the next client asks
                next.readTimeout(10_000);
                long askedAt = System.nanoTime();
                List<Reply> replies = next.query("SELECT pg_backend_pid()");

                // then the check went unanswered, the server was replaced, and the client got its answer from the new one
                double seconds = (System.nanoTime() - askedAt) / 1e9;
                String served = TestSql.value(replies);
                assertNotEquals(killed, served);
                System.out.printf("killed idle server: the next client was served by a new one after %.2f s%n", seconds);
            } finally {
                relay.pass();
            }
            pgmux.awaitNothingHeld(USER, 0);
        }
    }

    @Test
    void aServerFailingTheCheckQueryIsReplacedAndTheClientIsServedAnyway() throws Exception {
        List<String> servers = serversOfSuccessiveQueries("server_check_delay: 0\nserver_check_query: \"SELECT 1/0\"\n", 2);

        assertNotEquals(servers.get(0), servers.get(1), "the idle server failed its check and was replaced");
    }

    @Test
    void aServerIdleForLessThanServerCheckDelayIsNotChecked() throws Exception {
        List<String> servers = serversOfSuccessiveQueries("server_check_delay: 30s\nserver_check_query: \"SELECT 1/0\"\n", 2);

        assertEquals(servers.get(0), servers.get(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"\"", "\"<empty>\"", "\"SELECT 1\""})
    void aHealthyServerPassesTheCheck(String checkQuery) throws Exception {
        List<String> servers = serversOfSuccessiveQueries("server_check_delay: 0\nserver_check_query: " + checkQuery + "\n", 4);

        assertEquals(1, servers.stream().distinct().count(), "one server served every query: " + servers);
    }

    /** The backend pid of each of {@code count} queries of one client, its server back in the pool of one between them. */
    private static List<String> serversOfSuccessiveQueries(String checkConfig, int count) throws Exception {
        Pgmux pgmux = fixture.start("pool_size: 1\n" + checkConfig);
        List<String> servers = new ArrayList<>();
        try (RawClient client = pgmux.raw(USER)) {
            for (int i = 0; i < count; i++) {
                if (i > 0) {
                    pgmux.awaitNoServerHeld(USER);
                }
                servers.add(TestSql.value(client, "SELECT pg_backend_pid()"));
            }
        }
        return servers;
    }
}
