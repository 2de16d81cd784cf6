package io.pgmux.proxy.it;

import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.admin.ReloadResult;
import io.pgmux.proxy.prepared.StatementRegistry;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.pgmux.proxy.it.PreparedProtocol.assertUnknownStatement;
import static io.pgmux.proxy.it.PreparedProtocol.bind;
import static io.pgmux.proxy.it.PreparedProtocol.closeStatement;
import static io.pgmux.proxy.it.PreparedProtocol.execute;
import static io.pgmux.proxy.it.PreparedProtocol.mostStatementsOnAServer;
import static io.pgmux.proxy.it.PreparedProtocol.parse;
import static io.pgmux.proxy.it.PreparedProtocol.prepare;
import static io.pgmux.proxy.it.PreparedProtocol.run;
import static io.pgmux.proxy.it.PreparedProtocol.sqlState;
import static io.pgmux.proxy.it.PreparedProtocol.statementsOfItsServer;
import static io.pgmux.proxy.it.PreparedProtocol.statementsOnServers;
import static io.pgmux.proxy.it.PreparedProtocol.types;
import static io.pgmux.proxy.it.PreparedProtocol.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bounds: {@code max_prepared_statements} per server connection (an LRU whose evictions the
 * client never sees) and {@code max_client_prepared_statements} per client (a clear error past it).
 */
class PreparedStatementLimitsIT {
    private static final String USER = "prep_limits_user";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(USER);
    private Pgmux pgmux;

    private static String text(int n) {
        return "SELECT $1::int + " + n;
    }

    @Test
    void pipelineNeedingMoreStatementsThanTheServerMayHoldCompletes() throws Exception {
        pgmux = fixture.start("pool_size: 1\nmax_prepared_statements: 2\n");
        try (RawClient client = pgmux.raw(USER)) {
            // when: three statements prepared and used in one pipeline, with room for two on the server
            client.send(parse("a", text(100))).send(parse("b", text(200))).send(parse("c", text(300)))
                    .send(bind("a", "1")).send(execute()).send(bind("b", "2")).send(execute()).send(bind("c", "3")).send(execute())
                    .sync().flush();
            List<Reply> replies = client.readUntilReady();

            // then: the client sees no Close nor re-Parse, every result is right, and the server holds 2
            assertEquals("1112DC2DC2DCZ", types(replies));
            assertEquals(List.of("101", "202", "303"), values(replies));
            assertEquals(2, statementsOfItsServer(client).size());
            // and an evicted statement comes back when used
            assertEquals(List.of("104"), values(run(client, "a", "4")));
            assertEquals(List.of("205"), values(run(client, "b", "5")));
        }
    }

    @Test
    void aLimitLoweredAtReloadAppliesToTheServerWhenItIsNextUsed() throws Exception {
        pgmux = fixture.start("pool_size: 1\nmax_prepared_statements: 4\n");
        try (RawClient client = pgmux.raw(USER)) {
            // given: a server holding four statements
            for (String name : List.of("a", "b", "c", "d")) {
                prepare(client, name, text(name.charAt(0)));
            }
            assertEquals(4, statementsOfItsServer(client).size());

            // when: RELOAD lowers the limit to 2, with no restart asked for
            pgmux.rewriteConfig("pool_size: 1\nmax_prepared_statements: 2\n");
            ReloadResult reload = pgmux.server().reload().get(10, TimeUnit.SECONDS);
            assertEquals(List.of("max_prepared_statements"), reload.changed());
            assertEquals(List.of(), reload.notices());

            // then: the connected client's next statement leaves the server at the new limit
            prepare(client, "e", text(500));
            assertEquals(List.of("501"), values(run(client, "e", "1")));
            assertEquals(2, statementsOfItsServer(client).size());
            // and the statements it closed come back when used
            assertEquals(List.of("98"), values(run(client, "a", "1")));
            assertEquals(2, statementsOfItsServer(client).size());
        }
    }

    @Test
    void portalOutlivesTheEvictionOfItsStatement() throws Exception {
        pgmux = fixture.start("pool_size: 1\nmax_prepared_statements: 1\n");
        try (RawClient client = pgmux.raw(USER)) {
            // when: a portal is bound to a, then b's Parse evicts a before the portal runs
            client.send(parse("a", text(100))).send(bind("a", "1")).send(parse("b", text(200))).send(execute())
                    .send(bind("b", "2")).send(execute()).sync().flush();
            List<Reply> replies = client.readUntilReady();

            // then
            assertEquals("121DC2DCZ", types(replies));
            assertEquals(List.of("101", "202"), values(replies));
            assertEquals(1, statementsOfItsServer(client).size());
        }
    }

    @Test
    void evictionSkippedAfterAnErrorWhileThePipelineRePreparedTheStatement() throws Exception {
        pgmux = fixture.start("pool_size: 1\nmax_prepared_statements: 1\n");
        try (RawClient client = pgmux.raw(USER)) {
            // when: a is prepared; an Execute fails; then b's Parse evicts a and a's Bind re-prepares it (all skipped)
            parseAThenFailThenParseB(client).send(bind("a", "1")).send(execute()).sync().flush();
            List<Reply> failed = client.readUntilReady();
            assertEquals("112EZ", types(failed));
            assertEquals("22012", sqlState(failed));

            // then: a is still prepared on the server, and usable
            List<Reply> replies = run(client, "a", "1");
            assertEquals("2DCZ", types(replies), replies.toString());
            assertEquals(List.of("101"), values(replies));
            assertUnknownStatement(client, "b", "1");
        }
    }

    @Test
    void evictionSkippedAfterAnErrorWhileTheNextSyncSegmentRePreparesTheStatement() throws Exception {
        pgmux = fixture.start("pool_size: 1\nmax_prepared_statements: 1\n");
        try (RawClient client = pgmux.raw(USER)) {
            // when: a is prepared; an Execute fails; b's Parse evicts a (skipped); after the Sync, a's Bind re-prepares it
            parseAThenFailThenParseB(client).sync().send(bind("a", "1")).send(execute()).sync().flush();
            List<Reply> replies = client.readUntilReady(2);

            // then: as in Postgres, the second segment runs a
            assertEquals("112EZ2DCZ", types(replies), replies.toString());
            assertEquals(List.of("101"), values(replies));
        }
    }

    @Test
    void statementsAreForgottenWhenTheLastClientNamingThemLeaves() throws Exception {
        pgmux = fixture.start("pool_size: 1\n");
        StatementRegistry registry;
        try (RawClient first = pgmux.raw(USER); RawClient second = pgmux.raw(USER)) {
            registry = pgmux.server().pools().pool(TestPostgres.DATABASE, USER).orElseThrow().statements();
            // given: two clients with the same text, one with another text too
            first.send(parse("x", text(1))).send(parse("y", text(2))).sync().flush();
            assertEquals("11Z", types(first.readUntilReady()));
            prepare(second, "z", text(1));
            // then: one entry per text
            assertEquals(2, registry.size());

            // when: the first leaves
            first.close();
            // then: only the text the second still names is kept
            TestSql.await("the registry drops the first client's own text", () -> registry.size() == 1);
            assertEquals(List.of("6"), values(run(second, "z", "5")));
        }
        // when: the last one leaves, nothing is kept
        TestSql.await("the registry is empty", () -> registry.size() == 0);
    }

    @Test
    void manyClientsAndStatementsNeverPutMoreThanTheMaxOnAServer() throws Exception {
        int servers = 2;
        pgmux = fixture.start("pool_size: " + servers + "\nmax_prepared_statements: 2\nquery_wait_timeout: 30s\n");
        int clients = 6;
        int statementsEach = 5;
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        List<RawClient> connections = new ArrayList<>();
        try {
            for (int c = 0; c < clients; c++) {
                RawClient client = pgmux.raw(USER);
                connections.add(client);
                for (int s = 0; s < statementsEach; s++) {
                    client.send(parse("s" + s, text(s * 10)));
                }
                client.sync().flush();
                assertEquals("11111Z", types(client.readUntilReady()));
            }
            for (int round = 0; round < 5; round++) {
                // when: every client runs each of its statements, concurrently
                int r = round;
                List<Future<?>> done = new ArrayList<>();
                for (RawClient client : connections) {
                    done.add(threads.submit(() -> {
                        for (int s = 0; s < statementsEach; s++) {
                            int statement = (s + r) % statementsEach;
                            List<Reply> replies = run(client, "s" + statement, Integer.toString(r));
                            assertEquals(List.of(Integer.toString(statement * 10 + r)), values(replies), replies.toString());
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }
                // then: no server holds more than the max
                Map<String, List<String>> held = statementsOnServers(pgmux, USER, servers);
                held.values().forEach(names -> assertTrue(names.size() <= 2, "a server holds " + names));
            }
        } finally {
            threads.shutdownNow();
            for (RawClient client : connections) {
                client.close();
            }
        }
    }

    @Test
    void evictionSkippedAfterAnErrorKeepsTheStatementKnown() throws Exception {
        pgmux = fixture.start("pool_size: 1\nmax_prepared_statements: 2\n");
        try (RawClient client = pgmux.raw(USER)) {
            // given: the server is full
            client.send(parse("a", text(1))).send(parse("b", text(2))).sync().flush();
            assertEquals("11Z", types(client.readUntilReady()));

            // when: a third statement (which evicts one) comes after a failing Parse
            client.send(parse("", "SELEC 1")).send(parse("c", text(3))).sync().flush();
            List<Reply> failed = client.readUntilReady();

            // then: the server skipped both the eviction and the Parse, and pgmux knows it
            assertEquals("EZ", types(failed));
            assertEquals("42601", sqlState(failed));
            assertEquals(List.of("11"), values(run(client, "a", "10")));
            assertEquals(List.of("12"), values(run(client, "b", "10")));
            assertUnknownStatement(client, "c", "10");
            assertEquals(2, statementsOfItsServer(client).size());
        }
    }

    @Test
    void perClientLimitIsAClearErrorAndTheConnectionGoesOn() throws Exception {
        pgmux = fixture.start("pool_size: 1\nmax_client_prepared_statements: 3\n");
        try (RawClient client = pgmux.raw(USER); RawClient other = pgmux.raw(USER)) {
            // given: a client at its limit
            client.send(parse("a", text(1))).send(parse("b", text(2))).send(parse("c", text(3))).sync().flush();
            assertEquals("111Z", types(client.readUntilReady()));

            // when: one more name
            client.send(parse("d", text(4))).send(bind("d", "0")).send(execute()).sync().flush();
            List<Reply> refused = client.readUntilReady();

            // then: 53400 naming the setting, and the connection goes on
            assertEquals("EZ", types(refused));
            ErrorResponse error = PreparedProtocol.error(refused);
            assertEquals("53400", error.sqlState());
            assertTrue(error.message().contains("max_client_prepared_statements"), error.message());
            assertEquals(List.of("1"), values(run(client, "a", "0")));

            // when: in the middle of a pipeline that holds a server
            client.send(parse("", "SELECT 'before'")).send(bind("")).send(execute())
                    .send(parse("e", text(5))).send(bind("e", "0")).send(execute()).sync().flush();
            List<Reply> midPipeline = client.readUntilReady();

            // then: the error is at the Parse's place
            assertEquals("12DCEZ", types(midPipeline));
            assertEquals("53400", sqlState(midPipeline));

            // when: a name is closed, there is room again
            client.send(closeStatement("a")).send(parse("d", text(4))).send(bind("d", "0")).send(execute()).sync().flush();
            List<Reply> afterClose = client.readUntilReady();
            assertEquals("312DCZ", types(afterClose));
            assertEquals(List.of("4"), values(afterClose));
            // and DEALLOCATE ALL frees them all
            client.send(new Query("DEALLOCATE ALL")).send(parse("x", text(6))).send(parse("y", text(7))).send(parse("z", text(8)))
                    .sync().flush();
            assertEquals("CZ111Z", types(client.readUntilReady(2)));

            // and the limit is per client: another client has its own
            other.send(parse("a", text(1))).send(parse("b", text(2))).send(parse("c", text(3))).sync().flush();
            assertEquals("111Z", types(other.readUntilReady()));
        }
    }

    @Test
    void statementsOfTheSameTextAreSharedOnEachServer() throws Exception {
        int servers = 2;
        pgmux = fixture.start("pool_size: " + servers + "\n");
        List<RawClient> clients = new ArrayList<>();
        try {
            // when: ten clients prepare the same text under their own names
            for (int c = 0; c < 10; c++) {
                RawClient client = pgmux.raw(USER);
                clients.add(client);
                client.send(parse("mine" + c, text(1))).send(bind("mine" + c, Integer.toString(c))).send(execute()).sync().flush();
                assertEquals(List.of(Integer.toString(c + 1)), values(client.readUntilReady()));
            }

            // then: a server holds it once, whatever the number of clients
            assertEquals(1, mostStatementsOnAServer(pgmux, USER, servers));
        } finally {
            for (RawClient client : clients) {
                client.close();
            }
        }
    }

    /** Queues the Parse of a, an Execute that fails (division by zero), then the Parse of b, which evicts a when one statement fits. */
    private static RawClient parseAThenFailThenParseB(RawClient client) {
        return client.send(parse("a", text(100)))
                .send(parse("", "SELECT 1 / g FROM generate_series(0, 0) g")).send(bind("")).send(execute())
                .send(parse("b", text(200)));
    }
}
