package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static io.pgmux.proxy.it.PreparedProtocol.bind;
import static io.pgmux.proxy.it.PreparedProtocol.closeStatement;
import static io.pgmux.proxy.it.PreparedProtocol.describeStatement;
import static io.pgmux.proxy.it.PreparedProtocol.execute;
import static io.pgmux.proxy.it.PreparedProtocol.holdServer;
import static io.pgmux.proxy.it.PreparedProtocol.ok;
import static io.pgmux.proxy.it.PreparedProtocol.parse;
import static io.pgmux.proxy.it.PreparedProtocol.prepare;
import static io.pgmux.proxy.it.PreparedProtocol.run;
import static io.pgmux.proxy.it.PreparedProtocol.sqlState;
import static io.pgmux.proxy.it.PreparedProtocol.types;
import static io.pgmux.proxy.it.PreparedProtocol.value;
import static io.pgmux.proxy.it.PreparedProtocol.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Preparing never deadlocks clients against the pool: a side-effect-free Parse/Describe answered
 * in full does not keep a server until the client's Sync, and a Parse, Close or DEALLOCATE that
 * pgmux can answer from what it knows needs no server at all. The pool's query_wait_timeout is short,
 * so a client left waiting fails with 53300 rather than hanging.
 */
class PreparedStatementUnpinningIT {
    private static final String USER = "prep_unpin_user";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(USER);
    private Pgmux pgmux;

    @Test
    void fiftyClientsPrepareWithFlushBeforeAnyExecutesThroughTwentyServers() throws Exception {
        asyncpgPreparePattern(i -> "SELECT $1::int + " + i);
    }

    @Test
    void fiftyClientsPrepareTheSameTextWithFlushBeforeAnyExecutesThroughTwentyServers() throws Exception {
        asyncpgPreparePattern(i -> "SELECT $1::int + 1000");
    }

    /** asyncpg's prepare(): Parse, Describe, Flush, and wait for the replies; execution comes later. */
    private void asyncpgPreparePattern(java.util.function.IntFunction<String> text) throws Exception {
        int clients = 50;
        int servers = 20;
        pgmux = fixture.start("pool_size: " + servers + "\nquery_wait_timeout: 20s\n");
        List<RawClient> connections = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                connections.add(pgmux.raw(USER));
            }
            // when: every client prepares and waits for its statement's description, none executes yet
            for (int i = 0; i < clients; i++) {
                connections.get(i).send(parse("__asyncpg_stmt_1__", text.apply(i))).send(describeStatement("__asyncpg_stmt_1__"))
                        .flushMessage().flush();
            }
            for (int i = 0; i < clients; i++) {
                List<Reply> described = connections.get(i).read(3);
                // then: every one of them is answered
                assertEquals("1tT", types(described), "client " + i);
            }
            assertTrue(Pgmux.serverConnections(TestPostgres.DATABASE, USER) <= servers);

            // when: then they execute
            for (int i = 0; i < clients; i++) {
                connections.get(i).send(bind("__asyncpg_stmt_1__", "1")).send(execute()).sync().flush();
            }
            for (int i = 0; i < clients; i++) {
                List<Reply> executed = connections.get(i).readUntilReady();
                // then: with the right results
                assertEquals("2DCZ", types(executed), "client " + i);
                int expected = 1 + Integer.parseInt(text.apply(i).substring("SELECT $1::int + ".length()));
                assertEquals(List.of(Integer.toString(expected)), values(executed));
            }
            assertTrue(Pgmux.serverConnections(TestPostgres.DATABASE, USER) <= servers);
        } finally {
            for (RawClient client : connections) {
                client.close();
            }
        }
    }

    @Test
    void answeredParseAndDescribeDoNotKeepTheServerUntilSync() throws Exception {
        pgmux = fixture.start("pool_size: 1\nquery_wait_timeout: 10s\n");
        try (RawClient preparer = pgmux.raw(USER); RawClient other = pgmux.raw(USER)) {
            // given: a client that prepared and described a statement, then went quiet without Sync
            preparer.send(parse("p", "SELECT $1::int * 3")).send(describeStatement("p")).flushMessage().flush();
            assertEquals("1tT", types(preparer.read(3)));

            // when: another client needs the pool's only server
            String answer = value(other, "SELECT 'served'");

            // then: it is served, and the preparer's statement still works afterwards
            assertEquals("served", answer);
            assertEquals(List.of("21"), values(run(preparer, "p", "7")));
        }
    }

    @Test
    void parseCloseAndDeallocateOfKnownStatementsNeedNoServer() throws Exception {
        pgmux = fixture.start("pool_size: 1\nquery_wait_timeout: 10s\n");
        try (RawClient validator = pgmux.raw(USER); RawClient holder = pgmux.raw(USER); RawClient client = pgmux.raw(USER)) {
            // given: a statement a server accepted, and the only server held by a transaction
            prepare(validator, "v", "SELECT $1::int - 1");
            holdServer(holder);

            // when / then: Parse of it, Close, DEALLOCATE and a duplicate name are all answered at once
            client.send(parse("mine", "SELECT $1::int - 1")).flushMessage().flush();
            assertEquals("1", types(client.read(1)));
            client.send(parse("mine", "SELECT $1::int - 1")).sync().flush();
            List<Reply> duplicate = client.readUntilReady();
            assertEquals("EZ", types(duplicate));
            assertEquals("42P05", sqlState(duplicate));
            client.send(closeStatement("mine")).flushMessage().flush();
            assertEquals("3", types(client.read(1)));
            prepare(client, "again", "SELECT $1::int - 1");
            assertEquals("CZ", types(client.query("DEALLOCATE again")));
            prepare(client, "again", "SELECT $1::int - 1");

            // and when the server is free, the statement runs
            ok(holder, "COMMIT");
            assertEquals(List.of("9"), values(run(client, "again", "10")));
        }
    }

    @Test
    void failedParseAnsweredBeforeSyncReleasesTheServerAndStillSkipsToSync() throws Exception {
        pgmux = fixture.start("pool_size: 1\nquery_wait_timeout: 10s\n");
        try (RawClient client = pgmux.raw(USER); RawClient other = pgmux.raw(USER)) {
            // given: a named Parse fails, before any Sync
            client.send(parse("bad", "SELEC 1")).flushMessage().flush();
            List<Reply> failed = client.read(1);
            assertEquals("42601", sqlState(failed));

            // when: another client needs the only server
            assertEquals("served", value(other, "SELECT 'served'"));

            // then: the client's messages up to its Sync are still ignored, as Postgres would
            client.send(parse("", "SELECT 'ignored'")).send(bind("")).send(execute()).sync().flush();
            assertEquals("Z", types(client.readUntilReady()));
            assertEquals("ok", value(client, "SELECT 'ok'"));
        }
    }
}
