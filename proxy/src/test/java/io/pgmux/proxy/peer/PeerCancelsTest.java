package io.pgmux.proxy.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.unix.DomainSocketAddress;
import io.pgmux.proxy.config.PeerEntry;
import io.pgmux.proxy.config.PeersConfig;
import io.pgmux.proxy.peer.PeerCancels.Outcome;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Replica 1 with peers 2 (reachable), 3 and 4 (on its Unix socket): which cancels go where, and which go nowhere. */
class PeerCancelsTest {
    private record Sent(SocketAddress address, int processId, int secretKey) {
    }

    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor();
    private final List<Sent> sent = new ArrayList<>();
    private final List<Runnable> pending = new ArrayList<>();
    private PeerCancels cancels;

    @BeforeEach
    void peers() throws Exception {
        PeersConfig config = new PeersConfig(1, List.of(new PeerEntry(1, "127.0.0.1", 6001),
                new PeerEntry(2, "127.0.0.1", 6002), new PeerEntry(3, "127.0.0.1", 6003),
                new PeerEntry(4, "/run/pgmux4", 6004)), Duration.ofSeconds(1));
        PeerDirectory directory = new PeerDirectory(1, () -> config,
                host -> CompletableFuture.completedFuture(List.of(InetAddress.getLoopbackAddress())), background);
        directory.refresh().get(5, TimeUnit.SECONDS);
        cancels = new PeerCancels(directory, (loop, address, processId, secretKey, done) -> {
            sent.add(new Sent(address, processId, secretKey));
            pending.add(done);
        });
    }

    @AfterEach
    void stop() {
        background.shutdownNow();
    }

    @Test
    void aKeyOfAPeerGoesToThatPeerOnceMarkedForwarded() {
        int key = PeerCancelKeys.processId(2, 42);

        AtomicBoolean clientClosed = new AtomicBoolean();
        cancels.onNoLocalClient(null, key, 1234, () -> clientClosed.set(true));

        assertEquals(List.of(new Sent(new InetSocketAddress("127.0.0.1", 6002), PeerCancelKeys.markForwarded(key), 1234)), sent);
        assertEquals(1, cancels.count(Outcome.FORWARDED));
        assertEquals(1, cancels.forwardedTo(2));
        assertEquals(1, cancels.sendingTo(2), "until its connection closes");
        assertFalse(clientClosed.get(), "the client's cancel connection waits for the peer's answer");
        pending.forEach(Runnable::run);
        assertEquals(0, cancels.sendingTo(2));
        assertTrue(clientClosed.get());
    }

    @Test
    void aKeyOfAPeerListedByItsSocketDirectoryGoesToItsUnixSocket() {
        int key = PeerCancelKeys.processId(4, 42);

        cancels.onNoLocalClient(null, key, 1234, () -> { });

        assertEquals(List.of(new Sent(new DomainSocketAddress("/run/pgmux4/.s.PGSQL.6004"), PeerCancelKeys.markForwarded(key),
                1234)), sent);
        assertEquals(1, cancels.forwardedTo(4));
    }

    @Test
    void aForwardedCancelIsNeverForwardedAgain() {
        cancels.onNoLocalClient(null, PeerCancelKeys.markForwarded(PeerCancelKeys.processId(3, 42)), 1234, () -> { });

        assertEquals(List.of(), sent);
        assertEquals(1, cancels.count(Outcome.NOT_FORWARDED_AGAIN));
    }

    @Test
    void keysOfThisReplicaOrOfNoCurrentPeerCancelNothing() {
        cancels.onNoLocalClient(null, PeerCancelKeys.processId(1, 42), 1234, () -> { }); // a client of ours that left
        cancels.onNoLocalClient(null, PeerCancelKeys.processId(5, 42), 1234, () -> { }); // nobody's
        cancels.onNoLocalClient(null, 0, 0, () -> { });                                    // forged

        assertEquals(List.of(), sent);
        assertEquals(3, cancels.count(Outcome.NO_SUCH_PEER));
    }

    @Test
    void aForwardedCancelForAClientHereIsCountedAndLookedUpUnmarked() {
        int key = PeerCancelKeys.processId(1, 42);

        assertEquals(key, cancels.localProcessId(PeerCancelKeys.markForwarded(key)));
        cancels.onLocalClient(PeerCancelKeys.markForwarded(key));
        cancels.onLocalClient(key);

        assertEquals(1, cancels.count(Outcome.RECEIVED_FORWARDED));
    }

    @Test
    void withoutPeeringKeysAreLeftAsTheyAreAndNothingIsForwarded() {
        PeerCancels off = PeerCancels.off();
        int key = PeerCancelKeys.markForwarded(PeerCancelKeys.processId(2, 42));

        off.onNoLocalClient(null, key, 1, () -> { });

        assertEquals(key, off.localProcessId(key));
        for (Outcome outcome : Outcome.values()) {
            assertEquals(0, off.count(outcome));
        }
    }
}
