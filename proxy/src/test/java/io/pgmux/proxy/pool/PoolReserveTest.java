package io.pgmux.proxy.pool;

import io.pgmux.proxy.backend.ServerConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * {@code reserve_pool_size} and {@code reserve_pool_timeout}: a client that has waited the timeout
 * may have one of up to reserve_pool_size servers beyond pool_size, opened by the 100 ms sweep
 * ({@link Pool#openServersIfDue()}); a reserve server given back with nobody waiting closes.
 */
class PoolReserveTest {
    @RegisterExtension
    final TestLoops loops = new TestLoops();
    private final FakeOpener opener = loops.opener;


    @Test
    void noReserveServerOpensBeforeTheFirstClientHasWaitedTheTimeout() {
        Pool pool = pool(1, 2, Duration.ofHours(1));
        loops.holdOne(pool);
        pool.acquire(loops.waiter());

        pool.openServersIfDue();

        assertEquals(0, opener.pending());
    }

    @Test
    void aClientThatWaitedTheTimeoutGetsAReserveServerAndTheReserveIsBounded() throws InterruptedException {
        // given a full pool of one with a reserve of one, and two clients queued past reserve_pool_timeout
        Pool pool = pool(1, 1, Duration.ofMillis(20));
        ServerConnection held = loops.holdOne(pool);
        TestWaiter first = loops.waiter();
        TestWaiter second = loops.waiter();
        pool.acquire(first);
        pool.acquire(second);
        Thread.sleep(50);

        // when the sweep runs, one reserve server opens (not two) and serves the first
        pool.openServersIfDue();
        assertEquals(1, opener.pending());
        ServerConnection reserve = opener.loginNext();
        assertSame(reserve, first.server());
        pool.openServersIfDue();
        assertEquals(0, opener.pending());
        assertEquals(2, pool.counts().servers());

        // then given back while the second still waits, it serves the second
        pool.release(reserve);
        assertSame(reserve, second.server());

        // and given back with nobody waiting, the server beyond pool_size closes; the other stays idle
        pool.release(reserve);
        assertEquals(0, pool.counts().idleServers(), "the reserve server is not kept idle");
        assertEquals(1, pool.counts().servers());
        pool.release(held);
        assertEquals(1, pool.counts().idleServers());
    }

    // ---------------------------------------------------------------- plumbing

    private Pool pool(int size, int reserve, Duration reserveTimeout) {
        return new Pool(new PoolKey("app", "alice"),
                TestLoops.settings("app", "alice", size, 0, reserve, reserveTimeout, Duration.ZERO), opener);
    }


}
