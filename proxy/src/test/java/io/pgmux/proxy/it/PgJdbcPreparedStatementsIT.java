package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.ServerSampler;
import io.pgmux.proxy.testing.TestPostgres;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pgJDBC's server-side prepared statements (named after {@code prepareThreshold} executions, kept
 * in its per-connection cache, batched) through a pool much smaller than the number of connections.
 */
class PgJdbcPreparedStatementsIT {
    private static final String USER = "prep_jdbc_user";
    private static final int CONNECTIONS = 20;
    private static final int SERVERS = 3;
    private static final int ACCOUNTS = 10;

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(USER)
            .table("prep_jdbc_accounts", "id int PRIMARY KEY, balance int NOT NULL")
            .table("prep_jdbc_log", "client int, round int, note text");
    private Pgmux pgmux;

    @ParameterizedTest(name = "prepareThreshold={0}")
    @ValueSource(ints = {1, 5, -1})
    void twentyConnectionsWithServerPreparedStatementsShareThreeServers(int prepareThreshold) throws Exception {
        TestPostgres.get().execute("TRUNCATE prep_jdbc_accounts, prep_jdbc_log;"
                + " INSERT INTO prep_jdbc_accounts SELECT g, 0 FROM generate_series(1, " + ACCOUNTS + ") g");
        pgmux = fixture.start("pool_size: " + SERVERS + "\nquery_wait_timeout: 60s\n");
        int rounds = 25;
        ServerSampler sampler = new ServerSampler(TestPostgres.DATABASE, USER);
        ExecutorService threads = Executors.newFixedThreadPool(CONNECTIONS);
        try {
            // when: every connection runs many transactions of prepared statements, batches included
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < CONNECTIONS; c++) {
                int client = c;
                results.add(threads.submit(() -> runClient(client, rounds, prepareThreshold)));
            }
            // then: each saw right results (it checks them), and the totals add up
            for (Future<Integer> result : results) {
                assertEquals(rounds, result.get(120, TimeUnit.SECONDS));
            }
        } finally {
            sampler.close();
            threads.shutdownNow();
        }
        try (Connection direct = TestPostgres.get().connect(TestPostgres.DATABASE, TestPostgres.SUPERUSER, null);
             Statement st = direct.createStatement()) {
            assertEquals(CONNECTIONS * rounds, longValue(st, "SELECT sum(balance) FROM prep_jdbc_accounts"));
            assertEquals(CONNECTIONS * rounds * 3L, longValue(st, "SELECT count(*) FROM prep_jdbc_log"));
        }
        int maxServers = sampler.max();
        assertTrue(maxServers <= SERVERS, "at most " + SERVERS + " server connections, saw " + maxServers);
        // and pgJDBC really used named statements: the servers hold pgmux's names for them
        Map<String, List<String>> held = PreparedProtocol.statementsOnServers(pgmux, USER, SERVERS);
        assertTrue(held.values().stream().flatMap(List::stream).anyMatch(name -> name.startsWith("pgmux_")), held.toString());
    }

    private int runClient(int client, int rounds, int prepareThreshold) throws SQLException {
        try (Connection connection = pgmux.jdbc(USER, null, Map.of("prepareThreshold", Integer.toString(prepareThreshold)))) {
            int done = 0;
            for (int round = 0; round < rounds; round++) {
                // autocommit: each execution is its own transaction, on whatever server is free
                try (PreparedStatement twice = connection.prepareStatement("SELECT ?::int * 2, ?::text")) {
                    twice.setInt(1, client * 1000 + round);
                    twice.setString(2, "c" + client);
                    try (ResultSet rs = twice.executeQuery()) {
                        rs.next();
                        assertEquals((client * 1000 + round) * 2, rs.getInt(1));
                        assertEquals("c" + client, rs.getString(2));
                    }
                }
                // an explicit transaction: update, read back, batch insert
                connection.setAutoCommit(false);
                int account = 1 + (client + round) % ACCOUNTS;
                try (PreparedStatement update = connection.prepareStatement(
                        "UPDATE prep_jdbc_accounts SET balance = balance + ? WHERE id = ? RETURNING balance");
                     PreparedStatement read = connection.prepareStatement("SELECT balance FROM prep_jdbc_accounts WHERE id = ?");
                     PreparedStatement log = connection.prepareStatement("INSERT INTO prep_jdbc_log VALUES (?, ?, ?)")) {
                    update.setInt(1, 1);
                    update.setInt(2, account);
                    int after;
                    try (ResultSet rs = update.executeQuery()) {
                        rs.next();
                        after = rs.getInt(1);
                    }
                    read.setInt(1, account);
                    try (ResultSet rs = read.executeQuery()) {
                        rs.next();
                        assertEquals(after, rs.getInt(1), "the transaction reads its own write");
                    }
                    for (int i = 0; i < 3; i++) {
                        log.setInt(1, client);
                        log.setInt(2, round);
                        log.setString(3, "entry " + i);
                        log.addBatch();
                    }
                    int[] counts = log.executeBatch();
                    assertEquals(3, counts.length);
                }
                connection.commit();
                connection.setAutoCommit(true);
                done++;
            }
            return done;
        }
    }

    private static long longValue(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
