package io.pgmux.proxy.pool;

import io.netty.channel.embedded.EmbeddedChannel;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.config.PreparedStatementMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A replication client's own server ({@link Pool#acquireDedicated}): opened for it, counted, never shared. */
class PoolDedicatedTest {
    private static final Map<String, String> STARTUP = Map.of("replication", "database", "application_name", "abc");

    private final FakeOpener opener = new FakeOpener();
    private final List<EmbeddedChannel> loops = new ArrayList<>();

    @AfterEach
    void closeEverything() {
        opener.releaseAll();
        loops.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    @Test
    void aNewServerIsOpenedWithTheClientsStartupParametersEvenWhenAnIdleOneIsThere() {
        // given a pool of two with one idle server
        Pool pool = pool(2);
        ServerConnection idle = holdOne(pool);
        pool.release(idle);

        // when a replication client asks for its own server
        TestWaiter client = waiter();
        pool.acquireDedicated(client, STARTUP);

        // then a new one is opened on its loop, with its parameters, and it is the client's once logged in
        assertTrue(client.assigned.isEmpty(), "the idle server is not the replication client's");
        assertEquals(STARTUP, opener.oldest().target().startup());
        assertSame(client.executor(), opener.oldest().preferredLoop());
        ServerConnection own = opener.loginNext();
        assertSame(own, client.server());
        assertCounts(pool, 1, 1, 0);
    }

    @Test
    void aFullPoolClosesAnIdleServerToMakeRoom() {
        // given a pool of one whose server is idle
        Pool pool = pool(1);
        ServerConnection idle = holdOne(pool);
        pool.release(idle);

        // when a replication client asks
        pool.acquireDedicated(waiter(), STARTUP);

        // then the idle server is closing and the client's own is being opened, within pool_size
        assertFalse(idle.isOpen(), "the idle server was closed");
        assertEquals(1, opener.pending());
        assertEquals(1, pool.counts().servers());
    }

    @Test
    void withEveryServerHeldTheReplicationClientWaitsUntilOneIsReleased() {
        // given a pool of one whose server is held
        Pool pool = pool(1);
        ServerConnection held = holdOne(pool);
        TestWaiter client = waiter();

        // when a replication client asks, it waits and nothing is opened
        pool.acquireDedicated(client, STARTUP);
        assertEquals(0, opener.pending());
        assertEquals(1, pool.counts().waiting());

        // when the holder gives its server back, that server closes and the client's own opens
        pool.release(held);
        assertFalse(held.isOpen());
        assertEquals(1, opener.pending());
        assertEquals(STARTUP, opener.oldest().target().startup());
        assertSame(opener.loginNext(), client.server());
        assertEquals(0, pool.counts().waiting());
    }

    @Test
    void itsServerClosingFreesTheSlotForTheNextReplicationClient() {
        Pool pool = pool(1);
        TestWaiter first = waiter();
        TestWaiter second = waiter();
        pool.acquireDedicated(first, STARTUP);
        ServerConnection own = opener.loginNext();
        pool.acquireDedicated(second, STARTUP);
        assertEquals(0, opener.pending(), "pool_size 1 is taken by the first");

        own.close(); // the first client left: its server closes, never given back

        assertEquals(1, opener.pending());
        assertSame(opener.loginNext(), second.server());
    }

    @Test
    void aFailedLoginIsTheClientsAloneAndOtherLoginsGoOn() {
        // given a replication client whose server Postgres refuses
        Pool pool = pool(2);
        TestWaiter client = waiter();
        pool.acquireDedicated(client, STARTUP);
        opener.failNext(ErrorResponse.fatal(SqlState.INSUFFICIENT_PRIVILEGE, "permission denied to start WAL sender"));
        loops.forEach(EmbeddedChannel::runPendingTasks); // failures reach a waiter as a task on its loop

        // then it is told, naming the replication login
        assertEquals(1, client.failures.size());
        assertEquals("replication server login failed: permission denied to start WAL sender", client.failures.get(0).message());
        assertEquals(SqlState.INSUFFICIENT_PRIVILEGE, client.failures.get(0).sqlState());

        // and a normal client is served at once: no retry wait
        assertEquals(null, pool.lastLoginError());
        TestWaiter normal = waiter();
        pool.acquire(normal);
        assertSame(opener.loginNext(), normal.server());
        assertCounts(pool, 1, 0, 0);
    }

    @Test
    void aReplicationClientThatLeftWhileWaitingIsNotServed() {
        Pool pool = pool(1);
        holdOne(pool);
        TestWaiter client = waiter();
        pool.acquireDedicated(client, STARTUP);

        assertTrue(pool.cancelWait(client));
        assertEquals(0, pool.counts().waiting());
    }

    private Pool pool(int size) {
        return new Pool(new PoolKey("app", "alice"), new PoolSettings(new HostPort("db.invalid", 5432), "app", "alice",
                "secret", size, PoolMode.TRANSACTION, Duration.ofSeconds(2), Duration.ofSeconds(15), Duration.ofSeconds(60),
                Duration.ZERO, Duration.ZERO, "DISCARD ALL", PreparedStatementMode.REWRITE, 200, 10_000, 16 << 20), opener);
    }

    private ServerConnection holdOne(Pool pool) {
        TestWaiter holder = waiter();
        pool.acquire(holder);
        ServerConnection server = opener.loginNext();
        assertSame(server, holder.server());
        return server;
    }

    private TestWaiter waiter() {
        EmbeddedChannel channel = new EmbeddedChannel();
        loops.add(channel);
        return new TestWaiter(channel);
    }

    private static void assertCounts(Pool pool, int active, int idle, int connecting) {
        PoolCounts counts = pool.counts();
        assertEquals(List.of(active, idle, connecting), List.of(counts.activeServers(), counts.idleServers(),
                counts.connectingServers()), "active, idle, connecting: " + counts);
    }
}
