package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RELOAD applies a changed config file without dropping connections; an invalid file changes nothing. */
class ReloadIT {
    private static final String USER = "reload_user";
    private static final String OTHER_DATABASE = "pgmux_reload_other";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(USER)
            .sql("DROP DATABASE IF EXISTS " + OTHER_DATABASE)
            .sql("CREATE DATABASE " + OTHER_DATABASE);

    @Test
    void aBiggerPoolSizeIsVisibleInPgStatActivity() throws Exception {
        String yaml = "admin_users: [reload_admin]\nquery_wait_timeout: 60s\npool_size: %d\n";
        try (Pgmux pgmux = Pgmux.start(yaml.formatted(2)); RawClient console = pgmux.console("reload_admin")) {
            List<RawClient> clients = new ArrayList<>();
            try {
                // given: four clients want a transaction each; two hold the pool's two servers, two wait
                for (int i = 0; i < 4; i++) {
                    RawClient client = pgmux.raw(USER);
                    clients.add(client);
                    client.send(new Query("BEGIN")).flush();
                }
                TestSql.await("two clients wait", () -> waiting(console) == 2);
                assertEquals(2, Pgmux.serverConnections(TestPostgres.DATABASE, USER));

                // when: the file says pool_size 4, and RELOAD
                pgmux.rewriteConfig(yaml.formatted(4));
                Console.Result reload = Console.show(console, "RELOAD");

                // then: the waiting clients get servers of their own, and Postgres sees four connections
                assertNull(reload.error());
                assertEquals("RELOAD", reload.tag());
                for (RawClient client : clients) {
                    assertEquals("BEGIN", tagOf(client.readUntilReady()));
                }
                assertEquals(4, Pgmux.serverConnections(TestPostgres.DATABASE, USER));
                assertEquals("4", Console.show(console, "SHOW CONFIG").one("key", "pool_size").get("value"));
                for (RawClient client : clients) {
                    assertEquals("COMMIT", tagOf(client.query("COMMIT")));
                }
            } finally {
                for (RawClient client : clients) {
                    client.close();
                }
            }
        }
    }

    @Test
    void anInvalidFileChangesNothingAndSaysWhy() throws Exception {
        try (Pgmux pgmux = Pgmux.start("admin_users: [reload_admin]\npool_size: 3\n");
             RawClient console = pgmux.console("reload_admin"); RawClient client = pgmux.raw(USER)) {
            client.query("SELECT 1");
            // given: a file with a bad value and an unknown key
            pgmux.rewriteConfig("admin_users: [reload_admin]\npool_size: lots\nshared_buffers: 1GB\n");

            // when
            ErrorResponse error = Console.show(console, "RELOAD").error();

            // then: the error names each problem by its path (after PgBouncer's words, which scripts match), and nothing changed
            assertEquals(SqlState.CONFIG_FILE_ERROR, error.sqlState());
            assertTrue(error.message().startsWith("RELOAD failed, see logs for additional details"), error.message());
            assertTrue(error.detail().contains("pool_size: must be an integer"), error.detail());
            assertTrue(error.detail().contains("shared_buffers: unknown key"), error.detail());
            assertEquals("3", Console.show(console, "SHOW CONFIG").one("key", "pool_size").get("value"));
            assertEquals(List.of("2"), TestSql.row(client.query("SELECT 2")));

            // and a file that is not even YAML is refused the same way
            pgmux.rewriteConfigFile("pool_size: [");
            assertEquals(SqlState.CONFIG_FILE_ERROR, Console.show(console, "RELOAD").error().sqlState());
            assertEquals(List.of("3"), TestSql.row(client.query("SELECT 3")));
        }
    }

    @Test
    void aChangedUpstreamDrainsTheOldServerConnections() throws Exception {
        String yaml = """
                admin_users: [reload_admin]
                databases:
                  reload_db:
                    host: 127.0.0.1
                    port: ${PG_PORT}
                    dbname: %s
                """;
        try (Pgmux pgmux = Pgmux.start(yaml.formatted(TestPostgres.DATABASE));
             RawClient console = pgmux.console("reload_admin");
             RawClient client = RawClient.connect(pgmux.host(), pgmux.port(), "reload_db", USER)) {
            // given: a client in a transaction on the old database
            client.query("BEGIN");
            int oldPid = Integer.parseInt(TestSql.row(client.query("SELECT pg_backend_pid()")).get(0));

            // when: reload_db now points to another database
            pgmux.rewriteConfig(yaml.formatted(OTHER_DATABASE));
            assertEquals("RELOAD", Console.show(console, "RELOAD").tag());

            // then: the transaction goes on undisturbed; its server closes once released
            assertEquals(List.of(TestPostgres.DATABASE), TestSql.row(client.query("SELECT current_database()")));
            assertEquals(List.of(Integer.toString(oldPid)), TestSql.row(client.query("SELECT pg_backend_pid()")));
            client.query("COMMIT");
            TestSql.awaitBackendGone("the old server connection closes", oldPid);
            assertEquals(List.of(OTHER_DATABASE), TestSql.row(client.query("SELECT current_database()")));
        }
    }

    @Test
    void aRemovedDatabaseTellsItsClientsAndClosesThem() throws Exception {
        String both = """
                admin_users: [reload_admin]
                databases:
                  keep_db:
                    host: 127.0.0.1
                    port: ${PG_PORT}
                    dbname: pgmux_test
                  gone_db:
                    host: 127.0.0.1
                    port: ${PG_PORT}
                    dbname: pgmux_test
                """;
        try (Pgmux pgmux = Pgmux.start(both); RawClient console = pgmux.console("reload_admin");
             RawClient idle = RawClient.connect(pgmux.host(), pgmux.port(), "gone_db", USER);
             RawClient busy = RawClient.connect(pgmux.host(), pgmux.port(), "gone_db", USER);
             RawClient kept = RawClient.connect(pgmux.host(), pgmux.port(), "keep_db", USER)) {
            // given: an idle client and one in a transaction on gone_db
            idle.query("SELECT 1");
            busy.query("BEGIN");

            // when: gone_db leaves the file
            pgmux.rewriteConfig(both.substring(0, both.indexOf("  gone_db:")));
            assertEquals("RELOAD", Console.show(console, "RELOAD").tag());

            // then: the idle client is told and closed now
            ErrorResponse told = idle.read().error();
            assertEquals(SqlState.ADMIN_SHUTDOWN, told.sqlState());
            assertTrue(told.message().contains("gone_db"), told.message());
            assertTrue(idle.isClosedByPeer());
            // the busy one finishes its transaction, then is told
            assertEquals("COMMIT", tagOf(busy.query("COMMIT")));
            assertEquals(SqlState.ADMIN_SHUTDOWN, busy.read().error().sqlState());
            // keep_db is untouched, and gone_db is no longer served
            assertEquals(List.of("1"), TestSql.row(kept.query("SELECT 1")));
            try (RawClient late = RawClient.open(pgmux.host(), pgmux.port())) {
                late.send(new StartupMessage(Frontend.PROTOCOL_3_0, Map.of("user", USER, "database", "gone_db"))).flush();
                assertEquals(Backend.AUTHENTICATION, late.read().type()); // the database is told after the login (trust here)
                assertEquals(SqlState.INVALID_CATALOG_NAME, late.read().error().sqlState());
            }
        }
    }

    @Test
    void settingsThatNeedARestartAreReportedAndTheRestIsApplied() throws Exception {
        try (Pgmux pgmux = Pgmux.start("admin_users: [reload_admin]\n"); RawClient console = pgmux.console("reload_admin")) {
            // given: a file that changes max_message_size (restart needed) and pool_size
            pgmux.rewriteConfig("admin_users: [reload_admin]\nmax_message_size: 2MB\npool_size: 7\n");

            // when
            Console.Result reload = Console.show(console, "RELOAD");

            // then: a notice names the setting; pool_size is applied, max_message_size is not
            assertEquals("RELOAD", reload.tag());
            assertTrue(reload.notices().get(0).message().contains("max_message_size"), reload.notices().toString());
            Console.Result config = Console.show(console, "SHOW CONFIG");
            assertEquals("7", config.one("key", "pool_size").get("value"));
            assertEquals("64MB", config.one("key", "max_message_size").get("value"));
        }
    }

    private static int waiting(RawClient console) {
        try {
            return Console.show(console, "SHOW POOLS").where("user", USER).stream()
                    .mapToInt(row -> Integer.parseInt(row.get("cl_waiting"))).sum();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static String tagOf(List<RawClient.Reply> replies) {
        for (RawClient.Reply reply : replies) {
            if (reply.typeChar() == 'C') {
                return reply.tag();
            }
            if (reply.typeChar() == 'E') {
                return "error: " + reply.error();
            }
        }
        return RawClient.types(replies);
    }
}
