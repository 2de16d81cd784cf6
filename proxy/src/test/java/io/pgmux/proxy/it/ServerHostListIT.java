package io.pgmux.proxy.it;

import io.pgmux.proxy.net.HostLookup;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.FaultRelay;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.pgmux.proxy.testing.TestPostgres.DATABASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A database whose {@code host} lists several hosts, with PgBouncer's {@code load_balance_hosts}:
 * round-robin spreads new server connections over the hosts; disable keeps them on one host until
 * it cannot be reached. Either way a connection whose host cannot be reached (no such name, nothing
 * listening) goes on to the next host, so clients are served. Postgres's second address is a
 * {@link FaultRelay} on 127.0.0.2 that counts the connections it accepts; 127.0.0.3 refuses.
 */
class ServerHostListIT {
    private static final String USER = "host_list";
    private static final String ADMIN = "host_list_admin";
    private static final String GONE = "gone.pgmux.test";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().roles(USER, ADMIN);

    private final List<String> lookedUp = new CopyOnWriteArrayList<>();
    private final HostLookup lookup = host -> {
        lookedUp.add(host);
        return CompletableFuture.failedFuture(new IllegalStateException("unknown host \"" + host + "\""));
    };

    private static String database(String name, String hosts, String balance) {
        return "  " + name + ":\n    host: \"" + hosts + "\"\n    port: " + TestPostgres.get().port() + "\n"
                + "    dbname: " + DATABASE + "\n" + (balance == null ? "" : "    load_balance_hosts: " + balance + "\n");
    }

    private static Pgmux start(String databases, HostLookup lookup) {
        return Pgmux.start("admin_users: [" + ADMIN + "]\npool_size: 6\ndns_max_ttl: 0s\ndatabases:\n" + databases, lookup);
    }

    @Test
    void roundRobinStartsEachNewServerConnectionAtTheNextHost() throws Exception {
        try (FaultRelay second = FaultRelay.toPostgresOn("127.0.0.2");
             Pgmux pgmux = start(database("hl_rr", "127.0.0.1,127.0.0.2", null), lookup)) {
            // when four clients each hold a server at once
            List<Connection> clients = holdServers(pgmux, "hl_rr", 4);

            // then two of the four servers went through the second host
            assertEquals(4, Pgmux.serverConnections(DATABASE, USER));
            assertEquals(2, second.accepted());
            closeAll(clients);

            // and SHOW DATABASES shows the list and the balancing, as PgBouncer's does
            try (RawClient console = pgmux.console(ADMIN)) {
                Map<String, String> row = Console.show(console, "SHOW DATABASES").one("name", "hl_rr");
                assertEquals("127.0.0.1,127.0.0.2", row.get("host"));
                assertEquals("round-robin", row.get("load_balance_hosts"));
            }
        }
    }

    @Test
    void disableKeepsToTheFirstHostThatCanBeReachedAndSkipsAHostWithNoAddress() throws Exception {
        try (FaultRelay second = FaultRelay.toPostgresOn("127.0.0.2");
             Pgmux pgmux = start(database("hl_off", GONE + ",127.0.0.2,127.0.0.1", "disable"), lookup)) {
            // when three clients each hold a server at once
            List<Connection> clients = holdServers(pgmux, "hl_off", 3);

            // then the name that does not resolve was tried once; every server went through the second host
            assertEquals(List.of(GONE), lookedUp);
            assertEquals(3, second.accepted());
            assertNull(pgmux.pool("hl_off", USER).lastLoginError());
            closeAll(clients);

            try (RawClient console = pgmux.console(ADMIN)) {
                assertEquals("disable", Console.show(console, "SHOW DATABASES").one("name", "hl_off").get("load_balance_hosts"));
            }
        }
    }

    @Test
    void aHostThatRefusesIsSkippedAndDisableMovesOnFromIt() throws Exception {
        try (Pgmux pgmux = start(database("hl_refused", "127.0.0.2,127.0.0.1", "disable")
                + database("hl_single", "127.0.0.1", null), lookup)) {
            // given a first client served through the first host (the relay)
            try (FaultRelay first = FaultRelay.toPostgresOn("127.0.0.2"); Connection client = pgmux.jdbcTo("hl_refused", USER)) {
                assertEquals(1, TestSql.intScalar(client, "SELECT 1"));
                assertEquals(1, first.accepted());
            }
            // the relay reset the idle server it carried: once pgmux has seen that (a loop turn later),
            // the pool holds no server (a client that took the idle server before that would get 08006;
            // this test is about which host the next server starts at). On io_uring CI met that race.
            TestSql.await("the relayed server gone", () -> pgmux.pool("hl_refused", USER).counts().servers() == 0);
            // when the first host refuses connections, a new client is served through the second
            List<Connection> clients = holdServers(pgmux, "hl_refused", 1);

            // then, the first host back, new servers still start at the second host
            try (FaultRelay back = FaultRelay.toPostgresOn("127.0.0.2")) {
                clients.addAll(holdServers(pgmux, "hl_refused", 2));
                assertEquals(0, back.accepted());
                TestSql.awaitDirect("three servers of " + USER, "SELECT count(*) = 3 FROM pg_stat_activity WHERE usename = '"
                        + USER + "' AND backend_type = 'client backend'");
            }
            closeAll(clients);

            // and a database of one host shows no balancing
            try (RawClient console = pgmux.console(ADMIN)) {
                assertNull(Console.show(console, "SHOW DATABASES").one("name", "hl_single").get("load_balance_hosts"));
            }
        }
    }

    /** {@code count} clients of {@code database}, each inside a transaction (so each holds a server of its own). */
    private static List<Connection> holdServers(Pgmux pgmux, String database, int count) throws Exception {
        List<Connection> clients = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Connection client = pgmux.jdbcTo(database, USER);
            TestSql.holdServerInTransaction(client);
            assertEquals(1, TestSql.intScalar(client, "SELECT 1"));
            clients.add(client);
        }
        return clients;
    }

    private static void closeAll(List<Connection> clients) throws Exception {
        for (Connection client : clients) {
            client.close();
        }
    }
}
