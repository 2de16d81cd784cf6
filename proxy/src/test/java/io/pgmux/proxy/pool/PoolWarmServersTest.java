package io.pgmux.proxy.pool;

import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.backend.ServerConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * {@code min_pool_size}: the servers a pool with clients keeps open and warm, opened by the 100 ms
 * sweep ({@link Pool#openServersIfDue()}), refilled when they close, and after a failed login only
 * as the login retry schedule allows. No network: the test plays each login.
 */
class PoolWarmServersTest {
    private static final long SECOND = 1_000_000_000L;
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(10);
    private static final ErrorResponse REFUSED = ErrorResponse.fatal(SqlState.CONNECTION_FAILURE,
            "pgmux could not connect to server db.invalid:5432: Connection refused");

    @RegisterExtension
    final TestLoops loops = new TestLoops();
    private final FakeOpener opener = loops.opener;
    private long now = 1_000 * SECOND;
    private final LoginRetry retry = new LoginRetry(() -> now, FixedDraws.of(() -> 0.5));


    @Test
    void aPoolWithAClientOpensMinPoolSizeServersThatWaitIdle() {
        // given a pool of five keeping two open, that nobody uses yet
        Pool pool = pool(5, 2);
        pool.openServersIfDue();
        assertEquals(0, opener.pending(), "a pool with no client keeps nothing open");

        // when a client logs in and the sweep runs
        pool.join();
        pool.openServersIfDue();

        // then two servers are opened, no more, and once logged in they wait idle
        assertEquals(2, opener.pending());
        pool.openServersIfDue();
        assertEquals(2, opener.pending(), "servers being opened count");
        opener.loginNext();
        opener.loginNext();
        assertEquals(2, pool.counts().idleServers());
        pool.openServersIfDue();
        assertEquals(0, opener.pending());
    }

    @Test
    void minPoolSizeIsCappedByPoolSize() {
        Pool pool = pool(2, 5);
        pool.join();
        pool.openServersIfDue();
        assertEquals(2, opener.pending());
    }

    @Test
    void aWarmServerThatClosesIsOpenedAgain() {
        // given a pool keeping two servers, both idle
        Pool pool = warmPool(5, 2);
        ServerConnection idle = pool.servers().get(0).server();

        // when one of them closes (Postgres ended it)
        idle.close();

        // then the pool asks for another at once
        assertEquals(1, opener.pending());
        opener.loginNext();
        assertEquals(2, pool.counts().idleServers());
    }

    @Test
    void afterAFailedLoginTheWarmServersWaitForTheRetrySchedule() {
        // given a pool keeping two servers whose servers went away, Postgres refusing connections
        Pool pool = warmPool(5, 2);
        pool.servers().forEach(state -> state.server().close());
        assertEquals(2, opener.pending());
        opener.failNext(REFUSED);
        opener.failNext(REFUSED);

        // when the sweep runs during the retry wait, nothing is tried
        now += SECOND / 2;
        pool.openServersIfDue();
        assertEquals(0, opener.pending());

        // then after the wait one attempt, and only one while it is under way
        now += SECOND;
        pool.openServersIfDue();
        pool.openServersIfDue();
        assertEquals(1, opener.pending());

        // and once it logs in, the pool opens the other one
        opener.loginNext();
        assertEquals(1, opener.pending());
        opener.loginNext();
        assertEquals(2, pool.counts().idleServers());
    }

    @Test
    void idleTimeoutSparesTheWarmServersWhileThePoolHasClients() {
        // given a pool keeping one server, whose client used three at once
        Pool pool = pool(5, 1);
        pool.join();
        List<TestWaiter> clients = List.of(loops.waiter(), loops.waiter(), loops.waiter());
        clients.forEach(pool::acquire);
        while (opener.pending() > 0) {
            opener.loginNext();
        }
        clients.forEach(client -> pool.release(client.server()));
        assertEquals(3, pool.counts().idleServers());

        // when all have been idle past server_idle_timeout
        pool.closeExpiredIdle(System.nanoTime() + 2 * IDLE_TIMEOUT.toNanos());

        // then one stays, and nothing is opened
        assertEquals(1, pool.counts().idleServers());
        assertEquals(0, opener.pending());

        // and when the client has left, that one goes too and nothing reopens it
        pool.onClientLeft();
        pool.closeExpiredIdle(System.nanoTime() + 2 * IDLE_TIMEOUT.toNanos());
        assertEquals(0, pool.counts().idleServers());
        pool.openServersIfDue();
        assertEquals(0, opener.pending());
    }

    @Test
    void aWaiterGetsAWarmServerStillLoggingIn() {
        // given a pool keeping one server, which is being opened
        Pool pool = pool(5, 1);
        pool.join();
        pool.openServersIfDue();
        assertEquals(1, opener.pending());

        // when a client asks, it waits for that server rather than opening another
        TestWaiter client = loops.waiter();
        pool.acquire(client);
        assertEquals(1, opener.pending());
        ServerConnection server = opener.loginNext();
        assertSame(server, client.server());
        assertFalse(pool.counts().idleServers() > 0);
    }

    // ---------------------------------------------------------------- plumbing

    private Pool warmPool(int size, int min) {
        Pool pool = pool(size, min);
        pool.join();
        pool.openServersIfDue();
        while (opener.pending() > 0) {
            opener.loginNext();
        }
        assertEquals(min, pool.counts().idleServers());
        return pool;
    }

    private Pool pool(int size, int min) {
        PoolSettings settings = TestLoops.settings("app", "alice", size, min, 0, Duration.ofSeconds(5), IDLE_TIMEOUT);
        return new Pool(new PoolKey("app", "alice"), settings, opener, PoolStats.DEFAULT_WINDOW, retry);
    }

}
