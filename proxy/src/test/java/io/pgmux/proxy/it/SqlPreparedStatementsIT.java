package io.pgmux.proxy.it;

import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Parse;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SQL PREPARE, EXECUTE and DEALLOCATE under transaction pooling (issue 12), without pinning: the
 * names are the client's, in the same namespace as its protocol-level statements, and follow it
 * from server to server; on the servers the statement has pgmux's name for its content. Each script
 * is run straight on Postgres and through pgmux, and must get the same replies, errors included.
 */
class SqlPreparedStatementsIT {
    private static final String APP = "sqlprep_app";
    private static final String ADMIN = "sqlprep_admin";
    private static final String CONFIG = """
            pool_size: 1
            query_wait_timeout: 30s
            admin_users: [sqlprep_admin]
            """;

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .roles(APP)
            .table("sqlprep_data", "n int")
            .sql("INSERT INTO sqlprep_data VALUES (1), (2), (3)")
            .beforeEachTest("DROP TABLE IF EXISTS sqlprep_made");

    static Stream<List<String>> scripts() {
        return Stream.of(
                List.of("PREPARE p(int) AS SELECT $1 + 1", "EXECUTE p(41)", "EXECUTE p (1)", "PREPARE p AS SELECT 1",
                        "EXECUTE q", "DEALLOCATE p", "EXECUTE p(1)", "DEALLOCATE p", "DEALLOCATE PREPARE q"),
                // a PREPARE is not undone by a ROLLBACK, nor a DEALLOCATE
                List.of("BEGIN", "PREPARE t AS SELECT 7", "ROLLBACK", "EXECUTE t",
                        "BEGIN", "DEALLOCATE t", "ROLLBACK", "EXECUTE t"),
                // in a failed transaction everything is refused, and nothing is prepared
                List.of("BEGIN", "SELECT 1/0", "PREPARE f AS SELECT 1", "EXECUTE f", "DEALLOCATE ALL", "ROLLBACK", "EXECUTE f"),
                // several statements in one query
                List.of("PREPARE m AS SELECT 5; EXECUTE m; DEALLOCATE m; EXECUTE m", "EXECUTE m"),
                List.of("SELECT 1; PREPARE d AS SELECT 2; PREPARE d AS SELECT 3; SELECT 4", "EXECUTE d"),
                List.of("PREPARE x AS SELECT count(*) FROM sqlprep_data; SELECT 1/0", "EXECUTE x"),
                List.of("PREPARE s AS SELECT 's'", "PREPARE s2 AS SELECT 's'; EXECUTE s2; EXECUTE s; DEALLOCATE s; EXECUTE s"),
                // errors that name the statement name the client's
                List.of("PREPARE w(int) AS SELECT $1", "EXECUTE w", "EXECUTE w('a')", "EXECUTE w(1, 2)"),
                List.of("PREPARE \"Mixed\" AS SELECT 1", "EXECUTE \"Mixed\"", "EXECUTE mixed", "execute \"Mixed\""),
                List.of("PREPARE a1 AS SELECT 1", "PREPARE a2 AS SELECT 2", "DEALLOCATE ALL", "EXECUTE a1",
                        "PREPARE a1 AS SELECT 3; DEALLOCATE ALL; PREPARE a1 AS SELECT 4; EXECUTE a1", "EXECUTE a2"),
                // EXPLAIN EXECUTE and CREATE TABLE AS EXECUTE run the client's statement
                List.of("PREPARE e(int) AS SELECT n FROM sqlprep_data WHERE n >= $1", "EXPLAIN (COSTS OFF) EXECUTE e(2)",
                        "EXPLAIN EXECUTE nope", "CREATE TABLE sqlprep_made AS EXECUTE e(2)", "SELECT * FROM sqlprep_made ORDER BY n",
                        "DROP TABLE sqlprep_made"),
                // a comment before the name, a statement with a comment at its end, and an INSERT
                List.of("PREPARE /* c */ ins(int) AS INSERT INTO sqlprep_data VALUES ($1) -- end", "BEGIN",
                        "EXECUTE ins(10)", "SELECT count(*) FROM sqlprep_data", "ROLLBACK"));
    }

    @ParameterizedTest
    @MethodSource("scripts")
    void aScriptGetsWhatPostgresGives(List<String> script) throws Exception {
        Pgmux pgmux = fixture.start(CONFIG);
        List<String> direct;
        try (RawClient client = RawClient.connect(TestPostgres.get().host(), TestPostgres.get().port(), TestPostgres.DATABASE, APP)) {
            direct = run(client, script);
        }
        TestPostgres.get().execute("DROP TABLE IF EXISTS sqlprep_made");
        try (RawClient client = pgmux.raw(APP)) {
            assertEquals(String.join("\n", direct), String.join("\n", run(client, script)));
        }
    }

    @Test
    void namesAreEachClientsOwnAndNoClientIsPinned() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG);
        try (RawClient a = pgmux.raw(APP); RawClient b = pgmux.raw(APP); RawClient console = pgmux.console(ADMIN)) {
            // given: A prepares s, on the pool's one server
            TestSql.assertOk(a.query("PREPARE s(int) AS SELECT $1 * 2"));
            // when: B, on that same server, runs s
            assertEquals("26000 prepared statement \"s\" does not exist", error(b.query("EXECUTE s(1)")));
            // then: B has its own s, with other text; both run their own
            TestSql.assertOk(b.query("PREPARE s AS SELECT 'b'"));
            assertEquals("42", TestSql.value(a, "EXECUTE s(21)"));
            assertEquals("b", TestSql.value(b, "EXECUTE s"));
            assertEquals("42P05 prepared statement \"s\" already exists", error(a.query("PREPARE s AS SELECT 1")));
            // no one is pinned: the server went back to the pool after each query
            pgmux.awaitNoServerHeld(APP);
            assertEquals("", String.join("", Console.show(console, "SHOW CLIENTS").where("user", APP).stream()
                    .map(row -> row.get("pinned")).toList()));
            assertEquals(0, pgmux.pool(APP).pinnedServers().count());
            // the server has both statements under pgmux's names, none under the clients' name
            List<String> names = rows(a.query("SELECT name FROM pg_prepared_statements ORDER BY name"));
            assertEquals(2, names.size(), names.toString());
            assertTrue(names.stream().allMatch(name -> name.startsWith("pgmux_")), names.toString());
            TestSql.assertOk(a.query("DEALLOCATE s"));
            assertEquals("26000 prepared statement \"s\" does not exist", error(a.query("EXECUTE s(1)")));
            assertEquals("b", TestSql.value(b, "EXECUTE s"));
        }
    }

    @Test
    void anExecuteOnAServerThatLacksTheStatementPreparesItThere() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG);
        try (RawClient a = pgmux.raw(APP)) {
            // given: A's statement is on the pool's server, which then goes away
            TestSql.assertOk(a.query("PREPARE twice(int) AS SELECT $1 * 2"));
            TestSql.assertOk(a.query("PREPARE plain AS SELECT 'plain'"));
            String first = TestSql.value(a, "SELECT pg_backend_pid()");
            replaceServer(pgmux, first);
            // when: A runs it on the new server
            List<Reply> replies = a.query("EXECUTE twice(21); EXECUTE plain; SELECT pg_backend_pid(); "
                    + "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'pgmux\\_%' AND statement LIKE 'PREPARE pgmux\\_%'");
            // then: pgmux prepared it there first, under its name
            List<String> values = rows(replies);
            assertEquals("42", values.get(0));
            assertEquals("plain", values.get(1));
            assertNotEquals(first, values.get(2), "a new server");
            assertEquals("2", values.get(3), "both statements, under pgmux's names, by pgmux's PREPAREs");
            assertEquals(List.of("SELECT 1", "SELECT 1", "SELECT 1", "SELECT 1"), tags(replies), "pgmux's PREPAREs are not the client's");
        }
    }

    /** In Postgres a PREPARE'd name is visible to a protocol Bind, and a Parse'd one to EXECUTE: the same in pgmux. */
    @Test
    void sqlAndProtocolNamesAreOneNamespace() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG);
        try (RawClient a = pgmux.raw(APP)) {
            // given: one statement from SQL with its types by name, one from a Parse with a type by number
            TestSql.assertOk(a.query("PREPARE by_sql(int) AS SELECT $1 + 1"));
            a.send(new Parse("by_parse", "SELECT $1 * 3", new int[] {23})).sync().flush();
            assertEquals("1Z", RawClient.types(a.readUntilReady()));
            // when/then: each is used the other way, on the server that has them
            assertEquals("42", bindAndExecute(a, "by_sql", "41"));
            assertEquals("15", TestSql.value(a, "EXECUTE by_parse(5)"));
            a.send(new Parse("by_sql", "SELECT 1", new int[0])).sync().flush();
            assertEquals("42P05 prepared statement \"by_sql\" already exists", error(a.readUntilReady()));
            assertEquals("42P05 prepared statement \"by_parse\" already exists", error(a.query("PREPARE by_parse AS SELECT 1")));
            // and on a server that has neither
            replaceServer(pgmux, TestSql.value(a, "SELECT pg_backend_pid()"));
            assertEquals("42", bindAndExecute(a, "by_sql", "41"));
            replaceServer(pgmux, TestSql.value(a, "SELECT pg_backend_pid()"));
            assertEquals("15", TestSql.value(a, "EXECUTE by_parse(5)"));
            // a protocol Close ends an SQL name, DEALLOCATE a Parse'd one
            TestSql.assertOk(a.query("DEALLOCATE by_parse"));
            a.send(new io.pgmux.protocol.message.Close(io.pgmux.protocol.message.Target.STATEMENT, "by_sql")).sync().flush();
            assertEquals("3Z", RawClient.types(a.readUntilReady()));
            assertEquals("26000 prepared statement \"by_sql\" does not exist", error(a.query("EXECUTE by_sql(1)")));
            assertEquals("26000 prepared statement \"by_parse\" does not exist", error(a.query("EXECUTE by_parse(1)")));
        }
    }

    @Test
    void pipelinedRefusalsInATransactionAreAllAnswered() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG);
        try (RawClient a = pgmux.raw(APP)) {
            TestSql.assertOk(a.query("BEGIN"));
            for (int i = 0; i < 200; i++) {
                a.send(new io.pgmux.protocol.message.Query("EXECUTE nosuch"));
            }
            a.flush();
            List<String> states = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                states.add(TestSql.error(a.readUntilReady()).sqlState());
            }
            assertEquals("26000", states.get(0));
            assertEquals(List.of("25P02"), states.subList(1, 200).stream().distinct().toList());
            TestSql.assertOk(a.query("ROLLBACK"));
        }
    }

    @Test
    void psqlScriptsRunThroughPgmux() throws Exception {
        Pgmux pgmux = fixture.start(CONFIG);
        ExternalClient.Result result = ExternalClient.run(60, TestPostgres.get().binDir().resolve("psql").toString(),
                "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", pgmux.host(), "-p", Integer.toString(pgmux.port()),
                "-U", APP, "-d", TestPostgres.DATABASE,
                "-c", "PREPARE total(int) AS SELECT sum(n) + $1 FROM sqlprep_data",
                "-c", "EXECUTE total(100)",
                "-c", "BEGIN; EXECUTE total(200); COMMIT",
                "-c", "PREPARE one AS SELECT 1; EXECUTE one; DEALLOCATE one",
                "-c", "DEALLOCATE total").orFail("psql");
        assertEquals("PREPARE\n106\nBEGIN\n206\nCOMMIT\nPREPARE\n1\nDEALLOCATE\nDEALLOCATE", result.output().strip());
    }

    private static void replaceServer(Pgmux pgmux, String pid) {
        pgmux.awaitNoServerHeld(APP);
        TestSql.direct("SELECT pg_terminate_backend(" + Integer.parseInt(pid) + ")");
        TestSql.awaitBackendGone("the server is gone", pid);
        TestSql.await("pgmux closed the server", () -> pgmux.counts(APP).idleServers() == 0);
    }

    private static String bindAndExecute(RawClient client, String statement, String value) throws Exception {
        client.send(io.pgmux.protocol.message.Bind.of("", statement, List.of(value))).send(new Execute("", 0)).sync().flush();
        List<Reply> replies = client.readUntilReady();
        assertEquals("2DCZ", RawClient.types(replies), replies.toString());
        return TestSql.value(replies);
    }

    /** Each reply, as much of it as both sides must agree on. */
    private static List<String> run(RawClient client, List<String> script) throws Exception {
        List<String> seen = new ArrayList<>();
        for (String sql : script) {
            seen.add("> " + sql);
            for (Reply reply : client.query(sql)) {
                switch (reply.typeChar()) {
                    case 'C' -> seen.add("C " + reply.tag());
                    case 'E' -> seen.add("E " + reply.error().sqlState() + " " + reply.error().message()
                            + (reply.error().detail() != null ? " / " + reply.error().detail() : ""));
                    case 'D' -> seen.add("D " + reply.row());
                    case 'Z' -> seen.add("Z " + reply.status());
                    case 'T', 'I' -> seen.add(String.valueOf(reply.typeChar()));
                    default -> {
                        // notices and parameter status: not compared
                    }
                }
            }
        }
        return seen;
    }

    private static String error(List<Reply> replies) {
        return TestSql.error(replies).sqlState() + " " + TestSql.error(replies).message();
    }

    private static List<String> rows(List<Reply> replies) {
        return replies.stream().filter(r -> r.typeChar() == 'D').map(r -> r.row().get(0)).toList();
    }

    private static List<String> tags(List<Reply> replies) {
        return replies.stream().filter(r -> r.typeChar() == 'C').map(Reply::tag).toList();
    }
}
