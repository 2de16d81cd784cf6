package io.pgmux.proxy.it;

import io.pgmux.protocol.TransactionStatus;
import io.pgmux.protocol.message.Query;
import io.pgmux.proxy.net.HostLookup;
import io.pgmux.proxy.peer.PeerCancelKeys;
import io.pgmux.proxy.peer.PeerIds;
import io.pgmux.proxy.peer.PeerCancels;
import io.pgmux.proxy.peer.PeerCancels.Outcome;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Http;
import io.pgmux.proxy.testing.PeerReplicas;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.PrometheusTextParser;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static io.pgmux.proxy.testing.TestSql.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three pgmux replicas on loopback, peers of each other (peer_id 1, 2, 3), as behind one Service: a
 * cancel for a client of A that reaches B or C is forwarded to A and cancels the client's query;
 * keys that name no client cancel nothing anywhere; a forwarded cancel goes no further.
 */
class PeerCancelIT {
    private static final String USER = "peer_cancel_user";
    private static final String SLEEPING = "SELECT count(*) > 0 FROM pg_stat_activity"
            + " WHERE usename = '" + USER + "' AND state = 'active' AND query LIKE '%pg_sleep%'";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(USER);

    @Test
    void aCancelSentToBOrToCCancelsTheQueryOfAClientOnA() throws Exception {
        List<Pgmux> replicas = replicas(peerLists(PeerReplicas.freePorts(3)));
        Pgmux a = replicas.get(0);
        try (RawClient client = a.raw(USER)) {
            // given: a client of A, whose key names A
            assertEquals(1, PeerCancelKeys.issuer(client.processId()));
            for (Pgmux other : List.of(replicas.get(1), replicas.get(2))) {
                // and its long query running
                client.send(new Query("SELECT pg_sleep(30)")).flush();
                awaitSleeping();
                long started = System.nanoTime();
                // when: its cancel reaches another replica
                TestSql.sendCancel(other.host(), other.port(), client.processId(), client.secretKey());
                // then: the query is cancelled, long before it would have finished, and the client goes on
                assertEquals("57014", TestSql.error(client.readUntilReady()).sqlState());
                assertTrue(System.nanoTime() - started < 20_000_000_000L);
                assertEquals("ok", value(client, "SELECT 'ok'"));
                assertEquals(1, other.server().peerCancels().count(Outcome.FORWARDED));
            }
            assertEquals(2, a.server().peerCancels().count(Outcome.RECEIVED_FORWARDED));
        }
    }

    @Test
    void randomKeysSentToEachReplicaCancelNothing() throws Exception {
        List<Pgmux> replicas = replicas(peerLists(PeerReplicas.freePorts(3)));
        SecureRandom random = new SecureRandom();
        try (RawClient client = replicas.get(0).raw(USER)) {
            // given: a client of A running a query
            client.send(new Query("SELECT pg_sleep(3)")).flush();
            awaitSleeping();
            // when: random keys reach every replica, those naming the replicas too, and A's client's
            // process id with a wrong secret reaches B (which forwards it: only A can tell)
            for (Pgmux replica : replicas) {
                TestSql.sendCancel(replica.host(), replica.port(), random.nextInt(Integer.MAX_VALUE), random.nextInt());
                for (int peerId = 1; peerId <= 3; peerId++) {
                    TestSql.sendCancel(replica.host(), replica.port(),
                            PeerCancelKeys.processId(peerId, 1 + random.nextInt(PeerCancelKeys.MAX_LOCAL)), random.nextInt());
                }
            }
            TestSql.sendCancel(replicas.get(1).host(), replicas.get(1).port(), client.processId(), client.secretKey() + 1);
            // then: the query completes
            List<Reply> replies = client.readUntilReady();
            assertEquals("", value(replies));
            assertEquals(TransactionStatus.IDLE, TestSql.status(replies));
        }
        // and the wrong secret went to A once, which found no client and sent it nowhere
        PeerCancels a = replicas.get(0).server().peerCancels();
        TestSql.await("A counts the forwarded wrong key", () -> a.count(Outcome.NOT_FORWARDED_AGAIN) >= 1);
        assertEquals(0, a.count(Outcome.RECEIVED_FORWARDED));
    }

    @Test
    void aForwardedCancelIsNeverForwardedAgain() throws Exception {
        // given: B's list is wrong and says peer 1 (A) is at C's address, C's is right
        int[] ports = PeerReplicas.freePorts(3);
        List<String> lists = peerLists(ports);
        lists.set(1, lists.get(1).replace("{id: 1, host: 127.0.0.1, port: " + ports[0] + "}",
                "{id: 1, host: 127.0.0.1, port: " + ports[2] + "}"));
        List<Pgmux> replicas = replicas(lists);
        PeerCancels b = replicas.get(1).server().peerCancels();
        PeerCancels c = replicas.get(2).server().peerCancels();
        try (RawClient client = replicas.get(0).raw(USER)) {
            client.send(new Query("SELECT pg_sleep(3)")).flush();
            awaitSleeping();
            // when: the client's cancel reaches B, which forwards it to C, taking C for A
            TestSql.sendCancel(replicas.get(1).host(), replicas.get(1).port(), client.processId(), client.secretKey());
            // and a client sends C a cancel already marked as forwarded
            TestSql.sendCancel(replicas.get(2).host(), replicas.get(2).port(),
                    PeerCancelKeys.markForwarded(client.processId()), client.secretKey());
            // then: C sends neither on to A, and the query completes
            List<Reply> replies = client.readUntilReady();
            assertEquals("", value(replies));
            assertEquals(TransactionStatus.IDLE, TestSql.status(replies));
        }
        assertEquals(1, b.count(Outcome.FORWARDED));
        assertEquals(2, c.count(Outcome.NOT_FORWARDED_AGAIN));
        assertEquals(0, c.count(Outcome.FORWARDED));
        assertEquals(0, replicas.get(0).server().peerCancels().count(Outcome.RECEIVED_FORWARDED));
    }

    @Test
    void replicasFoundThroughADnsNameForwardCancelsByTheIdsTheirAddressesGive() throws Exception {
        // given: three replicas on 127.0.0.1, .2 and .3, one port, each with the id its address gives,
        // and a name that resolves to the three (as a headless Service does)
        int port = PeerReplicas.freePorts(1)[0];
        List<InetAddress> addresses = List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("127.0.0.2"),
                InetAddress.getByName("127.0.0.3"));
        HostLookup dns = host -> host.equals("pgmux-headless") ? CompletableFuture.completedFuture(addresses)
                : HostLookup.system(Runnable::run).lookUp(host);
        List<Pgmux> replicas = new ArrayList<>();
        for (InetAddress address : addresses) {
            replicas.add(fixture.start("listen: \"" + address.getHostAddress() + ":" + port + "\"\npeer_id: "
                    + PeerIds.of(address) + "\npeers: [{dns: pgmux-headless, port: " + port + "}]\npool_size: 2\n", dns));
        }
        for (Pgmux replica : replicas) {
            TestSql.await("each replica knows its two peers",
                    () -> replica.server().peerCancels().directory().current().peers().size() == 2);
        }
        Pgmux c = replicas.get(2);
        try (RawClient client = c.raw(USER)) {
            assertEquals(PeerIds.of(addresses.get(2)), PeerCancelKeys.issuer(client.processId()));
            client.send(new Query("SELECT pg_sleep(30)")).flush();
            awaitSleeping();
            // when: its cancel reaches the replica at 127.0.0.1
            TestSql.sendCancel(replicas.get(0).host(), port, client.processId(), client.secretKey());
            // then: it is forwarded to the one at 127.0.0.3, which cancels the query
            assertEquals("57014", TestSql.error(client.readUntilReady()).sqlState());
        }
        assertEquals(1, c.server().peerCancels().count(Outcome.RECEIVED_FORWARDED));
    }

    @Test
    void showPeersAndMetricsListTheOtherReplicas() throws Exception {
        int[] ports = PeerReplicas.freePorts(3);
        List<Pgmux> replicas = replicas(peerLists(ports));
        Pgmux a = replicas.get(0);
        try (RawClient client = a.raw(USER)) {
            TestSql.sendCancel(replicas.get(1).host(), replicas.get(1).port(), client.processId(), client.secretKey());
        }
        try (RawClient console = a.console(USER)) {
            Console.Result peers = Console.show(console, "SHOW PEERS");
            assertEquals(List.of("peer_id", "host", "port", "pool_size", "live", "servers", "share"), peers.columns());
            assertEquals(List.of(List.of("2", "127.0.0.1", Integer.toString(ports[1]), "0"),
                    List.of("3", "127.0.0.1", Integer.toString(ports[2]), "0")),
                    peers.rows().stream().map(row -> row.subList(0, 4)).toList());
            Console.Result pools = Console.show(console, "SHOW PEER_POOLS");
            assertEquals(List.of("database", "cl_active_cancel_req", "cl_waiting_cancel_req", "sv_active_cancel", "sv_login"),
                    pools.columns());
            assertEquals(List.of("2", "3"), pools.rows().stream().map(row -> row.get(0)).toList());
            assertEquals("2", Console.show(console, "SHOW LISTS").one("list", "peers").get("items"));
        }
        String metrics = Http.get(replicas.get(1).http(), "/metrics").body();
        PrometheusTextParser.Exposition samples = PrometheusTextParser.parse(metrics);
        assertEquals(Optional.of(2.0), samples.value("pgmux_peer_id"));
        assertEquals(Optional.of(2.0), samples.value("pgmux_peers"));
        assertEquals(Optional.of(1.0), samples.value("pgmux_peer_cancels_total", "outcome", "forwarded"));
        assertEquals(Optional.of(1.0), samples.value("pgmux_peer_cancels_forwarded_total", "peer_id", "1", "host", "127.0.0.1",
                "port", Integer.toString(ports[0])));
    }

    @Test
    void aLonePgmuxHasNoPeers() throws Exception {
        Pgmux lone = fixture.start("admin_users: [" + USER + "]\n");
        try (RawClient console = lone.console(USER)) {
            assertEquals(List.of(), Console.show(console, "SHOW PEERS").rows());
            assertEquals(List.of(), Console.show(console, "SHOW PEER_POOLS").rows());
        }
        assertTrue(!Http.get(lone.http(), "/metrics").body().contains("pgmux_peer"), "no peer series");
    }

    /** The config of each replica: its own port and id, and the same list of all three. */
    private static List<String> peerLists(int[] ports) {
        return PeerReplicas.configs(ports, "pool_size: 2\nadmin_users: [" + USER + "]\n");
    }

    /** Starts one replica per config and waits until each knows the other two. */
    private static List<Pgmux> replicas(List<String> configs) {
        List<Pgmux> replicas = new ArrayList<>();
        for (String config : configs) {
            replicas.add(fixture.start(config));
        }
        for (Pgmux replica : replicas) {
            TestSql.await("each replica knows its two peers",
                    () -> replica.server().peerCancels().directory().current().peers().size() == 2);
        }
        return replicas;
    }

    private static void awaitSleeping() {
        TestSql.awaitDirect("a pg_sleep of " + USER + " is running", SLEEPING);
    }
}
