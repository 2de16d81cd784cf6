package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Many clients share a few server connections, one transaction at a time. */
class TransactionPoolingIT {
    private static final String USER = "pooling_user";
    private static Pgmux pgmux;

    @BeforeAll
    static void startPgmux() {
        TestPostgres.get().execute("DROP ROLE IF EXISTS " + USER + "; CREATE ROLE " + USER + " LOGIN");
        TestPostgres.get().execute("DROP TABLE IF EXISTS pooling_counter; CREATE TABLE pooling_counter (client int, n int)");
        TestPostgres.get().execute("GRANT ALL ON pooling_counter TO " + USER);
        pgmux = Pgmux.start("pool_size: 5\nquery_wait_timeout: 60s\n");
    }

    @AfterAll
    static void stopPgmux() {
        pgmux.close();
    }

    @Test
    void twoHundredClientsShareFiveServerConnectionsWithCorrectResults() throws Exception {
        int clients = 200;
        int transactionsEach = 10;
        AtomicInteger maxServers = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                try {
                    maxServers.accumulateAndGet(Pgmux.serverConnections(TestPostgres.DATABASE, USER), Math::max);
                    Thread.sleep(20);
                } catch (Exception e) {
                    return;
                }
            }
        });
        sampler.start();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(pool.submit(() -> runClient(client, transactionsEach)));
            }
            for (int c = 0; c < clients; c++) {
                // each client checks its own arithmetic; the sum proves every transaction committed once
                assertEquals(transactionsEach, results.get(c).get(120, TimeUnit.SECONDS));
            }
        } finally {
            running.set(false);
            sampler.join();
            pool.shutdownNow();
        }
        try (Connection direct = TestPostgres.get().connect(TestPostgres.DATABASE, TestPostgres.SUPERUSER, null);
             Statement st = direct.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT client) FROM pooling_counter")) {
            rs.next();
            assertEquals(clients * transactionsEach, rs.getInt(1));
            assertEquals(clients, rs.getInt(2));
        }
        assertTrue(maxServers.get() <= 5, "at most 5 server connections, saw " + maxServers.get());
        assertTrue(maxServers.get() >= 1, "the sampler saw pgmux's server connections");
    }

    private static int runClient(int client, int transactions) throws SQLException {
        try (Connection connection = pgmux.jdbc(USER)) {
            int done = 0;
            for (int t = 0; t < transactions; t++) {
                connection.setAutoCommit(false);
                try (Statement st = connection.createStatement()) {
                    st.executeUpdate("INSERT INTO pooling_counter VALUES (" + client + ", " + t + ")");
                    try (ResultSet rs = st.executeQuery("SELECT " + client + " * 1000 + " + t)) {
                        rs.next();
                        assertEquals(client * 1000 + t, rs.getInt(1));
                    }
                }
                connection.commit();
                done++;
            }
            return done;
        }
    }

    @Test
    void everyStatementOfATransactionRunsOnTheSameServer() throws SQLException {
        try (Connection connection = pgmux.jdbc(USER); Statement st = connection.createStatement()) {
            connection.setAutoCommit(false);
            int pid = backendPid(st);
            long xid = transactionId(st);
            for (int i = 0; i < 20; i++) {
                assertEquals(pid, backendPid(st));
                assertEquals(xid, transactionId(st));
            }
            connection.commit();
        }
    }

    private static int backendPid(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static long transactionId(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT txid_current()")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
