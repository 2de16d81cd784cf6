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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code max_db_connections} and {@code max_user_connections}: pools sharing a {@link ConnectionBudget}
 * never have more servers open (or being opened) together than its limit; a pool at the limit queues
 * its clients and gets a slot when another pool's server closes, an idle one being closed to make
 * room. One opener plays every pool's logins; no network.
 */
class PoolConnectionBudgetTest {
    private final FakeOpener opener = new FakeOpener();
    private final List<EmbeddedChannel> loops = new ArrayList<>();

    @AfterEach
    void closeEverything() {
        opener.releaseAll();
        loops.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    @Test
    void aPoolAtTheDatabaseLimitWaitsAndGetsTheSlotAnotherPoolFrees() {
        // given two pools of one database limited to two servers, the first holding two
        ConnectionBudget database = new ConnectionBudget("database app", 2);
        Pool alice = pool("alice", 5, 0, database, ConnectionBudget.unlimited("user alice"));
        Pool bob = pool("bob", 5, 0, database, ConnectionBudget.unlimited("user bob"));
        ServerConnection first = holdOne(alice);
        holdOne(alice);

        // when a client of the other pool needs a server
        TestWaiter waiting = waiter();
        bob.acquire(waiting);
        bob.openServersIfDue();

        // then nothing is opened: it waits
        assertEquals(0, opener.pending());
        assertEquals(2, database.used());
        assertEquals(1, bob.counts().waiting());

        // when one of the first pool's servers closes, the waiting pool opens one at once
        first.close();
        assertEquals(1, opener.pending());
        assertSame(opener.loginNext(), waiting.server());
        assertEquals(2, database.used());
    }

    @Test
    void anIdleServerOfAnotherPoolIsClosedToMakeRoomForWaitingClients() {
        // given the first pool's two servers, the database's limit, idle
        ConnectionBudget database = new ConnectionBudget("database app", 2);
        Pool alice = pool("alice", 5, 0, database, ConnectionBudget.unlimited("user alice"));
        Pool bob = pool("bob", 5, 0, database, ConnectionBudget.unlimited("user bob"));
        ServerConnection idle = holdOne(alice);
        ServerConnection busy = holdOne(alice);
        alice.release(idle);
        assertEquals(1, alice.counts().idleServers());

        // when a client of the other pool needs a server
        TestWaiter waiting = waiter();
        bob.acquire(waiting);

        // then the idle server is closed and, once it has, the waiting pool opens its own
        assertEquals(0, alice.counts().idleServers());
        assertEquals(1, opener.pending());
        assertSame(opener.loginNext(), waiting.server());
        assertEquals(2, database.used());
        assertEquals(1, alice.counts().activeServers());
        alice.release(busy);
    }

    @Test
    void serversKeptWarmByMinPoolSizeCloseNoOtherPoolsServer() {
        // given the first pool's idle server, the database's limit of one
        ConnectionBudget database = new ConnectionBudget("database app", 1);
        Pool alice = pool("alice", 5, 0, database, ConnectionBudget.unlimited("user alice"));
        Pool bob = pool("bob", 5, 1, database, ConnectionBudget.unlimited("user bob"));
        alice.release(holdOne(alice));

        // when the other pool, which keeps one server but has no waiting client, has a client
        bob.join();
        bob.openServersIfDue();

        // then it opens none and closes none of the first pool's
        assertEquals(0, opener.pending());
        assertEquals(1, alice.counts().idleServers());
    }

    @Test
    void theUserLimitCountsThePoolsOfEveryDatabase() {
        // given one user's pools of two databases, limited to one server for that user
        ConnectionBudget user = new ConnectionBudget("user alice", 1);
        Pool app = pool("app", "alice", 5, 0, ConnectionBudget.unlimited("database app"), user);
        Pool reports = pool("reports", "alice", 5, 0, ConnectionBudget.unlimited("database reports"), user);
        ServerConnection held = holdOne(app);

        // when a client of the other database needs a server, it waits
        TestWaiter waiting = waiter();
        reports.acquire(waiting);
        assertEquals(0, opener.pending());

        // and gets one when the first is given back (idle: closed to make room at the next sweep)
        app.release(held);
        reports.openServersIfDue();
        assertEquals(1, opener.pending());
        assertSame(opener.loginNext(), waiting.server());
        assertEquals(1, user.used());
    }

    @Test
    void aRaisedLimitWakesTheWaitingPool() {
        ConnectionBudget database = new ConnectionBudget("database app", 1);
        Pool alice = pool("alice", 5, 0, database, ConnectionBudget.unlimited("user alice"));
        holdOne(alice);
        TestWaiter waiting = waiter();
        alice.acquire(waiting);
        assertEquals(0, opener.pending());

        PoolBudgets.wake(database.setLimit(2));

        assertEquals(1, opener.pending());
        assertSame(opener.loginNext(), waiting.server());
    }

    @Test
    void aClientWaitingPastQueryWaitTimeoutIsToldWhichLimitWasReached() {
        ConnectionBudget database = new ConnectionBudget("database app", 1);
        Pool alice = pool("alice", 5, 0, database, ConnectionBudget.unlimited("user alice"));
        holdOne(alice);
        TestWaiter waiting = waiter();
        alice.acquire(waiting);

        alice.expireWaiters(System.nanoTime() + Duration.ofSeconds(3).toNanos());

        ErrorResponse error = waiting.runTasks().failures.get(0);
        assertEquals(SqlState.TOO_MANY_CONNECTIONS, error.sqlState());
        assertTrue(error.message().contains("max_db_connections of database app (1 of 1)"), error.message());
    }

    @Test
    void aServerThatFailsToLogInGivesItsSlotBack() {
        ConnectionBudget database = new ConnectionBudget("database app", 1);
        Pool alice = pool("alice", 5, 0, database, ConnectionBudget.unlimited("user alice"));
        alice.acquire(waiter());
        assertEquals(1, database.used());

        opener.failNext(ErrorResponse.fatal(SqlState.INVALID_PASSWORD, "no"));

        assertEquals(0, database.used());
    }

    // ---------------------------------------------------------------- plumbing

    private Pool pool(String user, int size, int min, ConnectionBudget database, ConnectionBudget userBudget) {
        return pool("app", user, size, min, database, userBudget);
    }

    private Pool pool(String db, String user, int size, int min, ConnectionBudget database, ConnectionBudget userBudget) {
        PoolSettings settings = new PoolSettings(new HostPort("db.invalid", 5432), db, user, "secret", size,
                PoolMode.TRANSACTION, Duration.ofSeconds(2), Duration.ofSeconds(15), Duration.ofSeconds(1), Duration.ZERO,
                Duration.ZERO, "DISCARD ALL", PreparedStatementMode.REWRITE, 200, 10_000, 16 << 20,
                min, 0, Duration.ofSeconds(5));
        return new Pool(new PoolKey(db, user), settings, opener, PoolStats.DEFAULT_WINDOW, LoginRetry.system(),
                new PoolBudgets(database, userBudget));
    }

    private ServerConnection holdOne(Pool pool) {
        TestWaiter holder = waiter();
        pool.acquire(holder);
        ServerConnection server = opener.loginNext();
        assertSame(server, holder.server());
        return server;
    }

    private TestWaiter waiter() {
        EmbeddedChannel loop = new EmbeddedChannel();
        loops.add(loop);
        return new TestWaiter(loop);
    }
}
