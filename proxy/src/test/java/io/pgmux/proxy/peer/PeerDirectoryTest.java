package io.pgmux.proxy.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.unix.DomainSocketAddress;
import io.pgmux.proxy.config.PeerEntry;
import io.pgmux.proxy.config.PeersConfig;
import io.pgmux.proxy.net.HostLookup;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PeerDirectoryTest {
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor();
    /** What the fake DNS answers now; a name missing fails its lookup. */
    private final Map<String, List<InetAddress>> dns = new ConcurrentHashMap<>();
    private final HostLookup lookup = host -> {
        List<InetAddress> addresses = dns.get(host);
        return addresses != null ? CompletableFuture.completedFuture(addresses)
                : CompletableFuture.failedFuture(new IllegalStateException("unknown host \"" + host + "\""));
    };

    @AfterEach
    void stop() {
        background.shutdownNow();
    }

    @Test
    void listedReplicasAreFoundByIdAndTheOwnEntryIsSkipped() throws Exception {
        dns.put("a.example", List.of(ip("10.0.0.1")));
        dns.put("b.example", List.of(ip("10.0.0.2"), ip("10.0.0.3")));
        PeerDirectory directory = directory(1, new PeerEntry(1, "a.example", 6432), new PeerEntry(2, "b.example", 7432));

        PeerSet set = directory.refresh().get(5, TimeUnit.SECONDS);

        assertNull(set.find(1), "this replica is no peer of itself");
        assertEquals(new InetSocketAddress(ip("10.0.0.2"), 7432), set.find(2).address(), "the first address of a listed name");
        assertEquals(1, set.peers().size());
        assertEquals(set, directory.current());
    }

    @Test
    void onlyAPeersAddressMayAskForTheBudgetView() throws Exception {
        dns.put("b.example", List.of(ip("10.0.0.2")));
        PeerDirectory directory = directory(1, new PeerEntry(2, "b.example", 7432));

        PeerSet set = directory.refresh().get(5, TimeUnit.SECONDS);

        assertTrue(set.hasAddress(ip("10.0.0.2")), "the peer, from any port");
        assertFalse(set.hasAddress(ip("10.0.0.9")), "a client that is no peer learns no database names");
    }

    @Test
    void aReplicaListedByItsSocketDirectoryIsReachedThereWithoutALookup() throws Exception {
        PeerDirectory directory = directory(1, new PeerEntry(1, "/tmp/one", 6432), new PeerEntry(2, "/tmp/two", 6432));

        PeerSet set = directory.refresh().get(5, TimeUnit.SECONDS);

        Peer two = set.find(2);
        assertEquals(new DomainSocketAddress("/tmp/two/.s.PGSQL.6432"), two.address(), "no name was looked up, none failed");
        assertTrue(two.reachable());
        assertEquals("/tmp/two", two.host());
        assertEquals(6432, two.port());
        assertNull(set.find(1), "this replica is no peer of itself");
        assertTrue(set.hasUnixSocketPeer());
        assertFalse(set.hasAddress(ip("127.0.0.1")), "no TCP address is a peer's");
    }

    @Test
    void everyAddressOfADnsNameIsAPeerWithTheIdItsAddressGives() throws Exception {
        InetAddress own = ip("10.1.0.5");
        dns.put("pgmux-peers", List.of(own, ip("10.1.0.6"), ip("10.1.0.7")));
        PeerDirectory directory = directory(PeerIds.of(own), new PeerEntry(0, "pgmux-peers", 6432));

        PeerSet set = directory.refresh().get(5, TimeUnit.SECONDS);

        assertEquals(List.of(PeerIds.of(ip("10.1.0.6")), PeerIds.of(ip("10.1.0.7"))), set.peers().stream().map(Peer::id).toList());
        assertEquals(new InetSocketAddress(ip("10.1.0.7"), 6432), set.find(PeerIds.of(ip("10.1.0.7"))).address());
        // a replica leaves the name: it is no peer after the next lookup
        dns.put("pgmux-peers", List.of(own, ip("10.1.0.6")));
        assertNull(directory.refresh().get(5, TimeUnit.SECONDS).find(PeerIds.of(ip("10.1.0.7"))));
    }

    @Test
    void anIdTwoAddressesClaimGoesToNeither() throws Exception {
        // 16383 apart: the same derived id
        InetAddress first = ip("10.0.0.1");
        InetAddress second = ip("10.0.64.0");
        assertEquals(PeerIds.of(first), PeerIds.of(second));
        dns.put("pgmux-peers", List.of(first, second, ip("10.0.0.2")));

        PeerSet set = directory(9999, new PeerEntry(0, "pgmux-peers", 6432)).refresh().get(5, TimeUnit.SECONDS);

        assertNull(set.find(PeerIds.of(first)));
        assertEquals(Set.of(PeerIds.of(first)), set.ambiguous());
        assertEquals(1, set.peers().size());
    }

    @Test
    void aNameThatCannotBeLookedUpKeepsItsLastAddresses() throws Exception {
        dns.put("b.example", List.of(ip("10.0.0.2")));
        PeerDirectory directory = directory(1, new PeerEntry(2, "b.example", 6432), new PeerEntry(3, "c.example", 6432));
        directory.refresh().get(5, TimeUnit.SECONDS);

        dns.remove("b.example");
        PeerSet set = directory.refresh().get(5, TimeUnit.SECONDS);

        assertEquals(new InetSocketAddress(ip("10.0.0.2"), 6432), set.find(2).address());
        assertTrue(set.find(2).reachable());
        assertFalse(set.find(3).reachable(), "never found: listed, but nothing is sent to it");
    }

    @Test
    void peerIdsCoverTheirRangeAndAreStable() throws Exception {
        assertEquals(PeerIds.of(ip("10.0.0.1")), PeerIds.of(ip("10.0.0.1")));
        assertTrue(PeerIds.of(ip("0.0.0.0")) >= 1);
        assertTrue(PeerIds.of(ip("255.255.255.255")) <= PeerEntry.MAX_ID);
        assertTrue(PeerIds.of(InetAddress.getByName("fd00::1")) >= 1);
    }

    private PeerDirectory directory(int ownId, PeerEntry... entries) {
        PeersConfig config = new PeersConfig(ownId, List.of(entries), Duration.ofSeconds(1));
        return new PeerDirectory(ownId, () -> config, lookup, background);
    }

    private static InetAddress ip(String text) throws UnknownHostException {
        return InetAddress.getByName(text);
    }
}
