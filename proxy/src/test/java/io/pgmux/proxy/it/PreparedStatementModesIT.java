package io.pgmux.proxy.it;

import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static io.pgmux.proxy.it.PreparedProtocol.bind;
import static io.pgmux.proxy.it.PreparedProtocol.execute;
import static io.pgmux.proxy.it.PreparedProtocol.ok;
import static io.pgmux.proxy.it.PreparedProtocol.parse;
import static io.pgmux.proxy.it.PreparedProtocol.run;
import static io.pgmux.proxy.it.PreparedProtocol.sqlState;
import static io.pgmux.proxy.it.PreparedProtocol.statementsOfHeldServer;
import static io.pgmux.proxy.it.PreparedProtocol.statementsOfItsServer;
import static io.pgmux.proxy.it.PreparedProtocol.types;
import static io.pgmux.proxy.it.PreparedProtocol.values;
import static io.pgmux.proxy.testing.TestSql.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code prepared_statements: reject}, the per-database setting, and passthrough in session mode. */
class PreparedStatementModesIT {
    private static final String USER = "prep_modes_user";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(USER);
    private Pgmux pgmux;

    @Test
    void rejectModeRefusesNamedStatementsClearlyAndKeepsUnnamedOnesWorking() throws Exception {
        pgmux = fixture.start("pool_size: 1\nprepared_statements: reject\n");
        try (RawClient client = pgmux.raw(USER)) {
            // when: a named Parse, holding no server
            client.send(parse("named", "SELECT 1")).send(bind("named")).send(execute()).sync().flush();
            List<Reply> refused = client.readUntilReady();

            // then: 0A000 naming the feature, the pool mode and the setting
            assertEquals("EZ", types(refused));
            ErrorResponse error = PreparedProtocol.error(refused);
            assertEquals("0A000", error.sqlState());
            assertTrue(error.message().contains("named prepared statements") && error.message().contains("transaction"),
                    error.message());
            assertTrue(error.hint().contains("prepared_statements"), error.hint());
            assertEquals(TransactionStatus.IDLE, status(refused));

            // and unnamed statements work
            client.send(parse("", "SELECT $1::int * 2")).send(bind("", "21")).send(execute()).sync().flush();
            List<Reply> unnamed = client.readUntilReady();
            assertEquals("12DCZ", types(unnamed));
            assertEquals(List.of("42"), values(unnamed));

            // when: in the middle of a pipeline, in a transaction
            ok(client, "BEGIN");
            client.send(parse("", "SELECT 'before'")).send(bind("")).send(execute())
                    .send(parse("named", "SELECT 1")).send(bind("named")).send(execute())
                    .send(parse("", "SELECT 'skipped'")).send(bind("")).send(execute()).sync().flush();
            List<Reply> midPipeline = client.readUntilReady();

            // then: the error at the Parse's place; it fails the transaction; the connection goes on
            assertEquals("12DCEZ", types(midPipeline));
            assertEquals("0A000", sqlState(midPipeline));
            assertEquals(TransactionStatus.FAILED, status(midPipeline));
            ok(client, "ROLLBACK");
            assertEquals(List.of("ok"), values(client.query("SELECT 'ok'")));
            // and nothing named reached the server
            assertEquals(List.of(), statementsOfItsServer(client));
            // SQL PREPARE is refused too in transaction mode
            assertEquals("0A000", sqlState(client.query("PREPARE p AS SELECT 1")));
        }
    }

    @Test
    void pgBouncersMaxPreparedStatementsZeroRejectsNamedStatementsForNewClientsAndANumberTurnsThemBackOn() throws Exception {
        pgmux = fixture.start("pool_size: 1\npool_mode: transaction\nadmin_users: [" + USER + "]\n");
        try (RawClient console = pgmux.console(USER); RawClient before = pgmux.raw(USER)) {
            // given a client that prepared a statement while pgmux rewrites them
            before.send(parse("early", "SELECT $1::int + 1")).send(bind("early", "1")).send(execute()).sync().flush();
            assertEquals(List.of("2"), values(before.readUntilReady()));

            // when the console sets PgBouncer's "prepared statements off"
            assertEquals("SET", Console.show(console, "SET max_prepared_statements = 0").tag());
            assertEquals("reject", Console.show(console, "SHOW CONFIG").one("key", "prepared_statements").get("value"));

            // then a client that logs in now gets 0A000 for a named statement, and unnamed ones work
            try (RawClient after = pgmux.raw(USER)) {
                after.send(parse("late", "SELECT 1")).send(bind("late")).send(execute()).sync().flush();
                assertEquals("0A000", sqlState(after.readUntilReady()));
                assertEquals(List.of("ok"), values(after.query("SELECT 'ok'")));
            }
            // while the client from before keeps the mode it logged in with
            assertEquals(List.of("6"), values(run(before, "early", "5")));

            // when a number turns statements back on, a new client's named statement is rewritten again
            assertEquals("SET", Console.show(console, "SET max_prepared_statements = 10").tag());
            try (RawClient again = pgmux.raw(USER)) {
                again.send(parse("again", "SELECT $1::int * 3")).send(bind("again", "3")).send(execute()).sync().flush();
                assertEquals(List.of("9"), values(again.readUntilReady()));
            }
            assertEquals("10", Console.show(console, "SHOW CONFIG").one("key", "max_prepared_statements").get("value"));
        }
    }

    @Test
    void databaseSettingOverridesTheGlobalMode() throws Exception {
        String server = "    host: " + TestPostgres.HOST + "\n    port: ${PG_PORT}\n    dbname: " + TestPostgres.DATABASE + "\n";
        pgmux = fixture.start("pool_size: 1\nprepared_statements: rewrite\ndatabases:\n"
                + "  prep_strict:\n" + server + "    prepared_statements: reject\n"
                + "  prep_lenient:\n" + server);
        try (RawClient strict = RawClient.connect(pgmux.host(), pgmux.port(), "prep_strict", USER);
             RawClient lenient = RawClient.connect(pgmux.host(), pgmux.port(), "prep_lenient", USER)) {
            // when
            strict.send(parse("named", "SELECT 1")).sync().flush();
            List<Reply> refused = strict.readUntilReady();
            lenient.send(parse("named", "SELECT 1")).send(bind("named")).send(execute()).sync().flush();
            List<Reply> rewritten = lenient.readUntilReady();

            // then
            assertEquals("0A000", sqlState(refused));
            assertEquals("12DCZ", types(rewritten));
        }
    }

    @Test
    void sessionModePassesNamedStatementsAndSqlPrepareThrough() throws Exception {
        pgmux = fixture.start("pool_size: 1\npool_mode: session\n");
        try (RawClient client = pgmux.raw(USER)) {
            // when
            client.send(parse("named", "SELECT $1::int + 1")).send(bind("named", "1")).send(execute()).sync().flush();
            List<Reply> named = client.readUntilReady();
            ok(client, "PREPARE from_sql AS SELECT 'sql'");

            // then: the server holds the client's own names
            assertEquals(List.of("2"), values(named));
            assertEquals(List.of("sql"), values(client.query("EXECUTE from_sql")));
            assertEquals(List.of("from_sql", "named"), statementsOfHeldServer(client));
            assertEquals(List.of("3"), values(run(client, "named", "2")));
        }
    }
}
