package io.pgmux.proxy.it;

import io.pgmux.proxy.pool.PoolCounts;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.ServerSampler;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.pgmux.proxy.testing.TestPostgres.DATABASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The limits pgmux keeps: pool sizes, the wait for a server, and the number of clients. */
class PoolLimitsIT {
    private static final String WAIT_USER = "limits_wait";
    private static final String FIFO_USER = "limits_fifo";
    private static final String CLIENTS_USER = "limits_clients";
    private static final String DB_SIZE_USER = "limits_db_size";
    private static final String STORM_USER = "limits_storm";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .roles(WAIT_USER, FIFO_USER, CLIENTS_USER, DB_SIZE_USER, STORM_USER)
            .sql("DROP TABLE IF EXISTS limits_fifo_order;"
                    + " CREATE TABLE limits_fifo_order (seq serial, client int);"
                    + " GRANT ALL ON limits_fifo_order TO " + FIFO_USER + ";"
                    + " GRANT USAGE ON SEQUENCE limits_fifo_order_seq_seq TO " + FIFO_USER);

    @Test
    void aQueryWaitingLongerThanQueryWaitTimeoutFailsWith53300AndTheClientStaysUsable() throws Exception {
        try (Pgmux pgmux = Pgmux.start("pool_size: 1\nquery_wait_timeout: 1s\n");
             Connection holder = pgmux.jdbc(WAIT_USER);
             Connection waiter = pgmux.jdbc(WAIT_USER)) {
            // given the pool's only server held in an open transaction
            holder.setAutoCommit(false);
            assertEquals(1, TestSql.intScalar(holder, "SELECT 1"));

            // when another client needs a server
            long started = System.nanoTime();
            PSQLException e = assertThrows(PSQLException.class, () -> TestSql.intScalar(waiter, "SELECT 2"));
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            // then it gets an error, not before the timeout, and is still connected
            assertEquals("53300", e.getSQLState(), e::getMessage);
            assertNotNull(e.getServerErrorMessage(), e::getMessage);
            assertEquals("ERROR", e.getServerErrorMessage().getSeverity());
            assertTrue(e.getMessage().contains("query_wait_timeout"), e::getMessage);
            assertTrue(waitedMillis >= 900, "failed after " + waitedMillis + " ms, before query_wait_timeout");
            assertEquals(0, pgmux.counts(WAIT_USER).waiting());
            assertEquals(1, Pgmux.serverConnections(DATABASE, WAIT_USER));

            // and once the holder commits, the same client is served
            holder.commit();
            assertEquals(3, TestSql.intScalar(waiter, "SELECT 3"));
        }
    }

    @Test
    void waitingClientsAreServedInTheOrderTheyArrived() throws Exception {
        int waiters = 5;
        ExecutorService threads = Executors.newFixedThreadPool(waiters);
        List<Connection> connections = new ArrayList<>();
        try (Pgmux pgmux = Pgmux.start("pool_size: 1\nquery_wait_timeout: 60s\n");
             Connection holder = pgmux.jdbc(FIFO_USER)) {
            // given clients 1..5 logged in (pgJDBC runs a SET at login: that needs a server) and the
            // only server held in a transaction
            for (int client = 1; client <= waiters; client++) {
                connections.add(pgmux.jdbc(FIFO_USER));
            }
            TestSql.holdServerInTransaction(holder);

            // when they queue for it one after the other
            List<Future<Integer>> inserts = new ArrayList<>();
            for (int client = 1; client <= waiters; client++) {
                Connection connection = connections.get(client - 1);
                int id = client;
                inserts.add(threads.submit(() -> update(connection, "INSERT INTO limits_fifo_order (client) VALUES (" + id + ")")));
                TestSql.await("client " + client + " queued", () -> pgmux.counts(FIFO_USER).waiting() == id);
            }
            holder.commit();

            // then each is served once, in the order of arrival
            for (Future<Integer> insert : inserts) {
                assertEquals(1, insert.get(30, TimeUnit.SECONDS));
            }
            assertEquals(List.of(1, 2, 3, 4, 5), clientsInInsertOrder());
        } finally {
            for (Connection connection : connections) {
                connection.close();
            }
            threads.shutdownNow();
        }
    }

    @Test
    void clientsBeyondMaxClientConnectionsAreRefusedAndAFreedPlaceIsReused() throws Exception {
        try (Pgmux pgmux = Pgmux.start("max_client_connections: 3\n")) {
            List<Connection> admitted = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    admitted.add(pgmux.jdbc(CLIENTS_USER));
                }

                // the fourth is refused
                PSQLException refused = assertThrows(PSQLException.class, () -> pgmux.jdbc(CLIENTS_USER).close());
                assertEquals("53300", refused.getSQLState(), refused::getMessage);
                assertNotNull(refused.getServerErrorMessage(), refused::getMessage);
                assertEquals("FATAL", refused.getServerErrorMessage().getSeverity());
                assertTrue(refused.getMessage().contains("max_client_connections"), refused::getMessage);

                // the first three work on
                for (int i = 0; i < admitted.size(); i++) {
                    assertEquals(i, TestSql.intScalar(admitted.get(i), "SELECT " + i));
                }

                // one leaves, and a newcomer takes its place
                admitted.remove(0).close();
                TestSql.await("pgmux saw the client leave", () -> pgmux.server().sessions().connectedCount() == 2);
                Connection newcomer = pgmux.jdbc(CLIENTS_USER);
                admitted.add(newcomer);
                assertEquals(7, TestSql.intScalar(newcomer, "SELECT 7"));
            } finally {
                for (Connection connection : admitted) {
                    connection.close();
                }
            }
        }
    }

    @Test
    void aDatabaseListedWithItsOwnPoolSizeNeverUsesMoreServers() throws Exception {
        int clients = 20;
        try (Pgmux pgmux = Pgmux.start("pool_size: 10\nquery_wait_timeout: 60s\n"
                + "upstream: \"127.0.0.1:${PG_PORT}\"\n"
                + "databases:\n  limits_small:\n    dbname: " + DATABASE + "\n    pool_size: 2\n");
             ServerSampler sampler = new ServerSampler(DATABASE, DB_SIZE_USER)) {
            List<Integer> done = runConcurrently(clients, client -> {
                try (Connection c = pgmux.jdbcTo("limits_small", DB_SIZE_USER)) {
                    c.setAutoCommit(false);
                    for (int t = 0; t < 5; t++) {
                        TestSql.intScalar(c, "SELECT 1 FROM pg_sleep(0.02)");
                        c.commit();
                    }
                    return 5;
                }
            });

            assertEquals(clients, done.size());
            assertTrue(done.stream().allMatch(n -> n == 5), done::toString);
            assertTrue(sampler.max() <= 2, "pool_size 2, but Postgres saw " + sampler.max() + " server connections");
            assertEquals(2, Pgmux.serverConnections(DATABASE, DB_SIZE_USER), "20 busy clients fill a pool of 2");
        }
    }

    @Test
    void aConnectionStormOfAHundredClientsIsServedByAtMostPoolSizeServers() throws Exception {
        int clients = 100;
        int poolSize = 5;
        try (Pgmux pgmux = Pgmux.start("pool_size: " + poolSize + "\nquery_wait_timeout: 60s\n");
             ServerSampler sampler = new ServerSampler(DATABASE, STORM_USER)) {
            List<Integer> results = runConcurrently(clients, client -> {
                try (Connection c = pgmux.jdbc(STORM_USER)) {
                    return TestSql.intScalar(c, "SELECT " + client + " FROM pg_sleep(0.01)");
                }
            });

            for (int client = 0; client < clients; client++) {
                assertEquals(client, results.get(client));
            }
            assertTrue(sampler.max() <= poolSize, "pool_size " + poolSize + ", but Postgres saw " + sampler.max());
            assertTrue(Pgmux.serverConnections(DATABASE, STORM_USER) <= poolSize);
            TestSql.await("every server is back in the pool", () -> pgmux.counts(STORM_USER).activeServers() == 0);
            PoolCounts counts = pgmux.counts(STORM_USER);
            assertEquals(0, counts.waiting());
            assertTrue(counts.idleServers() >= 1 && counts.idleServers() <= poolSize, counts::toString);
        }
    }

    // ---------------------------------------------------------------- helpers

    private interface ClientWork {
        int run(int client) throws Exception;
    }

    /** Starts {@code clients} threads at the same moment; returns each one's result, in client order. */
    private static List<Integer> runConcurrently(int clients, ClientWork work) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int client = i;
                futures.add(threads.submit((Callable<Integer>) () -> {
                    start.await();
                    return work.run(client);
                }));
            }
            start.countDown();
            List<Integer> results = new ArrayList<>();
            for (Future<Integer> future : futures) {
                results.add(future.get(120, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }

    private static List<Integer> clientsInInsertOrder() throws SQLException {
        List<Integer> clients = new ArrayList<>();
        try (Connection direct = TestPostgres.get().connect(DATABASE, TestPostgres.SUPERUSER, null);
             Statement st = direct.createStatement();
             ResultSet rs = st.executeQuery("SELECT client FROM limits_fifo_order ORDER BY seq")) {
            while (rs.next()) {
                clients.add(rs.getInt(1));
            }
        }
        return clients;
    }

    private static int update(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            return st.executeUpdate(sql);
        }
    }
}
