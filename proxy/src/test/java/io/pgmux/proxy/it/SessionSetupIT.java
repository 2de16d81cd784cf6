package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.StartupMessage;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PgBouncer's session-setup settings against the real Postgres: {@code ignore_startup_parameters},
 * {@code connect_query} (global and per database), {@code query_wait_notify} and
 * {@code server_fast_close}.
 */
class SessionSetupIT {
    private static final String IGNORING = "setup_ignoring";
    private static final String CONNECTING = "setup_connecting";
    private static final String FAILING = "setup_failing";
    private static final String WAITING = "setup_waiting";
    private static final String SESSION = "setup_session";
    private static final String ADMIN = "setup_admin";
    private static final String DB = TestPostgres.DATABASE;
    /** A value of extra_float_digits Postgres refuses (it takes -15..3). */
    private static final String REFUSED_DIGITS = "1".repeat(5000);

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().roles(IGNORING, CONNECTING, FAILING, WAITING, SESSION, ADMIN);

    // ---------------------------------------------------------------- ignore_startup_parameters

    @Test
    void listedStartupParametersNeverReachTheServerWhereverTheClientGivesThem() throws Exception {
        try (Pgmux pgmux = Pgmux.start("ignore_startup_parameters: extra_float_digits\n")) {
            // given a client sending a value Postgres refuses, directly and within options, and one it accepts
            Map<String, String> startup = new LinkedHashMap<>();
            startup.put("extra_float_digits", REFUSED_DIGITS);
            startup.put("options", "-c extra_float_digits=2 -c DateStyle=German");
            try (RawClient client = RawClient.connect(pgmux.host(), pgmux.port(), DB, IGNORING, startup)) {
                // then it logs in, extra_float_digits stays the server's default, and the other setting holds
                assertEquals("1", TestSql.value(client, "SHOW extra_float_digits"));
                assertTrue(TestSql.value(client, "SHOW DateStyle").startsWith("German"));
            }
        }
    }

    @Test
    void withoutTheListPostgresJudgesTheParameterAndRefusesTheLogin() throws Exception {
        try (Pgmux pgmux = Pgmux.start("")) {
            List<Reply> replies = login(pgmux, IGNORING, Map.of("extra_float_digits", REFUSED_DIGITS));

            ErrorResponse error = TestSql.error(replies);
            assertTrue(error.sqlState().startsWith("22"), error.toString()); // an invalid value: Postgres's own answer
        }
    }

    @Test
    void listingOptionsDropsItsSwitchesButKeepsItsSettings() throws Exception {
        try (Pgmux pgmux = Pgmux.start("")) {
            assertEquals("0A000", TestSql.error(login(pgmux, IGNORING, Map.of("options", "-d 5"))).sqlState(),
                    "refused as long as options is not listed: not a setting");
        }
        try (Pgmux pgmux = Pgmux.start("ignore_startup_parameters: [options]\n");
             RawClient client = RawClient.connect(pgmux.host(), pgmux.port(), DB, IGNORING,
                     Map.of("options", "-d 5 -c TimeZone=Asia/Tokyo"))) {
            assertEquals("Asia/Tokyo", TestSql.value(client, "SHOW TimeZone"));
        }
    }

    // ---------------------------------------------------------------- connect_query

    @Test
    void connectQueryRunsOnEveryNewServerBeforeAnyClientGetsIt() throws Exception {
        String yaml = """
                connect_query: "SET enable_nestloop = off"
                databases:
                  global_cq: {host: 127.0.0.1, port: ${PG_PORT}, dbname: pgmux_test}
                  own_cq: {host: 127.0.0.1, port: ${PG_PORT}, dbname: pgmux_test, connect_query: "SET enable_seqscan = off; SET enable_hashjoin = off"}
                  no_cq: {host: 127.0.0.1, port: ${PG_PORT}, dbname: pgmux_test, connect_query: ""}
                """;
        try (Pgmux pgmux = Pgmux.start(yaml);
             RawClient global = RawClient.connect(pgmux.host(), pgmux.port(), "global_cq", CONNECTING, Map.of());
             RawClient own = RawClient.connect(pgmux.host(), pgmux.port(), "own_cq", CONNECTING, Map.of());
             RawClient none = RawClient.connect(pgmux.host(), pgmux.port(), "no_cq", CONNECTING, Map.of())) {
            // the global query; a database's own replaces it (both of its statements ran); "" runs none
            assertEquals("off", TestSql.value(global, "SHOW enable_nestloop"));
            assertEquals("on", TestSql.value(global, "SHOW enable_seqscan"));
            assertEquals("off", TestSql.value(own, "SHOW enable_seqscan"));
            assertEquals("off", TestSql.value(own, "SHOW enable_hashjoin"));
            assertEquals("on", TestSql.value(own, "SHOW enable_nestloop"));
            assertEquals("on", TestSql.value(none, "SHOW enable_nestloop"));
        }
    }

    @Test
    void aNewConnectQueryRetiresTheServersThatRanTheOldOne() throws Exception {
        try (Pgmux pgmux = Pgmux.start("admin_users: [" + ADMIN + "]\n"); RawClient client = pgmux.raw(CONNECTING);
             RawClient console = pgmux.console(ADMIN)) {
            // given a server that ran no connect_query
            String before = TestSql.value(client, "SELECT pg_backend_pid()");
            assertEquals("on", TestSql.value(client, "SHOW enable_seqscan"));

            // when connect_query is set online
            assertNull(Console.show(console, "SET connect_query = 'SET enable_seqscan = off'").error());

            // then the old server is retired and the client's next transaction runs on one that ran it
            TestSql.awaitBackendGone("the server without the connect_query is closed", before);
            assertEquals("off", TestSql.value(client, "SHOW enable_seqscan"));
        }
    }

    @Test
    void aFailingConnectQueryTellsTheWaitingClientAndLeavesNoServer() throws Exception {
        try (Pgmux pgmux = Pgmux.start("connect_query: \"SELECT 1 FROM setup_no_such_table\"\n")) {
            // the first client of a pool waits for a server to learn its welcome: it gets the error
            ErrorResponse error = TestSql.error(login(pgmux, FAILING, Map.of()));

            assertEquals("42P01", error.sqlState(), error.toString());
            assertTrue(error.message().contains("connect_query"), error.message());
            TestSql.await("the server whose connect_query failed is closed", () -> serverConnections(DB, FAILING) == 0);
        }
    }

    @Test
    void aConnectQueryThatLeavesATransactionOpenIsRefusedToo() throws Exception {
        try (Pgmux pgmux = Pgmux.start("connect_query: \"BEGIN\"\n")) {
            ErrorResponse error = TestSql.error(login(pgmux, FAILING, Map.of()));

            assertEquals("25000", error.sqlState(), error.toString());
            TestSql.await("the server left in a transaction is closed", () -> serverConnections(DB, FAILING) == 0);
        }
    }

    // ---------------------------------------------------------------- query_wait_notify

    @Test
    void aClientQueuedLongerThanQueryWaitNotifyIsToldOncePerWait() throws Exception {
        try (Pgmux pgmux = Pgmux.start("pool_size: 1\nquery_wait_notify: 1s\n");
             RawClient holder = pgmux.raw(WAITING); RawClient queued = pgmux.raw(WAITING)) {
            for (int wait = 1; wait <= 2; wait++) {
                // given the only server held in a transaction
                holder.query("BEGIN");
                queued.readTimeout(10_000).send(new io.pgmux.protocol.message.Query("SELECT " + wait)).flush();

                // when the other client has waited over a second, it is told, and its query goes on waiting
                Reply notice = queued.read();
                assertEquals(Backend.NOTICE_RESPONSE, notice.type(), notice.toString());
                assertTrue(notice.error().message().contains("queued"), notice.error().message());
                assertEquals("NOTICE", notice.error().severity());

                // then once the server is free it runs, with no second notice for the same wait
                holder.query("COMMIT");
                List<Reply> rest = queued.readUntilReady();
                assertEquals(String.valueOf(wait), TestSql.value(rest));
                assertFalse(rest.stream().anyMatch(r -> r.type() == Backend.NOTICE_RESPONSE), rest.toString());
            }
        }
    }

    @Test
    void aShorterWaitIsNotTold() throws Exception {
        try (Pgmux pgmux = Pgmux.start("pool_size: 1\nquery_wait_notify: 8s\n");
             RawClient holder = pgmux.raw(WAITING); RawClient queued = pgmux.raw(WAITING)) {
            holder.query("BEGIN");
            queued.send(new io.pgmux.protocol.message.Query("SELECT 7")).flush();
            TestSql.await("the client queues", () -> pgmux.waitingClients() == 1);
            Thread.sleep(1_500);
            holder.query("COMMIT");

            List<Reply> replies = queued.readUntilReady();
            assertEquals("7", TestSql.value(replies));
            assertFalse(replies.stream().anyMatch(r -> r.type() == Backend.NOTICE_RESPONSE), replies.toString());
        }
    }

    // ---------------------------------------------------------------- server_fast_close

    private static final String SESSION_POOL = "pool_mode: session\nadmin_users: [" + ADMIN + "]\n";

    @Test
    void withFastCloseAnIdleSessionLosesItsRetiredServerAtOnce() throws Exception {
        try (Pgmux pgmux = Pgmux.start(SESSION_POOL); RawClient client = pgmux.raw(SESSION);
             RawClient console = pgmux.console(ADMIN)) {
            // given a session-mode client between transactions, and server_fast_close set online
            Object pid = TestSql.value(client, "SELECT pg_backend_pid()");
            assertNull(Console.show(console, "SET server_fast_close = 1").error());

            // when RECONNECT retires its server
            assertNull(Console.show(console, "RECONNECT " + DB).error());

            // then the client is told and closed, and so is the server
            ErrorResponse error = client.readTimeout(10_000).read().error();
            assertEquals("57P01", error.sqlState(), error.toString());
            assertTrue(error.message().contains("server_fast_close"), error.message());
            TestSql.awaitBackendGone("the retired server is closed", pid);
            assertTrue(client.isClosedByPeer());
        }
    }

    @Test
    void withFastCloseAnOpenTransactionFinishesFirst() throws Exception {
        try (Pgmux pgmux = Pgmux.start(SESSION_POOL + "server_fast_close: true\n"); RawClient client = pgmux.raw(SESSION);
             RawClient console = pgmux.console(ADMIN)) {
            // given a session-mode client inside a transaction
            client.query("BEGIN");
            String pid = TestSql.value(client, "SELECT pg_backend_pid()");

            // when RECONNECT retires its server, the transaction goes on on it, and commits
            assertNull(Console.show(console, "RECONNECT " + DB).error());
            assertEquals(pid, TestSql.value(client, "SELECT pg_backend_pid()"));
            List<Reply> commit = client.query("COMMIT");
            assertEquals("COMMIT", commit.get(0).tag());

            // then, at its end, the session is closed
            ErrorResponse error = client.readTimeout(10_000).read().error();
            assertEquals("57P01", error.sqlState(), error.toString());
            TestSql.awaitBackendGone("the retired server is closed", pid);
        }
    }

    @Test
    void withoutFastCloseTheSessionKeepsItsServerUntilItLeaves() throws Exception {
        try (Pgmux pgmux = Pgmux.start(SESSION_POOL); RawClient client = pgmux.raw(SESSION);
             RawClient console = pgmux.console(ADMIN)) {
            String pid = TestSql.value(client, "SELECT pg_backend_pid()");

            assertNull(Console.show(console, "RECONNECT " + DB).error());
            Thread.sleep(500);

            assertEquals(pid, TestSql.value(client, "SELECT pg_backend_pid()"));
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Sends a StartupMessage and reads until the login ends: a ReadyForQuery, or an error and the close. */
    private static List<Reply> login(Pgmux pgmux, String user, Map<String, String> extra) throws IOException {
        try (RawClient client = RawClient.open(pgmux.host(), pgmux.port())) {
            Map<String, String> startup = new LinkedHashMap<>();
            startup.put("user", user);
            startup.put("database", DB);
            startup.putAll(extra);
            client.send(new StartupMessage(Frontend.PROTOCOL_3_0, startup)).flush();
            List<Reply> replies = new ArrayList<>();
            while (true) {
                Reply reply = client.read();
                replies.add(reply);
                if (reply.type() == Backend.READY_FOR_QUERY || reply.type() == Backend.ERROR_RESPONSE) {
                    return replies;
                }
            }
        }
    }

    private static int serverConnections(String database, String user) {
        try {
            return Pgmux.serverConnections(database, user);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
