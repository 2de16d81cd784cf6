package io.pgmux.proxy.it;

import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Query;
import io.pgmux.protocol.message.StartupMessage;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin commands PgBouncer 1.25 has that pgmux added for its users: DISABLE/ENABLE, SUSPEND,
 * SET, SHOW STATE/TOTALS/MEM/SOCKETS/ACTIVE_SOCKETS/DNS_HOSTS/DNS_ZONES, and the console database in
 * SHOW DATABASES, each against real clients and a real Postgres.
 */
class AdminConsolePgBouncerCommandsIT {
    private static final String ADMIN = "pgb_admin";
    private static final String STATS = "pgb_stats";
    private static final String APP = "pgb_app";
    private static final String DB = TestPostgres.DATABASE;

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("""
                    pool_size: 1
                    query_wait_timeout: 60s
                    admin_users: [pgb_admin]
                    stats_users: pgb_stats
                    """)
            .roles(APP, "pgb_sizer", "pgb_suspend", "pgb_sockets");

    @Test
    void disableRefusesNewLoginsWithPgBouncersErrorWhileConnectedClientsGoOnAndEnableLetsThemIn() throws Exception {
        try (RawClient connected = pgmux.raw(APP); RawClient console = pgmux.console(ADMIN)) {
            // given: a client of the database, logged in
            assertEquals("1", TestSql.value(connected, "SELECT 1"));

            // when
            Console.Result disabled = Console.show(console, "DISABLE " + DB);

            // then: SHOW DATABASES says so, a new login gets PgBouncer's FATAL, the connected client goes on
            assertNull(disabled.error());
            assertEquals("DISABLE", disabled.tag());
            assertEquals("1", Console.show(console, "SHOW DATABASES").one("name", DB).get("disabled"));
            ErrorResponse refused = loginError(APP, DB);
            assertEquals(ErrorResponse.FATAL, refused.severity());
            assertEquals(SqlState.PROTOCOL_VIOLATION, refused.sqlState());
            assertEquals("database \"" + DB + "\" is disabled", refused.message());
            assertEquals("2", TestSql.value(connected, "SELECT 2"));

            // and when ENABLE: logins work again
            assertEquals("ENABLE", Console.show(console, "ENABLE " + DB).tag());
            assertEquals("0", Console.show(console, "SHOW DATABASES").one("name", DB).get("disabled"));
            try (RawClient later = pgmux.raw(APP)) {
                assertEquals("3", TestSql.value(later, "SELECT 3"));
            }
        }
    }

    @Test
    void disableNeedsAnAdminAndARealDatabaseOtherThanTheConsole() throws Exception {
        try (RawClient console = pgmux.console(ADMIN); RawClient stats = pgmux.console(STATS)) {
            assertEquals(SqlState.SYNTAX_ERROR, Console.show(console, "DISABLE").error().sqlState());
            ErrorResponse consoleDb = Console.show(console, "DISABLE pgbouncer").error();
            assertEquals("cannot disable admin db: pgbouncer", consoleDb.message());
            assertEquals(SqlState.PROTOCOL_VIOLATION, Console.show(console, "ENABLE nosuchdb").error().sqlState());
            assertEquals(SqlState.INSUFFICIENT_PRIVILEGE, Console.show(stats, "DISABLE " + DB).error().sqlState());
            assertEquals(SqlState.INSUFFICIENT_PRIVILEGE, Console.show(stats, "SUSPEND").error().sqlState());
            assertEquals(SqlState.INSUFFICIENT_PRIVILEGE, Console.show(stats, "SET pool_size = 2").error().sqlState());
        }
    }

    @Test
    void setDefaultPoolSizeIsShownBySHOWCONFIGGrowsThePoolAndLastsUntilReload() throws Exception {
        String user = "pgb_sizer";
        try (RawClient a = pgmux.raw(user).readTimeout(20_000); RawClient b = pgmux.raw(user).readTimeout(20_000);
             RawClient c = pgmux.raw(user).readTimeout(20_000); RawClient console = pgmux.console(ADMIN)) {
            // given: pool_size 1, one client holds the server in a transaction, a second waits for it
            a.query("BEGIN");
            b.send(new Query("BEGIN")).flush();
            TestSql.await("the second client waits", () -> poolRow(console, user).get("cl_waiting").equals("1"));

            // when: PgBouncer's name for pool_size, as its users type it
            Console.Result set = Console.show(console, "SET default_pool_size = 3");

            // then: both names show 3, the waiting client gets a server, a third one too: three servers at once
            assertNull(set.error());
            assertEquals("SET", set.tag());
            Console.Result config = Console.show(console, "SHOW CONFIG");
            assertEquals("3", config.one("key", "pool_size").get("value"));
            assertEquals("3", config.one("key", "default_pool_size").get("value"));
            assertEquals("3", Console.show(console, "SHOW DATABASES").one("name", DB).get("pool_size"));
            assertEquals('C', b.readUntilReady().get(0).typeChar());
            c.query("BEGIN");
            TestSql.assertValues(poolRow(console, user), "sv_active", "3", "cl_waiting", "0");

            // and a quoted value, and a duration in PgBouncer's plain seconds
            assertNull(Console.show(console, "SET server_check_query = 'SELECT 2'").error());
            assertNull(Console.show(console, "SET server_idle_timeout TO 42").error());
            config = Console.show(console, "SHOW CONFIG");
            assertEquals("SELECT 2", config.one("key", "server_check_query").get("value"));
            assertEquals("42s", config.one("key", "server_idle_timeout").get("value"));

            // and RELOAD puts the file's values back
            assertNull(Console.show(console, "RELOAD").error());
            config = Console.show(console, "SHOW CONFIG");
            assertEquals("1", config.one("key", "pool_size").get("value"));
            assertEquals("", config.one("key", "server_check_query").get("value"));
            for (RawClient client : List.of(a, b, c)) {
                client.query("COMMIT");
            }
        }
    }

    @Test
    void setRefusesUnknownKeysKeysThatNeedARestartAndBadValuesWithPostgresCodes() throws Exception {
        try (RawClient console = pgmux.console(ADMIN)) {
            assertRefused(console, "SET no_such_setting = 1", SqlState.UNDEFINED_OBJECT, "unknown setting: no_such_setting");
            assertRefused(console, "SET event_loops = 2", SqlState.CANT_CHANGE_RUNTIME_PARAM, "restart");
            assertRefused(console, "SET listen_port = 7000", SqlState.CANT_CHANGE_RUNTIME_PARAM, "restart");
            assertRefused(console, "SET databases = 'x'", SqlState.CANT_CHANGE_RUNTIME_PARAM, "config file only");
            assertRefused(console, "SET pool_size = 0", SqlState.INVALID_PARAMETER_VALUE, "pool_size");
            assertRefused(console, "SET pool_mode = 'sometimes'", SqlState.INVALID_PARAMETER_VALUE, "pool_mode");
            // nothing changed, and the console goes on
            assertEquals("1", Console.show(console, "SHOW CONFIG").one("key", "pool_size").get("value"));
            assertEquals("transaction", Console.show(console, "SHOW CONFIG").one("key", "pool_mode").get("value"));
        }
    }

    @Test
    void suspendStopsReadingClientsUntilResumeAndShowStateSaysSo() throws Exception {
        String user = "pgb_suspend";
        try (RawClient client = pgmux.raw(user); RawClient console = pgmux.console(ADMIN)) {
            assertEquals("1", TestSql.value(client, "SELECT 1"));
            assertEquals(List.of(List.of("active", "yes"), List.of("paused", "no"), List.of("suspended", "no")),
                    Console.show(console, "SHOW STATE").rows());

            // when
            Console.Result suspended = Console.show(console, "SUSPEND");

            // then: it answered once flushed; the state says so; PAUSE and a second SUSPEND are refused
            assertNull(suspended.error());
            assertEquals("SUSPEND", suspended.tag());
            assertEquals(List.of(List.of("active", "no"), List.of("paused", "no"), List.of("suspended", "yes")),
                    Console.show(console, "SHOW STATE").rows());
            assertEquals(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, Console.show(console, "PAUSE").error().sqlState());
            assertEquals(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, Console.show(console, "SUSPEND").error().sqlState());
            // a query sent now gets no answer, nor does one of a client that logs in meanwhile
            client.readTimeout(700).send(new Query("SELECT 2")).flush();
            assertThrows(SocketTimeoutException.class, client::read);
            RawClient newcomer = pgmux.raw(user).readTimeout(700);
            newcomer.send(new Query("SELECT 3")).flush();
            assertThrows(SocketTimeoutException.class, newcomer::read);

            // and when RESUME: both answers come
            assertEquals("RESUME", Console.show(console, "RESUME").tag());
            client.readTimeout(20_000);
            newcomer.readTimeout(20_000);
            assertEquals(List.of("2"), firstRow(client.readUntilReady()));
            assertEquals(List.of("3"), firstRow(newcomer.readUntilReady()));
            assertEquals("yes", Console.show(console, "SHOW STATE").one("key", "active").get("value"));
            newcomer.close();
        }
    }

    @Test
    void showTotalsSumsTheStatsOfEveryDatabaseUnderPgBouncersNames() throws Exception {
        try (RawClient client = pgmux.raw(APP); RawClient console = pgmux.console(STATS)) {
            client.query("SELECT 1");
            Console.Result totals = Console.show(console, "SHOW TOTALS");
            List<String> counters = List.of("server_assignment_count", "xact_count", "query_count", "client_bytes",
                    "server_bytes", "xact_time", "query_time", "wait_time", "ps_client_parse_count", "ps_server_parse_count",
                    "ps_bind_count");
            List<String> names = new ArrayList<>();
            counters.forEach(name -> names.add("total_" + name));
            counters.forEach(name -> names.add("avg_" + name));
            assertEquals(List.of("name", "value"), totals.columns());
            assertEquals(names, totals.rows().stream().map(row -> row.get(0)).toList());
            // the totals are SHOW STATS summed, plus the SHOW TOTALS that counts itself as a console query
            // (read after it: counters only grow, and nothing runs meanwhile)
            long queries = Console.show(console, "SHOW STATS").maps(row -> true).stream()
                    .mapToLong(row -> Long.parseLong(row.get("total_query_count"))).sum();
            assertEquals(Long.toString(queries + 1), Console.show(console, "SHOW TOTALS").one("name", "total_query_count")
                    .get("value"));
            assertTrue(queries >= 1);
        }
    }

    @Test
    void showMemShowsTheHeapAndCountsClientsServersAndPools() throws Exception {
        try (RawClient client = pgmux.raw(APP); RawClient console = pgmux.console(STATS)) {
            client.query("SELECT 1");
            Console.Result mem = Console.show(console, "SHOW MEM");
            assertEquals(List.of("name", "size", "used", "free", "memtotal"), mem.columns());
            Map<String, String> heap = mem.one("name", "jvm_heap");
            assertEquals("1024", heap.get("size"));
            assertTrue(Long.parseLong(heap.get("used")) > 1024, heap.toString()); // over a MB of heap in use
            assertEquals(Long.parseLong(heap.get("memtotal")) / 1024,
                    Long.parseLong(heap.get("used")) + Long.parseLong(heap.get("free")), 1, heap.toString());
            // the two clients (the console counts), at least one server, and the client's pool
            assertTrue(Integer.parseInt(mem.one("name", "clients").get("used")) >= 2);
            assertTrue(Integer.parseInt(mem.one("name", "servers").get("used")) >= 1);
            assertTrue(Integer.parseInt(mem.one("name", "pools").get("used")) >= 1);
        }
    }

    @Test
    void showSocketsListsClientsAndServersWithPgBouncersListNamesAndActiveSocketsThoseWithUnsentData() throws Exception {
        String user = "pgb_sockets";
        List<String> columns = List.of("type", "user", "database", "replication", "state", "addr", "port", "local_addr",
                "local_port", "connect_time", "request_time", "wait", "wait_us", "close_needed", "ptr", "link",
                "remote_pid", "tls", "application_name", "prepared_statements", "id", "recv_pos", "pkt_pos", "pkt_remain",
                "send_pos", "send_remain", "pkt_avail", "send_avail");
        try (RawClient reader = pgmux.raw(user); RawClient console = pgmux.console(ADMIN);
             RawClient flooded = RawClient.open(pgmux.host(), pgmux.port(), 4096).login(DB, user, Map.of())) {
            // given: one client in a transaction (it holds a server)
            reader.query("BEGIN");
            int pid = Integer.parseInt(TestSql.value(reader, "SELECT pg_backend_pid()"));
            Console.Result sockets = Console.show(console, "SHOW SOCKETS");
            assertEquals(columns, sockets.columns());
            Map<String, String> clientRow = sockets.one("port", Integer.toString(reader.localPort()));
            assertEquals("C", clientRow.get("type"));
            assertEquals("cl_active", clientRow.get("state"));
            Map<String, String> serverRow = sockets.one("remote_pid", Integer.toString(pid));
            assertEquals("sv_active", serverRow.get("state"));
            assertEquals(clientRow.get("link"), serverRow.get("ptr"));
            reader.query("COMMIT");

            // when: a client asks for a large result and does not read it
            flooded.send(new Query("SELECT repeat('x', 1000) FROM generate_series(1, 20000)")).flush();

            // then: ACTIVE_SOCKETS lists it, with what pgmux holds unsent for it
            TestSql.await("the unread client has unsent data", () -> activeSocketOf(console, flooded.localPort()) != null);
            Map<String, String> active = activeSocketOf(console, flooded.localPort());
            assertTrue(Integer.parseInt(active.get("send_avail")) > 0, active.toString());
            assertEquals(columns, Console.show(console, "SHOW ACTIVE_SOCKETS").columns());
            assertEquals(List.of(), Console.show(console, "SHOW ACTIVE_SOCKETS").where("port",
                    Integer.toString(reader.localPort())));
        }
    }

    @Test
    void showDnsHostsListsTheServerHostNamesLookedUpAndDnsZonesIsEmpty() throws Exception {
        Pgmux named = pgmux.start("""
                admin_users: [pgb_admin]
                databases:
                  byname: {host: localhost, port: ${PG_PORT}, dbname: pgmux_test}
                """);
        try (RawClient client = RawClient.connect(named.host(), named.port(), "byname", APP);
             RawClient console = named.console(ADMIN)) {
            assertEquals("1", TestSql.value(client, "SELECT 1"));

            Console.Result hosts = Console.show(console, "SHOW DNS_HOSTS");
            Console.Result zones = Console.show(console, "SHOW DNS_ZONES");

            assertEquals(List.of("hostname", "ttl", "addrs"), hosts.columns());
            Map<String, String> localhost = hosts.one("hostname", "localhost");
            assertTrue(localhost.get("addrs").contains("127.0.0.1") || localhost.get("addrs").contains("0:0:0:0:0:0:0:1"),
                    localhost.toString());
            assertTrue(Long.parseLong(localhost.get("ttl")) <= 15, localhost.toString()); // dns_max_ttl
            assertEquals(List.of("zonename", "serial", "count"), zones.columns());
            assertEquals(List.of(), zones.rows());
        }
    }

    @Test
    void showDatabasesListsTheConsoleDatabasesWithTheirConsoleClients() throws Exception {
        try (RawClient console = pgmux.console(STATS)) {
            Map<String, String> row = Console.show(console, "SHOW DATABASES").one("name", "pgbouncer");
            TestSql.assertValues(row, "port", Integer.toString(pgmux.port()), "database", "pgbouncer",
                    "pool_mode", "statement", "paused", "0", "disabled", "0");
            assertNull(row.get("host"));
            assertTrue(Integer.parseInt(row.get("current_client_connections")) >= 1, row.toString());
            assertNotNull(Console.show(console, "SHOW DATABASES").one("name", "pgmux"));
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void assertRefused(RawClient console, String command, String sqlState, String inMessage)
            throws IOException {
        ErrorResponse error = Console.show(console, command).error();
        assertNotNull(error, command);
        assertEquals(sqlState, error.sqlState(), command + ": " + error.message());
        assertTrue(error.message().contains(inMessage), command + ": " + error.message());
    }

    private static ErrorResponse loginError(String user, String database) throws IOException {
        try (RawClient client = RawClient.open(pgmux.host(), pgmux.port())) {
            client.send(new StartupMessage(Frontend.PROTOCOL_3_0, Map.of("user", user, "database", database))).flush();
            while (true) {
                RawClient.Reply reply = client.read();
                if (reply.typeChar() == 'E') {
                    return reply.error();
                }
                if (reply.typeChar() == 'Z') {
                    throw new AssertionError("the login succeeded");
                }
            }
        }
    }

    private static Map<String, String> poolRow(RawClient console, String user) {
        try {
            return Console.show(console, "SHOW POOLS").where("user", user).stream()
                    .filter(row -> row.get("database").equals(DB)).findFirst().orElseThrow();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static Map<String, String> activeSocketOf(RawClient console, int port) {
        try {
            List<Map<String, String>> rows = Console.show(console, "SHOW ACTIVE_SOCKETS").where("port", Integer.toString(port));
            return rows.isEmpty() ? null : rows.get(0);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static List<String> firstRow(List<RawClient.Reply> replies) {
        return replies.stream().filter(reply -> reply.typeChar() == 'D').findFirst().orElseThrow().row();
    }
}
