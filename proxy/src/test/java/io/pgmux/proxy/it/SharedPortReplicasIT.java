package io.pgmux.proxy.it;

import io.pgmux.protocol.message.CancelRequest;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.peer.PeerCancelKeys;
import io.pgmux.proxy.peer.PeerCancels.Outcome;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.PeerReplicas;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.pgmux.proxy.testing.TestSql.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two pgmux replicas on one TCP port with {@code so_reuseport: true}, as PgBouncer's peering setups
 * run them: each has its own {@code unix_socket_dir} and lists the other by that directory
 * ({@code peers: [{id: 2, host: /dir/of/b, port: P}]}), so a cancel that lands on the replica that
 * does not hold the client is forwarded over the Unix socket.
 */
class SharedPortReplicasIT {
    private static final String USER = "shared_port_user";
    private static final String SLEEPING = "SELECT count(*) > 0 FROM pg_stat_activity"
            + " WHERE usename = '" + USER + "' AND state = 'active' AND query LIKE '%pg_sleep%'";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(USER);

    @TempDir
    Path dir;

    @Test
    void bothReplicasListenOnOnePortAndTheKernelSpreadsTheClients() throws Exception {
        List<Pgmux> replicas = replicas("epoll");
        int port = replicas.get(0).port();
        assertEquals(port, replicas.get(1).port());
        // when: 40 clients connect to the port
        Set<Integer> issuers = new HashSet<>();
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                RawClient client = RawClient.connect("127.0.0.1", port, TestPostgres.DATABASE, USER);
                clients.add(client);
                assertEquals("1", value(client, "SELECT 1"));
                issuers.add(PeerCancelKeys.issuer(client.processId()));
            }
        } finally {
            for (RawClient client : clients) {
                client.close();
            }
        }
        // then: both replicas have clients (all 40 on one would have a chance of 2^-39)
        assertEquals(Set.of(1, 2), issuers);
        // and each sees the other live through the budget view it asks for on the other's Unix socket
        for (int i = 0; i < 2; i++) {
            Pgmux replica = replicas.get(i);
            int other = 2 - i;
            TestSql.await("replica " + (i + 1) + " sees peer " + other + " live",
                    () -> replica.server().peerBudget().live().contains(other));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring"})
    void aCancelThatReachesTheOtherReplicaIsForwardedOnTheUnixSocket(String transport) throws Exception {
        List<Pgmux> replicas = replicas(transport);
        try (RawClient client = RawClient.connect("127.0.0.1", replicas.get(0).port(), TestPostgres.DATABASE, USER)) {
            // given: a client on whichever replica the kernel chose, its query running
            int owner = PeerCancelKeys.issuer(client.processId());
            Pgmux holder = replicas.get(owner - 1);
            Pgmux other = replicas.get(2 - owner);
            client.send(new Query("SELECT pg_sleep(30)")).flush();
            TestSql.awaitDirect("a pg_sleep of " + USER + " is running", SLEEPING);
            long started = System.nanoTime();
            // when: its cancel reaches the other replica (on that one's own Unix socket: the shared port cannot choose)
            try (RawClient cancel = RawClient.openUnix(other.server().unixSocketPath())) {
                cancel.send(new CancelRequest(client.processId(), client.secretKey())).flush();
                assertTrue(cancel.isClosedByPeer(), "closed once the forwarded cancel was answered");
            }
            // then: the query is cancelled, and the client goes on
            assertEquals("57014", TestSql.error(client.readUntilReady()).sqlState());
            assertTrue(System.nanoTime() - started < 20_000_000_000L);
            assertEquals("ok", value(client, "SELECT 'ok'"));
            assertEquals(1, other.server().peerCancels().count(Outcome.FORWARDED));
            assertEquals(1, holder.server().peerCancels().count(Outcome.RECEIVED_FORWARDED));
        }
    }

    @Test
    void cancelsSentToTheSharedPortCancelWhicheverReplicaTheyReach() throws Exception {
        List<Pgmux> replicas = replicas("epoll");
        int port = replicas.get(0).port();
        try (RawClient client = RawClient.connect("127.0.0.1", port, TestPostgres.DATABASE, USER)) {
            for (int round = 0; round < 8; round++) {
                // given: the client's query running
                client.send(new Query("SELECT pg_sleep(30)")).flush();
                TestSql.awaitDirect("a pg_sleep of " + USER + " is running", SLEEPING);
                // when: its cancel goes to the port, where either replica may take it
                TestSql.sendCancel("127.0.0.1", port, client.processId(), client.secretKey());
                // then: the query is cancelled every time
                assertEquals("57014", TestSql.error(client.readUntilReady()).sqlState(), "round " + round);
            }
        }
        long forwarded = replicas.get(0).server().peerCancels().count(Outcome.FORWARDED)
                + replicas.get(1).server().peerCancels().count(Outcome.FORWARDED);
        long received = replicas.get(0).server().peerCancels().count(Outcome.RECEIVED_FORWARDED)
                + replicas.get(1).server().peerCancels().count(Outcome.RECEIVED_FORWARDED);
        assertEquals(forwarded, received, "every forwarded cancel found its client");
    }

    @Test
    void withoutSoReuseportTheSecondReplicaCannotBind() throws Exception {
        int port = PeerReplicas.freePorts(1)[0];
        fixture.start("listen: \"127.0.0.1:" + port + "\"\n");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> fixture.start("listen: \"127.0.0.1:" + port + "\"\n"));
        assertTrue(e.getCause().getMessage().contains("cannot listen on 127.0.0.1:" + port), e.getCause().getMessage());
    }

    @Test
    void soReuseportOnNioRefusesToStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fixture.start("transport: nio\nso_reuseport: true\n"));
        assertTrue(e.getMessage().contains(
                "so_reuseport needs the epoll or io_uring transport (Linux); the nio transport has no SO_REUSEPORT"), e.getMessage());
    }

    /**
     * Replicas 1 and 2 on one free port with so_reuseport, each with its Unix socket in a directory of
     * its own, listing both by directory; returns once each knows the other.
     */
    private List<Pgmux> replicas(String transport) throws Exception {
        int port = PeerReplicas.freePorts(1)[0];
        List<Path> dirs = List.of(Files.createDirectory(dir.resolve("a")), Files.createDirectory(dir.resolve("b")));
        StringBuilder peers = new StringBuilder("peers:\n");
        for (int i = 0; i < 2; i++) {
            peers.append("  - {id: ").append(i + 1).append(", host: \"").append(dirs.get(i)).append("\", port: ").append(port)
                    .append("}\n");
        }
        List<Pgmux> replicas = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            replicas.add(fixture.start("listen: \"127.0.0.1:" + port + "\"\nso_reuseport: true\ntransport: " + transport
                    + "\nunix_socket_dir: \"" + dirs.get(i) + "\"\npeer_id: " + (i + 1) + "\npool_size: 2\n" + peers));
        }
        for (Pgmux replica : replicas) {
            TestSql.await("each replica knows its peer",
                    () -> replica.server().peerCancels().directory().current().peers().size() == 1);
        }
        return replicas;
    }
}
