package io.pgmux.proxy.it;

import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Execute;
import io.pgmux.protocol.message.Parse;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.pgmux.proxy.testing.TestSql.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * {@code pool_mode: session}: a client keeps one server from login to logout, and
 * {@code server_reset_query} wipes its session state before the server serves anyone else.
 */
class SessionModeIT {
    private static final String USER = "sessmode_user";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_mode: session\npool_size: 1\nquery_wait_timeout: 30s\n")
            .role(USER);

    @Test
    void clientKeepsTheSameServerAcrossTransactions() throws Exception {
        try (Pgmux two = Pgmux.start("pool_mode: session\npool_size: 2\n");
             RawClient a = two.raw(USER); RawClient b = two.raw(USER)) {
            // given: each client made session state in its first transaction
            String aPid = value(a, "CREATE TEMP TABLE sessmode_mine AS SELECT 'a' AS who; SELECT pg_backend_pid()::text");
            String bPid = value(b, "CREATE TEMP TABLE sessmode_mine AS SELECT 'b' AS who; SELECT pg_backend_pid()::text");
            assertNotEquals(aPid, bPid);
            for (int i = 0; i < 10; i++) {
                // when: they run transactions in turn
                assertEquals(TransactionStatus.IN_TRANSACTION, TestSql.status(a.query("BEGIN")));
                List<String> aSees = TestSql.row(a.query("SELECT pg_backend_pid()::text, who FROM sessmode_mine"));
                assertEquals(TransactionStatus.IDLE, TestSql.status(a.query("COMMIT")));
                List<String> bSees = TestSql.row(b.query("SELECT pg_backend_pid()::text, who FROM sessmode_mine"));
                // then: each stays on its own server, with its own session state
                assertEquals(List.of(aPid, "a"), aSees, "round " + i);
                assertEquals(List.of(bPid, "b"), bSees, "round " + i);
            }
        }
    }

    @Test
    void showStatsCountsEachTransactionAndOneAssignmentPerClient() throws Exception {
        // given PgBouncer's test_show_stats in session mode: four clients with one autocommit query each,
        // then one client with two transaction blocks of three queries
        try (Pgmux own = Pgmux.start("pool_mode: session\nadmin_users: [postgres]\n")) {
            for (int i = 0; i < 4; i++) {
                try (RawClient client = own.raw(USER)) {
                    client.query("SELECT 1");
                }
            }
            try (RawClient client = own.raw(USER)) {
                for (int block = 0; block < 2; block++) {
                    client.query("BEGIN");
                    for (int i = 0; i < 3; i++) {
                        client.query("SELECT 1");
                    }
                    client.query("COMMIT");
                }
            }
            own.awaitNoServerHeld(USER);

            // when
            Map<String, String> stats;
            try (RawClient console = own.console("postgres")) {
                stats = Console.show(console, "SHOW STATS").one("database", TestPostgres.DATABASE);
            }

            // then: one assignment per client (the first one's startup check is not one), 4 + 2 transactions
            assertEquals("5", stats.get("total_server_assignment_count"), stats.toString());
            assertEquals("6", stats.get("total_xact_count"), stats.toString());
            assertEquals("14", stats.get("total_query_count"), stats.toString());
        }
    }

    @Test
    void resetQueryWipesTheSessionStateOfTheClientThatLeft() throws Exception {
        // given: a client that left session state of every kind on the pool's only server
        String pid;
        try (RawClient a = pgmux.raw(USER)) {
            pid = leaveSessionState(a);
        }
        // when: the next client gets that server
        try (RawClient b = pgmux.raw(USER)) {
            // then: none of it is there
            assertEquals(pid, value(b, "SELECT pg_backend_pid()::text"), "the same server");
            assertNoSessionState(b);
        }
    }

    @Test
    void resetQueryAlsoRunsForAClientKilledInATransaction() throws Exception {
        // given: a client with session state, killed inside a transaction
        RawClient a = pgmux.raw(USER);
        String pid = leaveSessionState(a);
        TestSql.assertOk(a.query("BEGIN; CREATE TABLE sessmode_uncommitted (x int)"));
        a.kill();
        // when: the next client gets the same server
        try (RawClient b = pgmux.raw(USER)) {
            List<Reply> replies = b.query("SELECT pg_backend_pid()::text, to_regclass('sessmode_uncommitted')::text");
            // then: the transaction was rolled back, and the session state wiped
            assertEquals(Arrays.asList(pid, null), TestSql.row(replies));
            assertEquals(TransactionStatus.IDLE, TestSql.status(replies));
            assertNoSessionState(b);
        }
    }

    @Test
    void perDatabasePoolModeSessionWorksNextToTransactionMode() throws Exception {
        String database = """
                    host: 127.0.0.1
                    port: ${PG_PORT}
                    dbname: %s
                    pool_size: 1
                """.formatted(TestPostgres.DATABASE);
        String yaml = "pool_mode: transaction\nquery_wait_timeout: 30s\ndatabases:\n"
                + "  sessmode_tx:\n" + database
                + "  sessmode_session:\n" + database + "    pool_mode: session\n";
        try (Pgmux both = Pgmux.start(yaml)) {
            // given: two clients of the transaction-mode database, one server
            try (RawClient a = connect(both, "sessmode_tx"); RawClient b = connect(both, "sessmode_tx")) {
                // then: they share it, transaction by transaction, while both stay connected
                String pid = value(a, "SELECT pg_backend_pid()::text");
                for (int i = 0; i < 3; i++) {
                    assertEquals(pid, value(b, "SELECT pg_backend_pid()::text"));
                    assertEquals(pid, value(a, "SELECT pg_backend_pid()::text"));
                }
            }
            // given: two clients of the session-mode database, one server
            try (RawClient b = connect(both, "sessmode_session")) {
                String pid;
                try (RawClient a = connect(both, "sessmode_session")) {
                    pid = value(a, "SELECT pg_backend_pid()::text");
                    // when: the second one asks for the server while the first is connected
                    b.send(new Query("SELECT pg_backend_pid()::text")).flush();
                    // then: it waits, however idle the first one is between its transactions
                    TestSql.await("the second client waits", () -> waiting(both, "sessmode_session") == 1);
                    assertEquals(pid, value(a, "SELECT pg_backend_pid()::text"));
                    assertEquals(1, waiting(both, "sessmode_session"));
                }
                // and gets the server when the first one leaves
                assertEquals(pid, value(b.readUntilReady()));
            }
        }
    }

    /** Leaves a temp table, a SET, a SQL-level and a protocol-level prepared statement, a LISTEN and an advisory lock. */
    private static String leaveSessionState(RawClient client) throws IOException {
        TestSql.assertOk(client.query("CREATE TEMP TABLE sessmode_temp (x int)"));
        TestSql.assertOk(client.query("SET work_mem = '77MB'"));
        TestSql.assertOk(client.query("PREPARE sessmode_plan AS SELECT 'leaked'"));
        client.send(new Parse("sessmode_stmt", "SELECT 'leaked'", new int[0])).sync().flush();
        TestSql.assertOk(client.readUntilReady());
        TestSql.assertOk(client.query("LISTEN sessmode_channel"));
        TestSql.assertOk(client.query("SELECT pg_advisory_lock(4242)"));
        assertEquals("77MB", value(client, "SHOW work_mem"));
        return value(client, "SELECT pg_backend_pid()::text");
    }

    private static void assertNoSessionState(RawClient client) throws IOException {
        assertEquals("0", value(client, "SELECT count(*) FROM pg_class WHERE relname = 'sessmode_temp'"), "temp table");
        assertEquals(TestSql.direct("SHOW work_mem"), value(client, "SHOW work_mem"), "work_mem");
        assertEquals("26000", TestSql.error(client.query("EXECUTE sessmode_plan")).sqlState(), "SQL PREPARE");
        client.bind("", "sessmode_stmt").send(new Execute("", 0)).sync().flush();
        assertEquals("26000", TestSql.error(client.readUntilReady()).sqlState(), "protocol-level statement");
        assertEquals("0", value(client, "SELECT count(*) FROM pg_listening_channels()"), "LISTEN");
        assertEquals("0", value(client, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"),
                "advisory lock");
    }

    private static RawClient connect(Pgmux pgmux, String database) throws IOException {
        return RawClient.connect(pgmux.host(), pgmux.port(), database, USER);
    }

    private static int waiting(Pgmux pgmux, String database) {
        return pgmux.server().pools().all().stream().filter(pool -> pool.key().database().equals(database))
                .map(Pool::counts).mapToInt(c -> c.waiting()).sum();
    }
}
