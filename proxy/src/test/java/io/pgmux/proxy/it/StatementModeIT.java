package io.pgmux.proxy.it;

import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Bind;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static io.pgmux.proxy.testing.TestSql.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pool_mode: statement}, PgBouncer's: the server goes back after every statement, and a
 * statement that leaves a transaction open ends the client with 08P01 "transaction blocks not
 * allowed in statement pooling mode" while its server is rolled back and serves the next client.
 */
class StatementModeIT {
    private static final String USER = "stmtmode_user";
    private static final String DATABASE = "stmtmode_it";
    private static final String REFUSED = "transaction blocks not allowed in statement pooling mode";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_mode: statement\npool_size: 1\nquery_wait_timeout: 30s\n")
            .role(USER)
            .table("stmtmode_rows", "n int")
            .sql("GRANT ALL ON stmtmode_rows TO " + USER)
            .sql("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)")
            .sql("CREATE DATABASE " + DATABASE + " OWNER " + USER);

    @Test
    void twoClientsShareOneServerStatementByStatement() throws Exception {
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER)) {
            // given two clients on a pool of one server, each connected
            for (int i = 0; i < 5; i++) {
                // when they run statements in turn (a multi-statement query is one statement for the pool, as in PgBouncer)
                String aPid = value(a, "SELECT pg_backend_pid()::text; SELECT 0");
                String bPid = value(b, "SELECT pg_backend_pid()::text");
                // then both run on the one server: neither holds it between statements
                assertEquals(aPid, bPid);
            }
            pgmux.awaitNoServerHeld(USER);
        }
    }

    @Test
    void beginEndsTheClientWithPgBouncersErrorAndTheServerIsRolledBackForTheNext() throws Exception {
        try (RawClient a = pgmux.raw(USER)) {
            String pid = value(a, "SELECT pg_backend_pid()::text");
            // when the client opens a transaction block
            a.send(new Query("BEGIN")).flush();
            List<Reply> replies = a.read(2);

            // then it gets BEGIN's CommandComplete and PgBouncer's FATAL error instead of ReadyForQuery, and is closed
            assertEquals("CE", RawClient.types(replies));
            ErrorResponse error = replies.get(1).error();
            assertEquals(SqlState.PROTOCOL_VIOLATION, error.sqlState());
            assertEquals(REFUSED, error.message());
            assertEquals(ErrorResponse.FATAL, error.severity());
            assertTrue(a.isClosedByPeer());

            // and the same server, rolled back, serves the next client outside any transaction
            try (RawClient b = pgmux.raw(USER)) {
                assertEquals(TransactionStatus.IDLE, TestSql.status(b.query("SELECT 1")));
                assertEquals(pid, value(b, "SELECT pg_backend_pid()::text"));
                assertEquals("0", value(b, "SELECT count(*)::text FROM pg_stat_activity WHERE usename = '" + USER
                        + "' AND state LIKE 'idle in transaction%'"));
            }
        }
    }

    @Test
    void anExtendedBatchThatOpensATransactionIsRefusedOneThatDoesNotRuns() throws Exception {
        TestPostgres.get().execute("TRUNCATE stmtmode_rows");
        try (RawClient a = pgmux.raw(USER)) {
            // given a batch of two INSERTs in one Sync: an implicit transaction, ended by the Sync
            a.send(new Parse("", "INSERT INTO stmtmode_rows VALUES (1)", new int[0])).send(Bind.of("", "", List.of()))
                    .send(new Execute("", 0))
                    .send(new Parse("", "INSERT INTO stmtmode_rows VALUES (2)", new int[0])).send(Bind.of("", "", List.of()))
                    .send(new Execute("", 0)).sync().flush();
            assertEquals(TransactionStatus.IDLE, TestSql.status(a.readUntilReady()));
            assertEquals(2, TestSql.intDirect("SELECT count(*) FROM stmtmode_rows"));

            // when a batch runs BEGIN and an INSERT
            a.send(new Parse("", "BEGIN", new int[0])).send(Bind.of("", "", List.of())).send(new Execute("", 0))
                    .send(new Parse("", "INSERT INTO stmtmode_rows VALUES (3)", new int[0])).send(Bind.of("", "", List.of()))
                    .send(new Execute("", 0)).sync().flush();
            List<Reply> replies = a.read(7);

            // then it is refused and the INSERT in the open transaction is rolled back
            assertEquals("12C12CE", RawClient.types(replies));
            assertEquals(REFUSED, replies.get(6).error().message());
            assertTrue(a.isClosedByPeer());
            pgmux.awaitNoServerHeld(USER);
            assertEquals(2, TestSql.intDirect("SELECT count(*) FROM stmtmode_rows"));
        }
    }

    @Test
    void namedPreparedStatementsAreRewrittenAsInTransactionMode() throws Exception {
        try (RawClient a = pgmux.raw(USER); RawClient b = pgmux.raw(USER)) {
            a.send(new Parse("s1", "SELECT $1::text", new int[0])).sync().flush();
            a.readUntilReady();
            for (int i = 0; i < 3; i++) {
                assertEquals("b" + i, value(b, "SELECT 'b" + i + "'"));
                a.send(Bind.of("", "s1", List.of("a" + i))).send(new Execute("", 0)).sync().flush();
                assertEquals(List.of("a" + i), TestSql.row(a.readUntilReady()));
            }
        }
    }

    @ParameterizedTest(name = "-M {0}")
    @ValueSource(strings = {"simple", "prepared"})
    void pgbenchSelectOnlyRunsAndItsDefaultScriptIsRefused(String mode) throws Exception {
        TestPostgres pg = TestPostgres.get();
        Pgmux four = pgmux.start("pool_mode: statement\npool_size: 4\n");
        {
            ExternalClient.run(120, pgbench(pg.host(), pg.port(), "-i", "-s", "1", "-q")).orFail("pgbench -i");

            // when 8 clients run the select-only script through 4 servers
            ExternalClient.Result selects = ExternalClient.run(120,
                    pgbench(four.host(), four.port(), "-S", "-M", mode, "-c", "8", "-j", "2", "-t", "200")).orFail("pgbench -S");

            // then every transaction ran
            assertTrue(selects.output().contains("number of transactions actually processed: 1600/1600"), selects.output());
            assertTrue(selects.output().contains("number of failed transactions: 0"), selects.output());

            // and the default script, whose transactions are BEGIN ... END blocks, is refused
            ExternalClient.Result tpcb = ExternalClient.run(120, pgbench(four.host(), four.port(), "-M", mode, "-c", "1", "-t", "1"));
            assertNotEquals(0, tpcb.exitCode(), tpcb.output());
            assertTrue(tpcb.output().contains(REFUSED), tpcb.output());
        }
    }

    private static String[] pgbench(String host, int port, String... options) {
        List<String> command = new java.util.ArrayList<>(List.of(TestPostgres.get().binDir().resolve("pgbench").toString(),
                "-h", host, "-p", Integer.toString(port), "-U", USER));
        command.addAll(List.of(options));
        command.add(DATABASE);
        return command.toArray(String[]::new);
    }
}
