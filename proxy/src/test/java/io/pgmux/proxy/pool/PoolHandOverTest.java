package io.pgmux.proxy.pool;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.config.PreparedStatementMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pool of one server and a long queue of waiters on one event loop, each giving the server
 * straight back (as a client whose startup settings needed no change does): every waiter is
 * served, and the stack does not grow with the queue. No real server: the test plays its login.
 */
class PoolHandOverTest {
    private static final int WAITERS = 20_000;
    /** The pool's request for a server goes nowhere until the test plays its login. */
    private final FakeOpener opener = new FakeOpener();
    private final EventLoop loop = new DefaultEventLoop();
    private final EmbeddedChannel serverChannel = new EmbeddedChannel();

    @AfterEach
    void stop() throws InterruptedException {
        serverChannel.finishAndReleaseAll();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }

    @Test
    void aServerReleasedByEachWaiterAtOnceServesTheWholeQueueWithConstantStack() throws Exception {
        // given a pool of one whose queue holds 20,000 waiters on one loop
        Pool pool = new Pool(new PoolKey("storm", "alice"), settings(), opener);
        List<GivesItBack> waiters = new ArrayList<>();
        for (int i = 0; i < WAITERS; i++) {
            waiters.add(new GivesItBack(loop, pool));
        }
        loop.submit(() -> waiters.forEach(pool::acquire)).get(30, TimeUnit.SECONDS);
        assertEquals(WAITERS, pool.counts().waiting());

        // when its server logs in
        loop.submit(() -> opener.loginNext(serverChannel)).get(30, TimeUnit.SECONDS);

        // then every waiter got it once, in order, at the same stack depth, and it is idle again
        int minDepth = Integer.MAX_VALUE;
        int maxDepth = 0;
        for (GivesItBack waiter : waiters) {
            assertEquals(1, waiter.assigned.size(), "times waiter was served");
            assertEquals(List.of(), waiter.failures);
            minDepth = Math.min(minDepth, waiter.depth);
            maxDepth = Math.max(maxDepth, waiter.depth);
        }
        assertTrue(maxDepth - minDepth <= 4, "stack grew from " + minDepth + " to " + maxDepth + " frames");
        PoolCounts counts = pool.counts();
        assertEquals(0, counts.waiting());
        assertEquals(1, counts.idleServers());
        assertEquals(0, counts.activeServers());
    }

    private static PoolSettings settings() {
        return new PoolSettings(new HostPort("storm.invalid", 5432), "storm", "alice", null, 1, PoolMode.TRANSACTION,
                Duration.ofSeconds(120), Duration.ofSeconds(15), Duration.ofSeconds(1), Duration.ZERO, Duration.ZERO,
                "DISCARD ALL", PreparedStatementMode.REWRITE, 200, 10_000, 16 << 20);
    }

    /** A waiter that notes how deep the stack is when it gets the server, and gives the server straight back. */
    private static final class GivesItBack extends TestWaiter {
        private final Pool pool;
        int depth;

        GivesItBack(EventExecutor loop, Pool pool) {
            super(loop);
            this.pool = pool;
        }

        @Override
        public void onServerAssigned(ServerConnection server) {
            super.onServerAssigned(server);
            depth = StackWalker.getInstance().walk(frames -> (int) frames.count());
            pool.release(server);
        }
    }
}
