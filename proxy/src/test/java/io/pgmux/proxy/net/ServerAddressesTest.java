package io.pgmux.proxy.net;

import io.pgmux.proxy.config.HostPort;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** dns_max_ttl: when a server host name is looked up again, and what a lookup gives, on a clock the test moves. */
class ServerAddressesTest {
    private static final long SECOND = 1_000_000_000L;
    private static final HostPort DB = new HostPort("db.example", 5432);

    private long now = 1_000 * SECOND;
    private Duration ttl = Duration.ofSeconds(15);
    private final List<String> lookups = new ArrayList<>();
    private List<InetAddress> answer = List.of(ip("10.0.0.1"), ip("10.0.0.2"));
    private CompletableFuture<List<InetAddress>> pending;

    private final ServerAddresses addresses = new ServerAddresses(host -> {
        lookups.add(host);
        return pending != null ? pending : CompletableFuture.completedFuture(answer);
    }, () -> now, () -> ttl);

    @Test
    void everyAddressOfANameIsGivenWithThePortInTheOrderLookedUp() throws Exception {
        assertEquals(List.of(new InetSocketAddress(ip("10.0.0.1"), 5432), new InetSocketAddress(ip("10.0.0.2"), 5432)),
                addresses.resolve(DB).get());
    }

    @Test
    void aNameIsLookedUpAgainOnlyAfterDnsMaxTtl() throws Exception {
        addresses.resolve(DB).get();
        now += 14 * SECOND;
        addresses.resolve(DB).get();
        assertEquals(1, lookups.size());

        // when the name has moved and the TTL is over, the next connection goes to the new address
        answer = List.of(ip("10.0.0.9"));
        now += 2 * SECOND;
        assertEquals(List.of(new InetSocketAddress(ip("10.0.0.9"), 5432)), addresses.resolve(DB).get());
        assertEquals(2, lookups.size());
    }

    @Test
    void aTtlOfZeroLooksTheNameUpEveryTime() throws Exception {
        ttl = Duration.ZERO;
        addresses.resolve(DB).get();
        addresses.resolve(DB).get();
        assertEquals(2, lookups.size());
    }

    @Test
    void connectionsAskingDuringALookupShareIt() {
        pending = new CompletableFuture<>();
        CompletableFuture<List<InetSocketAddress>> first = addresses.resolve(DB);
        now += 60 * SECOND;
        CompletableFuture<List<InetSocketAddress>> second = addresses.resolve(DB);
        assertEquals(1, lookups.size());

        pending.complete(List.of(ip("10.0.0.3")));
        assertEquals(first.join(), second.join());
    }

    @Test
    void aFailedLookupIsNotKept() {
        pending = CompletableFuture.failedFuture(new IllegalStateException("unknown host \"db.example\""));
        ExecutionException failed = assertThrows(ExecutionException.class, () -> addresses.resolve(DB).get());
        assertTrue(failed.getCause().getMessage().contains("unknown host"));

        pending = null;
        assertEquals(2, addresses.resolve(DB).join().size());
        assertEquals(2, lookups.size());
    }

    @Test
    void anIpLiteralNeedsNoLookup() {
        List<InetSocketAddress> resolved = addresses.resolve(new HostPort("127.0.0.1", 6543)).join();
        assertEquals(List.of(new InetSocketAddress(ip("127.0.0.1"), 6543)), resolved);
        assertEquals(List.of(), lookups);
    }

    @Test
    void theSystemLookupRunsOnTheExecutorGiven() {
        List<Runnable> tasks = new ArrayList<>();
        CompletableFuture<List<InetAddress>> result = HostLookup.system(tasks::add).lookUp("localhost");
        assertEquals(1, tasks.size());
        assertFalse(result.isDone(), "nothing resolved on the caller's thread");
        tasks.get(0).run();
        assertTrue(result.join().stream().anyMatch(InetAddress::isLoopbackAddress));
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
