package io.pgmux.proxy.it;

import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.Parse;
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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.pgmux.proxy.it.PreparedProtocol.bind;
import static io.pgmux.proxy.it.PreparedProtocol.execute;
import static io.pgmux.proxy.it.PreparedProtocol.holdServer;
import static io.pgmux.proxy.it.PreparedProtocol.ok;
import static io.pgmux.proxy.it.PreparedProtocol.parse;
import static io.pgmux.proxy.it.PreparedProtocol.prepare;
import static io.pgmux.proxy.it.PreparedProtocol.run;
import static io.pgmux.proxy.it.PreparedProtocol.statementsOfHeldServer;
import static io.pgmux.proxy.it.PreparedProtocol.types;
import static io.pgmux.proxy.it.PreparedProtocol.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin console against real sessions: what SHOW reports matches the situation the test builds,
 * the columns are PgBouncer 1.25's, and the pool commands do what they say.
 */
class AdminConsoleIT {
    private static final String ADMIN = "console_admin";
    private static final String STATS = "console_stats";
    private static final String APP = "console_app";
    private static final String PREPARING = "console_preparing";
    /** A database of its own, served by one server connection. */
    private static final String ONE_SERVER = """
            admin_users: [console_admin]
            stats_users: console_stats
            pool_size: 1
            databases:
              ps_db: {host: 127.0.0.1, port: ${PG_PORT}, dbname: pgmux_test}
            """;

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("""
                    pool_size: 2
                    query_wait_timeout: 60s
                    admin_users: [console_admin]
                    stats_users: console_stats
                    """)
            .roles(APP, "console_pause", "console_kill", "console_reconnect", "console_latency", "console_killdb",
                    "console_prepared", PREPARING);

    @Test
    void showPoolsClientsAndServersMatchTwoActiveOneWaitingAndOneIdleClient() throws Exception {
        try (RawClient a = pgmux.raw(APP); RawClient b = pgmux.raw(APP); RawClient waiting = pgmux.raw(APP);
             RawClient idle = pgmux.raw(APP); RawClient console = pgmux.console(ADMIN)) {
            // given: two clients in open transactions hold both servers of the pool, a third waits, a fourth is idle
            int pidA = beginAndGetPid(a);
            int pidB = beginAndGetPid(b);
            waiting.send(new Query("SELECT 3")).flush();
            TestSql.await("the third client waits", () -> poolRow(console, APP).get("cl_waiting").equals("1"));

            // when
            Map<String, String> pool = poolRow(console, APP);
            Console.Result clients = Console.show(console, "SHOW CLIENTS");
            Console.Result servers = Console.show(console, "SHOW SERVERS");

            // then: SHOW POOLS counts them
            TestSql.assertValues(pool, "cl_active", "3", "cl_waiting", "1", "sv_active", "2", "sv_idle", "0", "sv_login", "0",
                    "pool_mode", "transaction");
            // SHOW CLIENTS: one row per client, found by its port, in the right state
            Map<String, String> rowA = clients.one("port", Integer.toString(a.localPort()));
            Map<String, String> rowB = clients.one("port", Integer.toString(b.localPort()));
            assertEquals("active", rowA.get("state"));
            assertEquals("active", rowB.get("state"));
            assertEquals("waiting", clients.one("port", Integer.toString(waiting.localPort())).get("state"));
            assertEquals("idle", clients.one("port", Integer.toString(idle.localPort())).get("state"));
            assertEquals(4, clients.where("user", APP).size());
            // SHOW SERVERS: both servers active, linked to those clients, with the backends' real pids
            List<Map<String, String>> appServers = servers.where("user", APP);
            assertEquals(2, appServers.size());
            Set<String> pids = new HashSet<>();
            for (Map<String, String> server : appServers) {
                assertEquals("active", server.get("state"));
                pids.add(server.get("remote_pid"));
            }
            assertEquals(Set.of(Integer.toString(pidA), Integer.toString(pidB)), pids);
            assertEquals(rowA.get("link"), servers.one("remote_pid", Integer.toString(pidA)).get("ptr"));
            assertEquals(rowA.get("ptr"), servers.one("remote_pid", Integer.toString(pidA)).get("link"));

            // and when one transaction ends, the waiting client gets its server
            a.query("COMMIT");
            assertEquals("C", firstType(waiting.readUntilReady(), 'C'));
            b.query("COMMIT");
        }
    }

    @Test
    void columnNamesAndOrderAreThoseOfPgBouncer125() throws Exception {
        // given: PgBouncer 1.25's columns (src/admin.c, src/stats.c), which its Prometheus exporter reads
        Map<String, List<String>> expected = Map.of(
                "SHOW STATS", List.of("database", "total_server_assignment_count", "total_xact_count", "total_query_count",
                        "total_received", "total_sent", "total_xact_time", "total_query_time", "total_wait_time",
                        "total_client_parse_count", "total_server_parse_count", "total_bind_count",
                        "avg_server_assignment_count", "avg_xact_count", "avg_query_count", "avg_recv", "avg_sent",
                        "avg_xact_time", "avg_query_time", "avg_wait_time", "avg_client_parse_count",
                        "avg_server_parse_count", "avg_bind_count"),
                "SHOW STATS_TOTALS", List.of("database", "server_assignment_count", "xact_count", "query_count",
                        "bytes_received", "bytes_sent", "xact_time", "query_time", "wait_time", "client_parse_count",
                        "server_parse_count", "bind_count"),
                "SHOW STATS_AVERAGES", List.of("database", "server_assignment_count", "xact_count", "query_count",
                        "bytes_received", "bytes_sent", "xact_time", "query_time", "wait_time", "avg_client_parse_count",
                        "avg_server_parse_count", "avg_bind_count"),
                "SHOW POOLS", List.of("database", "user", "cl_active", "cl_waiting", "cl_active_cancel_req",
                        "cl_waiting_cancel_req", "sv_active", "sv_active_cancel", "sv_being_canceled", "sv_idle", "sv_used",
                        "sv_tested", "sv_login", "maxwait", "maxwait_us", "pool_mode", "load_balance_hosts", "sv_pinned"),
                "SHOW DATABASES", List.of("name", "host", "port", "database", "force_user", "pool_size", "min_pool_size",
                        "reserve_pool_size", "server_lifetime", "pool_mode", "load_balance_hosts", "max_connections",
                        "current_connections", "max_client_connections", "current_client_connections", "paused",
                        "disabled"),
                "SHOW LISTS", List.of("list", "items"),
                "SHOW CONFIG", List.of("key", "value", "default", "changeable"),
                "SHOW VERSION", List.of("version"),
                "SHOW USERS", List.of("name", "pool_size", "reserve_pool_size", "pool_mode", "max_user_connections",
                        "current_connections", "max_user_client_connections", "current_client_connections"));
        List<String> sockets = List.of("type", "user", "database", "replication", "state", "addr", "port", "local_addr",
                "local_port", "connect_time", "request_time", "wait", "wait_us", "close_needed", "ptr", "link",
                "remote_pid", "tls", "application_name", "prepared_statements", "id");
        try (RawClient app = pgmux.raw(APP); RawClient console = pgmux.console(STATS)) {
            app.query("SELECT 1");
            for (Map.Entry<String, List<String>> command : expected.entrySet()) {
                // when
                Console.Result result = Console.show(console, command.getKey() + ";");
                // then
                assertNull(result.error(), command.getKey());
                assertEquals(command.getValue(), result.columns(), command.getKey());
                assertEquals("SHOW", result.tag(), command.getKey());
            }
            List<String> clientColumns = new ArrayList<>(sockets);
            clientColumns.add("pinned"); // pgmux's own two, last
            clientColumns.add("auth");
            assertEquals(clientColumns, Console.show(console, "show clients").columns());
            assertEquals(sockets, Console.show(console, "show servers").columns());
            // SHOW LISTS has PgBouncer's rows, and SHOW CONFIG the keys the exporter reads
            assertEquals(List.of("databases", "users", "peers", "pools", "peer_pools", "free_clients", "used_clients",
                    "login_clients", "free_servers", "used_servers", "dns_names", "dns_zones", "dns_queries", "dns_pending"),
                    Console.show(console, "SHOW LISTS").rows().stream().map(row -> row.get(0)).toList());
            Console.Result config = Console.show(console, "SHOW CONFIG");
            assertEquals("10000", config.one("key", "max_client_conn").get("value"));
            assertEquals("0", config.one("key", "max_user_connections").get("value"));
            assertTrue(Console.show(console, "SHOW VERSION").rows().get(0).get(0).startsWith("pgmux "));
        }
    }

    @Test
    void pauseWaitsForRunningTransactionsHoldsNewOnesAndResumeReleasesThem() throws Exception {
        String user = "console_pause";
        try (RawClient running = pgmux.raw(user); RawClient later = pgmux.raw(user);
             RawClient pauser = pgmux.console(ADMIN); RawClient watcher = pgmux.console(ADMIN)) {
            // given: a transaction in progress on the database
            int pid = beginAndGetPid(running);

            // when: PAUSE (its answer is read on another thread)
            AtomicBoolean committed = new AtomicBoolean();
            CompletableFuture<Console.Result> pause = CompletableFuture.supplyAsync(() -> {
                try {
                    Console.Result result = Console.show(pauser, "PAUSE " + TestPostgres.DATABASE);
                    assertTrue(committed.get(), "PAUSE answered before the running transaction ended");
                    return result;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            TestSql.await("the database shows as paused", () -> databaseRow(watcher).get("paused").equals("1"));
            // then: the running transaction goes on, and a new query waits
            assertEquals(TransactionStatus.IN_TRANSACTION, lastStatus(running.query("SELECT 1")));
            later.send(new Query("SELECT 42")).flush();
            TestSql.await("the new query waits", () -> poolRow(watcher, user).get("cl_waiting").equals("1"));
            assertFalse(pause.isDone(), "PAUSE waits for the transaction");

            // when: the transaction ends
            committed.set(true);
            running.query("COMMIT");

            // then: PAUSE completes, and the server connection is gone
            Console.Result paused = pause.get(30, TimeUnit.SECONDS);
            assertNull(paused.error());
            assertEquals("PAUSE", paused.tag());
            TestSql.awaitBackendGone("the paused pool's server connection is closed", pid);
            assertEquals("1", poolRow(watcher, user).get("cl_waiting"), "the new query still waits");

            // when: RESUME
            Console.Result resumed = Console.show(watcher, "RESUME " + TestPostgres.DATABASE);

            // then: the held query runs
            assertEquals("RESUME", resumed.tag());
            assertEquals(List.of("42"), TestSql.row(later.readUntilReady()));
        }
    }

    @Test
    void killClientClosesExactlyThatClient() throws Exception {
        String user = "console_kill";
        try (RawClient first = pgmux.raw(user); RawClient victim = pgmux.raw(user); RawClient last = pgmux.raw(user);
             RawClient console = pgmux.console(ADMIN)) {
            // given: three idle clients
            String id = Console.show(console, "SHOW CLIENTS").one("port", Integer.toString(victim.localPort())).get("id");

            // when
            Console.Result killed = Console.show(console, "KILL_CLIENT " + id);

            // then: SHOW CLIENTS at once lists the others but not that one, which got a FATAL error and
            // was closed; the others still work
            assertEquals("KILL_CLIENT", killed.tag());
            Console.Result listed = Console.show(console, "SHOW CLIENTS");
            assertEquals(List.of(), listed.where("port", Integer.toString(victim.localPort())));
            assertEquals(2, listed.where("user", user).size());
            ErrorResponse error = victim.read().error();
            assertEquals(SqlState.ADMIN_SHUTDOWN, error.sqlState());
            assertTrue(victim.isClosedByPeer());
            assertEquals(List.of("1"), TestSql.row(first.query("SELECT 1")));
            assertEquals(List.of("3"), TestSql.row(last.query("SELECT 3")));
            assertEquals(SqlState.PROTOCOL_VIOLATION, Console.show(console, "KILL_CLIENT " + id).error().sqlState());
        }
    }

    @Test
    void killDatabaseClosesItsClientsAndHoldsNewQueriesUntilResume() throws Exception {
        String yaml = """
                admin_users: [console_admin]
                databases:
                  kill_db: {host: 127.0.0.1, port: ${PG_PORT}, dbname: pgmux_test}
                  other_db: {host: 127.0.0.1, port: ${PG_PORT}, dbname: pgmux_test}
                """;
        try (Pgmux own = Pgmux.start(yaml); RawClient console = own.console(ADMIN);
             RawClient busy = RawClient.connect(own.host(), own.port(), "kill_db", "console_killdb");
             RawClient other = RawClient.connect(own.host(), own.port(), "other_db", "console_killdb")) {
            // given: a client of kill_db in a transaction, one of other_db
            int pid = beginAndGetPid(busy);

            // when
            assertEquals("KILL", Console.show(console, "KILL kill_db").tag());

            // then: SHOW CLIENTS at once lists no kill_db client; the client is told and closed, its
            // server goes, other_db is untouched
            Console.Result listed = Console.show(console, "SHOW CLIENTS");
            assertEquals(List.of(), listed.where("database", "kill_db"));
            assertEquals(1, listed.where("database", "other_db").size());
            assertEquals(SqlState.ADMIN_SHUTDOWN, busy.read().error().sqlState());
            assertTrue(busy.isClosedByPeer());
            TestSql.awaitBackendGone("the killed client's server connection is closed", pid);
            assertEquals(List.of("1"), TestSql.row(other.query("SELECT 1")));
            // and kill_db is paused: a new client's query waits until RESUME
            try (RawClient late = RawClient.connect(own.host(), own.port(), "kill_db", "console_killdb")) {
                late.send(new Query("SELECT 7")).flush();
                TestSql.await("kill_db shows as paused", () -> databaseRow(console, "kill_db").get("paused").equals("1"));
                assertEquals("RESUME", Console.show(console, "RESUME kill_db").tag());
                assertEquals(List.of("7"), TestSql.row(late.readUntilReady()));
            }
        }
    }

    @Test
    void shutdownFromTheConsoleStopsPgmux() throws Exception {
        Pgmux own = Pgmux.start("admin_users: [console_admin]\n");
        try (RawClient console = own.console(ADMIN)) {
            // when
            assertEquals("SHUTDOWN", Console.show(console, "SHUTDOWN").tag());

            // then: the console itself is told, and pgmux stops
            assertEquals(SqlState.ADMIN_SHUTDOWN, console.read().error().sqlState());
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
                try {
                    own.server().awaitTermination();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            stopped.get(30, TimeUnit.SECONDS);
            assertTrue(own.server().isShuttingDown());
        } finally {
            own.close();
        }
    }

    @Test
    void showPreparedStatementsListsWhatClientsPrepared() throws Exception {
        try (RawClient client = pgmux.raw("console_prepared"); RawClient console = pgmux.console(STATS)) {
            // given: a named statement
            client.send(new Parse("mine", "SELECT $1::int + 40", new int[0])).sync().flush();
            assertEquals("1Z", RawClient.types(client.readUntilReady()));

            // when
            Map<String, String> row = Console.show(console, "SHOW PREPARED_STATEMENTS").one("user", "console_prepared");

            // then
            assertEquals("SELECT $1::int + 40", row.get("query"));
            assertEquals("1", row.get("client_references"));
            assertTrue(row.get("server_name").startsWith("pgmux_"), row.toString());
        }
    }

    @Test
    void showStatsCountsNamedStatementsClientsPrepareServersParseAndClientsBind() throws Exception {
        // given: one database with one server, and averages over one-second periods
        try (Pgmux own = Pgmux.start(ONE_SERVER + "stats_period: 1s\n"); RawClient console = own.console(ADMIN);
             RawClient first = RawClient.connect(own.host(), own.port(), "ps_db", PREPARING);
             RawClient second = RawClient.connect(own.host(), own.port(), "ps_db", PREPARING)) {
            // when: a client prepares two statements and binds them five times
            prepareTwo(first);
            for (int i = 0; i < 3; i++) {
                assertEquals(List.of(Integer.toString(i + 1)), values(run(first, "plus", Integer.toString(i))));
            }
            for (int i = 0; i < 2; i++) {
                assertEquals(List.of("hi!"), values(run(first, "bang", "hi")));
            }
            // and another prepares the first text again, on the server that already has it, and binds it once
            second.send(parse("mine", "SELECT $1::int + 1")).send(bind("mine", "41")).send(execute()).sync().flush();
            assertEquals("12DCZ", types(second.readUntilReady()));
            // and runs an unnamed statement, which is not counted
            second.send(parse("", "SELECT $1::int")).send(bind("", "7")).send(execute()).sync().flush();
            assertEquals("12DCZ", types(second.readUntilReady()));

            // then: three statements created by clients, two parsed on the server, six binds
            Map<String, String> totals = Console.show(console, "SHOW STATS_TOTALS").one("database", "ps_db");
            assertEquals("3", totals.get("client_parse_count"), totals.toString());
            assertEquals("2", totals.get("server_parse_count"), totals.toString());
            assertEquals("6", totals.get("bind_count"), totals.toString());

            // when: the server is replaced, and the first client uses its statement on the new one
            assertEquals("RECONNECT", Console.show(console, "RECONNECT ps_db").tag());
            assertEquals("2DCZ", types(run(first, "plus", "1")));

            // then: pgmux prepared it there first, and SHOW STATS agrees with SHOW STATS_TOTALS
            Map<String, String> stats = Console.show(console, "SHOW STATS").one("database", "ps_db");
            assertEquals("3", stats.get("total_client_parse_count"), stats.toString());
            assertEquals("3", stats.get("total_server_parse_count"), stats.toString());
            assertEquals("7", stats.get("total_bind_count"), stats.toString());
            // and the averages of a period that saw them are rates above zero
            Set<String> seen = new HashSet<>();
            List<String> averages = List.of("avg_client_parse_count", "avg_server_parse_count", "avg_bind_count");
            TestSql.await("every prepared-statement average is above zero in some period", () -> {
                Map<String, String> row = showOne(console, "SHOW STATS_AVERAGES", "database", "ps_db");
                averages.stream().filter(column -> Long.parseLong(row.get(column)) > 0).forEach(seen::add);
                return seen.size() == averages.size();
            });
        }
    }

    @Test
    void consoleCommandsAreCountedAsTheDatabasePgbouncerAndInTotalsAsPgBouncerCountsThem() throws Exception {
        try (Pgmux own = Pgmux.start(ONE_SERVER); RawClient console = own.console(STATS);
             RawClient client = RawClient.connect(own.host(), own.port(), "ps_db", PREPARING)) {
            // given: two autocommit queries and one transaction of three queries
            client.query("SELECT 1");
            client.query("SELECT 1");
            client.query("BEGIN");
            client.query("SELECT 1");
            client.query("COMMIT");
            // and one console command
            assertEquals("SHOW", Console.show(console, "SHOW VERSION").tag());

            // when: SHOW STATS, SHOW STATS_TOTALS, SHOW STATS_AVERAGES, SHOW TOTALS, each counting itself
            Map<String, String> stats = Console.show(console, "SHOW STATS").one("database", "pgbouncer");
            Map<String, String> totals = Console.show(console, "SHOW STATS_TOTALS").one("database", "pgbouncer");
            Map<String, String> clientTotals = Console.show(console, "SHOW STATS_TOTALS").one("database", "ps_db");
            Map<String, String> averages = Console.show(console, "SHOW STATS_AVERAGES").one("database", "pgbouncer");
            Console.Result sums = Console.show(console, "SHOW TOTALS");

            // then: each console command is one transaction and one query of "pgbouncer", without server or bytes
            TestSql.assertValues(stats, "total_xact_count", "2", "total_query_count", "2",
                    "total_server_assignment_count", "0", "total_received", "0", "total_sent", "0");
            TestSql.assertValues(totals, "xact_count", "3", "query_count", "3", "bytes_received", "0");
            TestSql.assertValues(clientTotals, "xact_count", "3", "query_count", "5");
            assertNotNull(averages.get("xact_count"));
            // and SHOW TOTALS adds the six console commands to the client's three transactions and five queries
            assertEquals("9", sums.one("name", "total_xact_count").get("value"));
            assertEquals("11", sums.one("name", "total_query_count").get("value"));
        }
    }

    @Test
    void showClientsAndServersCountPreparedStatementsAndTheServersLastHandOver() throws Exception {
        try (Pgmux own = Pgmux.start(ONE_SERVER); RawClient console = own.console(STATS);
             RawClient first = RawClient.connect(own.host(), own.port(), "ps_db", PREPARING);
             RawClient second = RawClient.connect(own.host(), own.port(), "ps_db", PREPARING)) {
            // given: a client with two named statements, another with one of the same text
            prepareTwo(first);
            prepare(second, "mine", "SELECT $1::int + 1");
            String connected = Console.show(console, "SHOW SERVERS").one("database", "ps_db").get("connect_time");

            // when: SHOW CLIENTS
            Console.Result clients = Console.show(console, "SHOW CLIENTS");

            // then: each client's own names
            Map<String, String> firstRow = clients.one("port", Integer.toString(first.localPort()));
            assertEquals("2", firstRow.get("prepared_statements"));
            assertEquals("1", clients.one("port", Integer.toString(second.localPort())).get("prepared_statements"));

            // when: more than a second later, the first client takes the server
            Thread.sleep(1100);
            String pid = holdServer(first);
            Map<String, String> server = Console.show(console, "SHOW SERVERS").one("database", "ps_db");

            // then: the server holds the statements Postgres lists for it, and was last handed out now
            assertEquals(pid, server.get("remote_pid"));
            assertEquals(firstRow.get("ptr"), server.get("link"));
            assertEquals(2, statementsOfHeldServer(first).size());
            assertEquals("2", server.get("prepared_statements"));
            assertTrue(server.get("request_time").compareTo(connected) > 0, server + " connected " + connected);
            ok(first, "ROLLBACK");
        }
    }

    @Test
    void reconnectClosesServersWhenReleasedAndWaitCloseWaitsForIt() throws Exception {
        String user = "console_reconnect";
        try (RawClient client = pgmux.raw(user); RawClient console = pgmux.console(ADMIN);
             RawClient waiter = pgmux.console(ADMIN)) {
            // given: a client in a transaction on a server
            int pid = beginAndGetPid(client);

            // when: RECONNECT, then WAIT_CLOSE on another console
            assertEquals("RECONNECT", Console.show(console, "RECONNECT " + TestPostgres.DATABASE).tag());
            CompletableFuture<Console.Result> waitClose = CompletableFuture.supplyAsync(() -> {
                try {
                    return Console.show(waiter, "WAIT_CLOSE " + TestPostgres.DATABASE);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });

            // then: the server is marked, the transaction is not disturbed, and it closes once released
            assertEquals("1", Console.show(console, "SHOW SERVERS").one("remote_pid", Integer.toString(pid)).get("close_needed"));
            assertEquals(pid, pid(client));
            client.query("COMMIT");
            assertEquals("WAIT_CLOSE", waitClose.get(30, TimeUnit.SECONDS).tag());
            TestSql.awaitBackendGone("the old server connection is closed", pid);
            assertTrue(pid(client) != pid, "the next transaction runs on a new server connection");
        }
    }

    @Test
    void showLatencyReportsPercentilesOfKnownTraffic() throws Exception {
        String user = "console_latency";
        try (RawClient client = pgmux.raw(user); RawClient console = pgmux.console(STATS)) {
            // given: ten queries that each take at least 20 ms
            for (int i = 0; i < 10; i++) {
                client.query("SELECT pg_sleep(0.02)");
            }

            // when
            Map<String, String> row = Console.show(console, "SHOW LATENCY").one("user", user);

            // then
            assertEquals("10", row.get("query_count"));
            assertEquals("10", row.get("xact_count"));
            assertTrue(Long.parseLong(row.get("query_p50_us")) >= 20_000, row.toString());
            assertTrue(Long.parseLong(row.get("query_max_us")) >= Long.parseLong(row.get("query_p99_us")), row.toString());
            assertTrue(Long.parseLong(row.get("xact_p50_us")) >= 20_000, row.toString());
        }
    }

    @Test
    void nonAdminsAreRefusedAndStatsUsersMayOnlyShow() throws Exception {
        // given: a user in neither list
        try (RawClient stranger = RawClient.open(pgmux.host(), pgmux.port())) {
            stranger.send(new StartupMessage(Frontend.PROTOCOL_3_0, Map.of("user", APP, "database", "pgbouncer"))).flush();
            // then: FATAL after authentication, and the connection closes
            ErrorResponse error = firstError(stranger);
            assertEquals(ErrorResponse.FATAL, error.severity());
            assertEquals(SqlState.INSUFFICIENT_PRIVILEGE, error.sqlState());
            assertTrue(error.message().contains("not allowed"), error.message());
            assertTrue(stranger.isClosedByPeer());
        }
        // given: a stats user
        try (RawClient stats = pgmux.console(STATS)) {
            // when: an admin command; then: refused, and the console goes on
            for (String command : List.of("PAUSE", "RELOAD", "KILL_CLIENT 1", "SHUTDOWN", "RECONNECT")) {
                assertEquals(SqlState.INSUFFICIENT_PRIVILEGE, Console.show(stats, command).error().sqlState(), command);
            }
            assertNull(Console.show(stats, "SHOW POOLS").error());
        }
    }

    @Test
    void unknownCommandsGetAClearErrorAndTheConsoleGoesOn() throws Exception {
        try (RawClient console = pgmux.console(ADMIN)) {
            for (String command : List.of("SHOW NOTHING", "SELECT 1", "DROP TABLE x", "PAUSE a b", "RESUME")) {
                ErrorResponse error = Console.show(console, command).error();
                assertNotNull(error, command);
                assertEquals(ErrorResponse.ERROR, error.severity(), command);
            }
            assertEquals(SqlState.SYNTAX_ERROR, Console.show(console, "SHOW NOTHING").error().sqlState());
            assertTrue(Console.show(console, "SHOW NOTHING").error().message().contains("SHOW HELP"));
            assertEquals("pgmux is not paused or suspended", Console.show(console, "RESUME").error().message());
            Console.Result help = Console.show(console, "SHOW HELP");
            assertTrue(help.notices().get(0).detail().contains("SHOW LATENCY"));
            assertEquals(1, Console.show(console, "SHOW VERSION").rows().size());
        }
    }

    @Test
    void theExtendedQueryProtocolIsRefused() throws Exception {
        try (RawClient console = pgmux.console(ADMIN)) {
            console.send(new Parse("", "SHOW POOLS", new int[0])).sync().flush();

            ErrorResponse error = console.read().error();

            assertEquals(SqlState.FEATURE_NOT_SUPPORTED, error.sqlState());
            assertTrue(console.isClosedByPeer());
        }
    }

    @Test
    void psqlCanUseTheConsole() throws Exception {
        // given: psql, as an operator runs it
        Process psql = new ProcessBuilder(TestPostgres.get().binDir().resolve("psql").toString(),
                "-h", pgmux.host(), "-p", Integer.toString(pgmux.port()), "-U", ADMIN, "-d", "pgmux", "-X", "-A", "-t",
                "-c", "SHOW VERSION", "-c", "SHOW POOLS")
                .redirectErrorStream(true).start();
        // when
        String output = new String(psql.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // then
        assertTrue(psql.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, psql.exitValue(), output);
        assertTrue(output.startsWith("pgmux "), output);
    }

    // ---------------------------------------------------------------- helpers

    /** Prepares {@code plus} ({@code SELECT $1::int + 1}) and {@code bang}. */
    private static void prepareTwo(RawClient client) throws IOException {
        client.send(parse("plus", "SELECT $1::int + 1")).send(parse("bang", "SELECT $1::text || '!'")).sync().flush();
        assertEquals("11Z", types(client.readUntilReady()));
    }

    private static int beginAndGetPid(RawClient client) throws IOException {
        client.query("BEGIN");
        return pid(client);
    }

    private static int pid(RawClient client) throws IOException {
        return Integer.parseInt(TestSql.row(client.query("SELECT pg_backend_pid()")).get(0));
    }

    private static Map<String, String> poolRow(RawClient console, String user) {
        try {
            return Console.show(console, "SHOW POOLS").where("user", user).stream()
                    .filter(row -> row.get("database").equals(TestPostgres.DATABASE)).findFirst().orElseThrow();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static Map<String, String> databaseRow(RawClient console) {
        return databaseRow(console, TestPostgres.DATABASE);
    }

    private static Map<String, String> databaseRow(RawClient console, String database) {
        return showOne(console, "SHOW DATABASES", "name", database);
    }

    private static Map<String, String> showOne(RawClient console, String show, String column, String value) {
        try {
            return Console.show(console, show).one(column, value);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static TransactionStatus lastStatus(List<RawClient.Reply> replies) {
        return replies.get(replies.size() - 1).status();
    }

    private static String firstType(List<RawClient.Reply> replies, char type) {
        List<String> types = new ArrayList<>();
        for (RawClient.Reply reply : replies) {
            if (reply.typeChar() == type) {
                return String.valueOf(type);
            }
            types.add(String.valueOf(reply.typeChar()));
        }
        return String.join("", types);
    }

    private static ErrorResponse firstError(RawClient client) throws IOException {
        while (true) {
            RawClient.Reply reply = client.read();
            if (reply.typeChar() == 'E') {
                return reply.error();
            }
        }
    }
}
