package io.pgmux.proxy.it;

import io.pgmux.proxy.net.HostLookup;
import io.pgmux.proxy.testing.FaultRelay;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static io.pgmux.proxy.testing.TestPostgres.DATABASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server host name that moves, with a host lookup the test plays (no /etc/hosts): pgmux looks the
 * name up again after {@code dns_max_ttl} and follows the move without a restart; of several
 * addresses, one that refuses is skipped for the next. The second address of Postgres is a
 * {@link FaultRelay} on 127.0.0.2 and Postgres's own port.
 */
class ServerHostMoveIT {
    private static final String USER = "host_move";
    private static final String NAME = "db.pgmux.test";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().roles(USER);

    private final AtomicReference<List<InetAddress>> answer = new AtomicReference<>();
    private final List<String> lookedUp = new CopyOnWriteArrayList<>();
    private final HostLookup lookup = host -> {
        lookedUp.add(host);
        return NAME.equals(host) ? CompletableFuture.completedFuture(answer.get())
                : CompletableFuture.failedFuture(new IllegalStateException("unknown host \"" + host + "\""));
    };

    @Test
    void aServerHostNameThatMovesIsFollowedAfterDnsMaxTtl() throws Exception {
        int port = TestPostgres.get().port();
        try (FaultRelay oldAddress = FaultRelay.toPostgresOn("127.0.0.2")) {
            // given the name at 127.0.0.2 (the relay), and a client served through it
            answer.set(List.of(ip("127.0.0.2")));
            try (Pgmux pgmux = Pgmux.start("upstream: \"" + NAME + ":" + port + "\"\ndns_max_ttl: 1s\n"
                    + "server_login_retry: 200ms\n", lookup);
                 Connection client = pgmux.jdbc(USER)) {
                assertEquals(1, TestSql.intScalar(client, "SELECT 1"));
                assertEquals(1, oldAddress.accepted());

                // when the name moves to 127.0.0.1 (Postgres itself) and the old address goes away
                answer.set(List.of(ip("127.0.0.1")));
                Thread.sleep(1_200);
                oldAddress.refuseNew();
                oldAddress.resetAll();
                TestSql.await("the server through the old address is gone", () -> pgmux.counts(USER).servers() == 0);

                // then the client's next query gets a server at the new address; the old one saw no attempt
                assertEquals(2, TestSql.intScalar(client, "SELECT 2"));
                assertEquals(1, oldAddress.accepted());
                assertEquals(1, Pgmux.serverConnections(DATABASE, USER));
                assertTrue(lookedUp.size() >= 2, "looked up: " + lookedUp);
            }
        }
    }

    @Test
    void ofSeveralAddressesOneThatRefusesIsSkippedForTheNext() throws Exception {
        int port = TestPostgres.get().port();
        // given a name whose first address refuses connections (nothing listens on 127.0.0.3) and whose second is Postgres
        answer.set(List.of(ip("127.0.0.3"), ip("127.0.0.1")));
        try (Pgmux pgmux = Pgmux.start("upstream: \"" + NAME + ":" + port + "\"\n", lookup);
             Connection client = pgmux.jdbc(USER)) {
            // then clients are served, and the pool saw no failed login
            assertEquals(1, TestSql.intScalar(client, "SELECT 1"));
            assertNull(pgmux.pool(USER).lastLoginError());
            assertEquals(1, Pgmux.serverConnections(DATABASE, USER));
        }
    }

    @Test
    void aNameWithNoAddressIsToldAsUnresolvedAtOnce() throws Exception {
        try (Pgmux pgmux = Pgmux.start("upstream: \"nowhere.pgmux.test:5432\"\n", lookup)) {
            SQLException e = assertThrows(SQLException.class, () -> pgmux.jdbc(USER));
            assertTrue(e.getMessage().contains("could not resolve server host \"nowhere.pgmux.test\""), e.getMessage());
        }
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
