package io.pgmux.proxy.it;

import io.pgmux.protocol.Frontend;
import io.pgmux.proxy.peer.PeerBudget;
import io.pgmux.proxy.peer.PeerView;
import io.pgmux.proxy.pool.PoolCounts;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Http;
import io.pgmux.proxy.testing.PeerReplicas;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.PrometheusTextParser;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three pgmux replicas on loopback, peers of each other, sharing {@code max_db_connections: 12}:
 * under 90 pgJDBC clients spread over the three, Postgres never shows more than 12 of their server
 * connections (sampled every 20 ms); stopping one lets the other two use its share within seconds;
 * starting it again splits the budget in three again.
 */
class PeerBudgetIT {
    private static final String USER = "peer_budget_user";
    private static final int BUDGET = 12;
    private static final int CLIENTS_PER_REPLICA = 30;

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(USER);

    @Test
    void theReplicasNeverExceedTheBudgetTogetherAndReSplitItWhenOneLeavesAndComesBack() throws Exception {
        int[] ports = PeerReplicas.freePorts(3);
        List<String> configs = configs(ports);
        List<Pgmux> replicas = new ArrayList<>();
        for (String config : configs) {
            replicas.add(fixture.start(config));
        }
        Pgmux a = replicas.get(0);
        Pgmux b = replicas.get(1);
        // given: the three agree on four each
        for (Pgmux replica : replicas) {
            TestSql.await("each replica's share is 4", () -> share(replica) == 4);
        }
        try (Sampler sampler = new Sampler()) {
            List<Load> loads = new ArrayList<>();
            for (Pgmux replica : replicas) {
                loads.add(new Load(replica));
            }
            // when: 90 clients work through the three
            TestSql.await("every replica has its four servers", () -> replicas.stream().allMatch(r -> servers(r) == 4));
            Thread.sleep(2_000);
            assertTrue(loads.stream().allMatch(load -> load.done.get() > 0), "every replica serves its clients");
            long firstRound = sampler.max.get();

            // when: C stops
            long stopped = System.nanoTime();
            loads.get(2).stop();
            replicas.get(2).close();
            // then: A and B take its share, within seconds, and their pools grow past four
            TestSql.await("A and B have six each", () -> share(a) == 6 && share(b) == 6);
            TestSql.await("A's and B's pools grow past their old share of four", () -> servers(a) > 4 && servers(b) > 4);
            long raisedAfter = (System.nanoTime() - stopped) / 1_000_000;
            assertTrue(raisedAfter < 15_000, "raised after " + raisedAfter + " ms");

            // when: C starts again
            Pgmux c = fixture.start(configs.get(2));
            Load cLoad = new Load(c);
            // then: A and B shrink back to four and C takes four
            TestSql.await("four each again", () -> share(a) == 4 && share(b) == 4 && share(c) == 4);
            TestSql.await("A and B down to four servers, C up to four",
                    () -> servers(a) <= 4 && servers(b) <= 4 && servers(c) == 4);
            cLoad.done.set(0);
            TestSql.await("C serves its clients", () -> cLoad.done.get() > 0);
            Thread.sleep(1_000);

            loads.forEach(Load::stop);
            cLoad.stop();
            // and: Postgres never showed more than twelve of their connections, and the sampler did look
            assertTrue(sampler.samples.get() > 50, "samples " + sampler.samples.get());
            assertTrue(firstRound >= 10, "the first round used the budget: " + firstRound);
            assertTrue(sampler.max.get() <= BUDGET, "at most " + BUDGET + " server connections, saw " + sampler.max.get());
            System.out.printf("PeerBudgetIT: max %d server connections in %d samples; shares raised %d ms after a stop%n",
                    sampler.max.get(), sampler.samples.get(), raisedAfter);
        }
        // and: /metrics says this replica's share, SHOW PEERS the others' (live, and four each)
        PrometheusTextParser.Exposition samples = PrometheusTextParser.parse(Http.get(a.http(), "/metrics").body());
        assertEquals(Optional.of(4.0), samples.value("pgmux_peer_share", "database", TestPostgres.DATABASE));
        assertEquals(Optional.of(3.0), samples.value("pgmux_peer_live"));
        try (RawClient console = a.console(USER)) {
            Console.Result peers = Console.show(console, "SHOW PEERS");
            assertEquals(List.of(List.of("2", "1", "4"), List.of("3", "1", "4")), peers.rows().stream()
                    .map(row -> List.of(row.get(0), row.get(4), row.get(6))).toList());
        }
    }

    @Test
    void aReplicaAnswersAViewRequestWithItsViewAndALonePgmuxWithNothing() throws Exception {
        // given: a replica with peers, and a pgmux without
        Pgmux replica = fixture.start(configs(PeerReplicas.freePorts(3)).get(0));
        Pgmux lone = fixture.start("pool_size: 2\n");
        // when: each is sent pgmux's peer view request
        PeerView view = PeerView.decode(askView(replica));
        byte[] fromLone = askView(lone);
        // then: the replica says who it is and sees itself only (its peers are not running)
        assertEquals(1, view.id());
        assertEquals(List.of(1), List.copyOf(view.members()));
        // and the lone pgmux closes without a word
        assertEquals(0, fromLone.length);
    }

    /** The peer view request, as a replica sends it; the answer's body (empty if the connection closed first). */
    private static byte[] askView(Pgmux pgmux) throws IOException {
        try (Socket socket = new Socket(pgmux.host(), pgmux.port())) {
            socket.setSoTimeout(5_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(8);
            out.writeInt(Frontend.PEER_VIEW_REQUEST_CODE);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            try {
                byte[] body = new byte[in.readInt()];
                in.readFully(body);
                return body;
            } catch (EOFException closed) {
                return new byte[0];
            }
        }
    }

    // ---------------------------------------------------------------- plumbing

    private static int share(Pgmux replica) {
        PeerBudget budget = replica.server().peerBudget();
        return budget.shareOf(BUDGET);
    }

    /** Server connections of the replica's pool, open or being opened. */
    private static int servers(Pgmux replica) {
        return replica.server().pools().pool(TestPostgres.DATABASE, USER).map(pool -> {
            PoolCounts counts = pool.counts();
            return counts.activeServers() + counts.idleServers() + counts.connectingServers();
        }).orElse(0);
    }

    /** Thirty clients of one replica, each running short transactions until stopped. */
    private static final class Load {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong done = new AtomicLong();
        final List<Thread> threads = new ArrayList<>();

        Load(Pgmux replica) {
            for (int i = 0; i < CLIENTS_PER_REPLICA; i++) {
                Thread thread = new Thread(() -> work(replica), "load-" + replica.port() + "-" + i);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
        }

        private void work(Pgmux replica) {
            try (Connection connection = replica.jdbc(USER); Statement st = connection.createStatement()) {
                while (running.get()) {
                    st.execute("SELECT pg_sleep(0.005)");
                    done.incrementAndGet();
                }
            } catch (SQLException e) {
                if (running.get()) {
                    System.out.println("a client of " + replica.port() + " stopped: " + e);
                }
            }
        }

        void stop() {
            running.set(false);
            for (Thread thread : threads) {
                try {
                    thread.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Counts the test user's backends in pg_stat_activity every 20 ms on a direct connection. */
    private static final class Sampler implements AutoCloseable {
        final AtomicInteger max = new AtomicInteger();
        final AtomicInteger samples = new AtomicInteger();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        Sampler() throws SQLException {
            Connection direct = TestPostgres.get().connect(TestPostgres.DATABASE, TestPostgres.SUPERUSER, null);
            thread = new Thread(() -> {
                try (direct; Statement st = direct.createStatement()) {
                    while (running.get()) {
                        try (var rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + USER + "'")) {
                            rs.next();
                            max.accumulateAndGet(rs.getInt(1), Math::max);
                            samples.incrementAndGet();
                        }
                        Thread.sleep(20);
                    }
                } catch (SQLException | InterruptedException e) {
                    System.out.println("sampler stopped: " + e);
                }
            }, "pg_stat_activity-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(5_000);
        }
    }

    private static List<String> configs(int[] ports) {
        return PeerReplicas.configs(ports, "pool_size: 10\nmax_db_connections: " + BUDGET
                + "\nshutdown_timeout: 1s\nadmin_users: [" + USER + "]\n");
    }
}
