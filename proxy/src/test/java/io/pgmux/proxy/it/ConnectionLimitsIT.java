package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pgmux.proxy.testing.TestPostgres.DATABASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code max_db_connections} and {@code max_user_connections} against a real Postgres: the pools of
 * one database (or one user) together never have more server connections than the limit, counted in
 * pg_stat_activity; a pool at the limit queues its clients until another pool's server is free, and
 * an idle one is closed to make room.
 */
class ConnectionLimitsIT {
    private static final String DB_USER_A = "limits_db_a";
    private static final String DB_USER_B = "limits_db_b";
    private static final String USER = "limits_user";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().roles(DB_USER_A, DB_USER_B, USER);

    @Test
    void thePoolsOfOneDatabaseShareMaxDbConnections() throws Exception {
        try (Pgmux pgmux = Pgmux.start("pool_size: 5\nmax_db_connections: 2\nquery_wait_timeout: 30s\n");
             Connection a1 = pgmux.jdbc(DB_USER_A);
             Connection a2 = pgmux.jdbc(DB_USER_A);
             Connection b = pgmux.jdbc(DB_USER_B)) {
            // given two transactions of one user open: the database's two servers (the other user's idle one was closed for it)
            TestSql.holdServerInTransaction(a1);
            TestSql.holdServerInTransaction(a2);
            assertEquals(2, Pgmux.serverConnections(DATABASE, DB_USER_A));
            assertEquals(0, Pgmux.serverConnections(DATABASE, DB_USER_B));

            // when the other user's client needs a server, it waits
            CompletableFuture<Integer> query = TestSql.intScalarLater(b, "SELECT 7");
            TestSql.await("the other user's client waits", () -> pgmux.counts(DB_USER_B).waiting() == 1);
            Thread.sleep(300);
            assertFalse(query.isDone());
            assertEquals(0, Pgmux.serverConnections(DATABASE, DB_USER_B));

            // then when one transaction ends, its server makes room and the waiting client is served
            a1.commit();
            assertEquals(7, query.get(10, TimeUnit.SECONDS));
            assertTrue(Pgmux.serverConnections(DATABASE, DB_USER_A) + Pgmux.serverConnections(DATABASE, DB_USER_B) <= 2);
            a2.commit();
        }
    }

    @Test
    void thePoolsOfOneUserShareMaxUserConnectionsOverDatabasesAndAWaitPastTheTimeoutNamesTheLimit() throws Exception {
        TestPostgres pg = TestPostgres.get();
        String server = "host: " + pg.host() + ", port: " + pg.port() + ", dbname: " + DATABASE;
        String yaml = "users: {" + USER + ": {max_user_connections: 1}}\nquery_wait_timeout: 1s\n"
                + "databases: {one: {" + server + "}, two: {" + server + "}}\n";
        try (Pgmux pgmux = Pgmux.start(yaml);
             Connection one = pgmux.jdbcTo("one", USER);
             Connection two = pgmux.jdbcTo("two", USER)) {
            // given the user's one server held by a transaction in database one
            TestSql.holdServerInTransaction(one);

            // when the same user needs a server for database two, past query_wait_timeout
            SQLException e = assertThrows(SQLException.class,
                    () -> TestSql.intScalar(two, "SELECT 2"));

            // then it is told which limit, and Postgres never saw a second connection of that user
            assertEquals("53300", e.getSQLState());
            assertTrue(e.getMessage().contains("max_user_connections of user " + USER), e.getMessage());
            assertEquals(1, Pgmux.serverConnections(DATABASE, USER));

            // and once the transaction ends, the other database's client is served
            one.commit();
            assertEquals(3, TestSql.intScalar(two, "SELECT 3"));
            assertEquals(1, Pgmux.serverConnections(DATABASE, USER));
        }
    }

    @Test
    void showDatabasesAndShowUsersShowTheLimitsAndTheServersCounted() throws Exception {
        TestPostgres pg = TestPostgres.get();
        String yaml = "admin_users: [limits_admin]\nreserve_pool_size: 2\nmax_user_connections: 6\n"
                + "users: {" + USER + ": {max_user_connections: 4}}\n"
                + "databases: {app: {host: " + pg.host() + ", port: " + pg.port() + ", dbname: " + DATABASE
                + ", max_db_connections: 3, min_pool_size: 2}}\n";
        try (Pgmux pgmux = Pgmux.start(yaml);
             Connection client = pgmux.jdbcTo("app", USER);
             RawClient console = pgmux.console("limits_admin")) {
            // given the database's pool keeping two servers open
            TestSql.intScalar(client, "SELECT 1");
            TestSql.await("two servers", () -> pgmux.pool("app", USER).counts().idleServers() == 2);

            // then SHOW DATABASES and SHOW USERS give the database's and the user's own limits and the servers counted
            Map<String, String> app = Console.show(console, "SHOW DATABASES").one("name", "app");
            assertEquals("2", app.get("min_pool_size"));
            assertEquals("2", app.get("reserve_pool_size"));
            assertEquals("3", app.get("max_connections"));
            assertEquals("2", app.get("current_connections"));
            Map<String, String> user = Console.show(console, "SHOW USERS").one("name", USER);
            assertEquals("4", user.get("max_user_connections"));
            assertEquals("2", user.get("current_connections"));
        }
    }
}
