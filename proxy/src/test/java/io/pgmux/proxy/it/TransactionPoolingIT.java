package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.ServerSampler;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Many clients share a few server connections, one transaction at a time. */
class TransactionPoolingIT {
    private static final String USER = "pooling_user";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: 5\nquery_wait_timeout: 60s\n")
            .role(USER)
            .table("pooling_counter", "client int, n int");

    @Test
    void twoHundredClientsShareFiveServerConnectionsWithCorrectResults() throws Exception {
        int clients = 200;
        int transactionsEach = 10;
        ServerSampler sampler = new ServerSampler(TestPostgres.DATABASE, USER);
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
            sampler.close();
            pool.shutdownNow();
        }
        int[] logged = TestSql.directInts("SELECT count(*), count(DISTINCT client) FROM pooling_counter");
        assertEquals(clients * transactionsEach, logged[0]);
        assertEquals(clients, logged[1]);
        int maxServers = sampler.max();
        assertTrue(maxServers <= 5, "at most 5 server connections, saw " + maxServers);
        assertTrue(maxServers >= 1, "the sampler saw pgmux's server connections");
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
