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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One pool, its lists and its admin states, with no network: the opener only notes what the pool
 * asks for and the test plays each server's login; every waiter and server has an event loop of
 * its own (an embedded channel's), so that locality can be seen.
 */
class PoolTest {
    private static final HostPort UPSTREAM = new HostPort("db.invalid", 5432);
    private static final Duration QUERY_WAIT = Duration.ofSeconds(2);
    private static final Duration LOGIN_RETRY = Duration.ofSeconds(60);
    private static final Map<String, String> REPLICATION_STARTUP = Map.of("replication", "database", "application_name", "abc");

    private final FakeOpener opener = new FakeOpener();
    private final List<EmbeddedChannel> loops = new ArrayList<>();

    @AfterEach
    void closeEverything() {
        opener.releaseAll();
        loops.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    // ---------------------------------------------------------------- acquire and release

    @Test
    void aWaiterWithNoIdleServerQueuesAndGetsTheServerOpenedOnItsLoop() {
        // given an empty pool
        Pool pool = pool(2);
        TestWaiter waiter = waiter();

        // when a client needs a server
        boolean queued = pool.acquire(waiter);

        // then it waits, and one server is asked for, on the client's loop, for the pool's upstream
        assertTrue(queued);
        assertEquals(1, opener.pending());
        assertSame(waiter.executor(), opener.oldest().preferredLoop());
        assertEquals(pool.settings().target(), opener.oldest().target());
        assertSame(pool, opener.oldest().lifecycle());
        PoolCounts counts = pool.counts();
        assertEquals(1, counts.waiting());
        assertEquals(1, counts.connectingServers());

        // when that server logs in, the client has it
        ServerConnection server = opener.loginNext();
        assertSame(server, waiter.server());
        counts = pool.counts();
        assertEquals(0, counts.waiting());
        assertEquals(1, counts.activeServers());
        assertEquals(0, counts.connectingServers());
        assertEquals(0, counts.idleServers());
    }

    @Test
    void anIdleServerIsHandedOutAtOnceAndNoOtherIsOpened() {
        // given a pool whose one server went idle
        Pool pool = pool(2);
        ServerConnection server = holdOne(pool, loop());
        pool.release(server);
        assertEquals(1, pool.counts().idleServers());

        // when the next client needs a server
        TestWaiter next = waiter();
        boolean queued = pool.acquire(next);

        // then it gets the idle one without waiting, and nothing new is opened
        assertFalse(queued);
        assertSame(server, next.server());
        assertEquals(0, opener.pending());
        assertEquals(1, pool.counts().activeServers());
    }

    @Test
    void aReleasedServerGoesToTheWaitersInTheOrderTheyCame() {
        // given a pool of one, its server held, two more clients queued on other loops
        Pool pool = pool(1);
        ServerConnection server = holdOne(pool, loop());
        TestWaiter second = waiter();
        TestWaiter third = waiter();
        pool.acquire(second);
        pool.acquire(third);
        assertEquals(0, opener.pending(), "a full pool opens nothing more");

        // when the holder gives it back, the first in the queue has it; then the next
        pool.release(server);
        assertSame(server, second.server());
        assertTrue(third.assigned.isEmpty());
        assertEquals(1, pool.counts().waiting());

        pool.release(server);
        assertSame(server, third.server());
        assertEquals(0, pool.counts().waiting());
        assertEquals(1, pool.counts().activeServers());
    }

    // ---------------------------------------------------------------- locality

    @Test
    void anIdleServerOnTheWaitersOwnLoopIsPreferredToTheMostRecentlyReleased() {
        // given two idle servers, the one on loop A released first
        Pool pool = pool(2);
        TestWaiter one = waiter();
        TestWaiter two = waiter();
        pool.acquire(one);
        pool.acquire(two);
        EmbeddedChannel loopA = loop();
        ServerConnection onA = opener.loginNext(loopA);
        ServerConnection onB = opener.loginNext();
        pool.release(onA);
        pool.release(onB);

        // when a client on loop A needs a server, then it gets the one on its loop
        TestWaiter onLoopA = new TestWaiter(loopA);
        pool.acquire(onLoopA);
        assertSame(onA, onLoopA.server());

        // and a client on another loop gets the other
        TestWaiter elsewhere = waiter();
        pool.acquire(elsewhere);
        assertSame(onB, elsewhere.server());
    }

    @Test
    void aWaiterOnTheReleasedServersLoopGoesBeforeAHeadThatJustStartedWaiting() {
        // given a pool of one whose server is on loop A, and two clients queued: first one elsewhere, then one on A
        Pool pool = pool(1);
        EmbeddedChannel loopA = loop();
        ServerConnection server = holdOne(pool, loopA);
        long start = System.nanoTime();
        TestWaiter head = waiter();
        TestWaiter local = new TestWaiter(loopA);
        pool.acquire(head);
        pool.acquire(local);

        // when the server is released within the head's grace (2 ms)
        pool.release(server);
        assumeTrue(System.nanoTime() - start < TimeUnit.MICROSECONDS.toNanos(1_500), "the machine was too slow to stay within the grace");

        // then the client on the server's loop has it, and the head still waits
        assertSame(server, local.server());
        assertTrue(head.assigned.isEmpty());
        assertEquals(1, pool.counts().waiting());
    }

    @Test
    void aHeadThatWaitedPastTheGraceIsServedFirstWhateverItsLoop() throws InterruptedException {
        // given the same queue, the head waiting longer than the grace
        Pool pool = pool(1);
        EmbeddedChannel loopA = loop();
        ServerConnection server = holdOne(pool, loopA);
        TestWaiter head = waiter();
        TestWaiter local = new TestWaiter(loopA);
        pool.acquire(head);
        pool.acquire(local);
        Thread.sleep(5);

        // when the server is released, then the head has it
        pool.release(server);
        assertSame(server, head.server());
        assertTrue(local.assigned.isEmpty());
    }

    // ---------------------------------------------------------------- waiting too long, failing to log in

    @Test
    void aClientQueuedLongerThanQueryWaitTimeoutIsToldSoAndLeavesTheQueue() {
        // given a pool of one whose server is held, and a client queued
        Pool pool = pool(1);
        ServerConnection server = holdOne(pool, loop());
        TestWaiter waiting = waiter();
        pool.acquire(waiting);
        long queuedAt = System.nanoTime();

        // when the sweep runs before the timeout, nothing happens
        pool.expireWaiters(queuedAt);
        assertTrue(waiting.runTasks().failures.isEmpty());
        assertEquals(1, pool.counts().waiting());

        // when it runs after the timeout, the client is told, with 53300 and the setting named
        pool.expireWaiters(queuedAt + QUERY_WAIT.toNanos() + TimeUnit.MILLISECONDS.toNanos(10));
        assertEquals(1, waiting.runTasks().failures.size());
        ErrorResponse error = waiting.failures.get(0);
        assertEquals(SqlState.TOO_MANY_CONNECTIONS, error.sqlState());
        assertTrue(error.message().contains("query_wait_timeout (2s)"), error.message());
        assertEquals(0, pool.counts().waiting());

        // and the released server goes idle rather than to the client that gave up
        pool.release(server);
        assertTrue(waiting.assigned.isEmpty());
        assertEquals(1, pool.counts().idleServers());
    }

    @Test
    void aFailedLoginIsToldToTheQueueAndToNewClientsUntilTheRetryInterval() {
        // given a client waiting for the pool's first server
        Pool pool = pool(2);
        TestWaiter waiting = waiter();
        pool.acquire(waiting);

        // when Postgres refuses the login
        ErrorResponse refused = ErrorResponse.fatal(SqlState.INVALID_PASSWORD, "password authentication failed for user \"alice\"");
        opener.failNext(refused);

        // then the waiting client gets Postgres's error, and the pool holds nothing
        assertEquals(List.of(refused), waiting.runTasks().failures);
        assertEquals(refused, pool.lastLoginError());
        assertEquals(0, pool.counts().servers());

        // and a client arriving within server_login_retry gets it at once, without a new attempt
        TestWaiter late = waiter();
        assertFalse(pool.acquire(late));
        assertEquals(List.of(refused), late.runTasks().failures);
        assertEquals(0, opener.pending());
    }

    // ---------------------------------------------------------------- pause, resume, reconnect

    @Test
    void pauseClosesIdleServersAtOnceAndHeldOnesWhenReleasedAndResumeServesTheQueue() {
        // given a pool with one server held and one idle
        Pool pool = pool(2);
        ServerConnection held = holdOne(pool, loop());
        ServerConnection idle = holdOne(pool, loop());
        pool.release(idle);
        assertEquals(1, pool.counts().idleServers());

        // when the pool is paused, the idle server closes, the held one stays with its client
        CompletableFuture<Void> drained = pool.pause();
        assertFalse(idle.isOpen());
        assertTrue(held.isOpen());
        assertFalse(drained.isDone());
        assertTrue(pool.isPaused());

        // and a client that needs a server queues without a server being opened
        TestWaiter queued = waiter();
        assertTrue(pool.acquire(queued));
        assertEquals(0, opener.pending());

        // when the held server is released, it closes and the pause is complete
        pool.release(held);
        assertFalse(held.isOpen());
        assertTrue(drained.isDone());
        assertEquals(0, pool.counts().servers());
        assertTrue(queued.assigned.isEmpty());

        // when the pool resumes, a server opens for the queued client
        pool.resume();
        assertFalse(pool.isPaused());
        assertEquals(1, opener.pending());
        ServerConnection fresh = opener.loginNext();
        assertSame(fresh, queued.server());
    }

    @Test
    void reconnectRetiresIdleServersNowAndHeldOnesWhenReleasedAndWaitCloseFollowsThem() {
        // given a pool with one server held and one idle
        Pool pool = pool(2);
        ServerConnection held = holdOne(pool, loop());
        ServerConnection idle = holdOne(pool, loop());
        pool.release(idle);
        assertEquals(1, pool.counts().idleServers());

        // when RECONNECT runs, the idle server closes and the held one is marked to close
        pool.reconnect();
        CompletableFuture<Void> closed = pool.waitClose();
        assertFalse(idle.isOpen());
        assertTrue(held.isOpen());
        assertEquals(Map.of(held, true), closeNeeded(pool));
        assertFalse(closed.isDone());

        // when the held server is released, it closes instead of going idle, and WAIT_CLOSE completes
        pool.release(held);
        assertFalse(held.isOpen());
        assertTrue(closed.isDone());
        assertEquals(0, pool.counts().idleServers());

        // and the next client gets a server of the new generation
        TestWaiter next = waiter();
        pool.acquire(next);
        ServerConnection fresh = opener.loginNext();
        assertSame(fresh, next.server());
        assertEquals(Map.of(fresh, false), closeNeeded(pool));
        assertTrue(pool.waitClose().isDone());
    }

    @Test
    void aReloadThatChangesTheUpstreamOpensTheNextServersThereAndRetiresTheOld() {
        // given a pool with an idle server
        Pool pool = pool(2);
        ServerConnection old = holdOne(pool, loop());
        pool.release(old);

        // when a reload moves the database to another host
        HostPort moved = new HostPort("db2.invalid", 5433);
        pool.updateSettings(settings(2, moved));

        // then the old server closes and the next one is opened on the new host
        assertFalse(old.isOpen());
        TestWaiter next = waiter();
        pool.acquire(next);
        assertEquals(moved, opener.oldest().target().server());
        assertSame(opener.loginNext(), next.server());
    }

    // ---------------------------------------------------------------- server phases

    @Test
    void aServerIsLoggingInThenActiveThenIdleThenActiveAgainAndTheCountsFollow() {
        // given a client waiting for the pool's first server, which has started to connect
        Pool pool = pool(2);
        TestWaiter first = waiter();
        pool.acquire(first);
        ServerConnection server = opener.openNext();

        // then the pool lists it as logging in, shown as "new", counted as connecting
        assertEquals(Map.of(server, ServerPhase.LOGIN), phases(pool));
        assertEquals("new", pool.servers().get(0).phase().displayName());
        assertCounts(pool, 0, 0, 1, 0);

        // when it logs in, the waiting client holds it
        pool.onServerReady(server);
        assertSame(server, first.server());
        assertEquals(Map.of(server, ServerPhase.ACTIVE), phases(pool));
        assertCounts(pool, 1, 0, 0, 0);

        // when the client gives it back, it is idle
        pool.release(server);
        assertEquals(Map.of(server, ServerPhase.IDLE), phases(pool));
        assertCounts(pool, 0, 1, 0, 0);

        // when the next client needs one, it is active again
        TestWaiter second = waiter();
        pool.acquire(second);
        assertSame(server, second.server());
        assertEquals(Map.of(server, ServerPhase.ACTIVE), phases(pool));
        assertCounts(pool, 1, 0, 0, 0);
    }

    @Test
    void aRetiredServerCountsAsClosingUntilItsConnectionIsGoneAndIsNotListed() {
        // given a pool with one server held and one idle, whose closes reach the pool late (as on a real loop)
        opener.holdCloseReports();
        Pool pool = pool(2);
        ServerConnection held = holdOne(pool, loop());
        ServerConnection idle = holdOne(pool, loop());
        pool.release(idle);

        // when RECONNECT retires the idle one, it is closing: counted as such, no longer listed nor counted against the size
        pool.reconnect();
        assertFalse(idle.isOpen());
        assertEquals(Map.of(held, ServerPhase.ACTIVE), phases(pool));
        assertCounts(pool, 1, 0, 0, 1);
        assertEquals(1, pool.counts().servers());

        // when its close is reported, it is gone
        assertEquals(1, opener.reportHeldCloses());
        assertCounts(pool, 1, 0, 0, 0);

        // and the held one, of the old generation, goes the same way when released
        pool.release(held);
        assertEquals(Map.of(), phases(pool));
        assertCounts(pool, 0, 0, 0, 1);
        assertFalse(pool.closeIfUnused(0, 0), "a pool with a server still closing is not unused");
        assertEquals(1, opener.reportHeldCloses());
        assertCounts(pool, 0, 0, 0, 0);
        assertTrue(pool.closeIfUnused(0, 0), "once the last close is reported, the pool is unused");
    }

    @Test
    void aServerThatDiesLeavesItsListAndItsSlotGoesToTheNextWaiter() {
        // given a full pool of one whose server is held, and a client queued for it
        Pool pool = pool(1);
        ServerConnection held = holdOne(pool, loop());
        TestWaiter queued = waiter();
        pool.acquire(queued);
        assertEquals(0, opener.pending());

        // when the held server's connection dies
        held.close();

        // then it is gone, and a new server is asked for the queued client
        assertEquals(Map.of(), phases(pool));
        assertCounts(pool, 0, 0, 1, 0);
        assertEquals(1, opener.pending());
        ServerConnection fresh = opener.loginNext();
        assertSame(fresh, queued.server());

        // and an idle server that dies leaves the idle list
        pool.release(fresh);
        assertCounts(pool, 0, 1, 0, 0);
        fresh.close();
        assertEquals(Map.of(), phases(pool));
        assertCounts(pool, 0, 0, 0, 0);
    }

    @Test
    void aServerWhoseHostDidNotResolveFreesItsSlot() {
        // given a client waiting for the pool's first server
        Pool pool = pool(1);
        TestWaiter waiting = waiter();
        pool.acquire(waiting);
        assertCounts(pool, 0, 0, 1, 0);

        // when the opener fails before any connection was made
        ErrorResponse unresolved = ErrorResponse.fatal(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION, "pgmux could not resolve server host");
        opener.failNextBeforeOpening(unresolved);

        // then the client is told, and the pool counts nothing
        assertEquals(List.of(unresolved), waiting.runTasks().failures);
        assertCounts(pool, 0, 0, 0, 0);
        assertEquals(0, pool.counts().servers());
    }

    @Test
    void aMoveThePhasesDoNotAllowIsRefusedAndChangesNothing() {
        // given a pool whose one server is idle
        Pool pool = pool(2);
        ServerConnection server = holdOne(pool, loop());
        pool.release(server);

        // when it is released again, or reported logged in again, the pool refuses
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> pool.release(server));
        assertTrue(twice.getMessage().contains("cannot move from ACTIVE to IDLE: it is IDLE"), twice.getMessage());
        assertThrows(IllegalStateException.class, () -> pool.onServerReady(server));

        // then it is still idle, counted once, and serves the next client
        assertEquals(Map.of(server, ServerPhase.IDLE), phases(pool));
        assertCounts(pool, 0, 1, 0, 0);
        TestWaiter next = waiter();
        assertFalse(pool.acquire(next));
        assertSame(server, next.server());
        assertCounts(pool, 1, 0, 0, 0);
    }

    // ---------------------------------------------------------------- unused pools

    @Test
    void aPoolClosesOnlyAfterItHasBeenUnusedForTheWholeDelayAndThenRefusesClients() {
        // given a pool a client has joined
        Pool pool = pool(2);
        assertTrue(pool.join());
        long start = System.nanoTime();
        long delay = TimeUnit.SECONDS.toNanos(1);
        assertFalse(pool.closeIfUnused(start, 0), "a pool with a client stays");

        // when the client leaves, the pool closes once it has been unused for the delay, not before
        pool.onClientLeft();
        assertFalse(pool.closeIfUnused(start, delay));
        assertFalse(pool.closeIfUnused(start + delay - 1, delay));
        assertTrue(pool.closeIfUnused(start + delay, delay));

        // then it refuses new clients, and a request for a server gets 57P01
        assertFalse(pool.join());
        TestWaiter late = waiter();
        assertFalse(pool.acquire(late));
        assertEquals(SqlState.ADMIN_SHUTDOWN, late.runTasks().failures.get(0).sqlState());
        assertEquals(0, opener.pending());
    }

    @Test
    void aPoolWithAnOpenServerIsNotUnused() {
        // given a pool whose client left but whose server is idle
        Pool pool = pool(2);
        pool.join();
        pool.release(holdOne(pool, loop()));
        pool.onClientLeft();

        // then however long it waits, it is not closed
        assertFalse(pool.closeIfUnused(0, 0));
        assertFalse(pool.closeIfUnused(Long.MAX_VALUE / 2, 0));
        assertTrue(pool.join());
    }

    // ---------------------------------------------------------------- plumbing

    // ---------------------------------------------------------------- a replication client's own server (acquireDedicated)

    @Test
    void aNewServerIsOpenedWithTheClientsStartupParametersEvenWhenAnIdleOneIsThere() {
        // given a pool of two with one idle server
        Pool pool = pool(2);
        ServerConnection idle = holdOne(pool, loop());
        pool.release(idle);

        // when a replication client asks for its own server
        TestWaiter client = waiter();
        pool.acquireDedicated(client, REPLICATION_STARTUP);

        // then a new one is opened on its loop, with its parameters, and it is the client's once logged in
        assertTrue(client.assigned.isEmpty(), "the idle server is not the replication client's");
        assertEquals(REPLICATION_STARTUP, opener.oldest().target().startup());
        assertSame(client.executor(), opener.oldest().preferredLoop());
        ServerConnection own = opener.loginNext();
        assertSame(own, client.server());
        assertCounts(pool, 1, 1, 0, 0);
    }

    @Test
    void aFullPoolClosesAnIdleServerToMakeRoom() {
        // given a pool of one whose server is idle
        Pool pool = pool(1);
        ServerConnection idle = holdOne(pool, loop());
        pool.release(idle);

        // when a replication client asks
        pool.acquireDedicated(waiter(), REPLICATION_STARTUP);

        // then the idle server is closing and the client's own is being opened, within pool_size
        assertFalse(idle.isOpen(), "the idle server was closed");
        assertEquals(1, opener.pending());
        assertEquals(1, pool.counts().servers());
    }

    @Test
    void withEveryServerHeldTheReplicationClientWaitsUntilOneIsReleased() {
        // given a pool of one whose server is held
        Pool pool = pool(1);
        ServerConnection held = holdOne(pool, loop());
        TestWaiter client = waiter();

        // when a replication client asks, it waits and nothing is opened
        pool.acquireDedicated(client, REPLICATION_STARTUP);
        assertEquals(0, opener.pending());
        assertEquals(1, pool.counts().waiting());

        // when the holder gives its server back, that server closes and the client's own opens
        pool.release(held);
        assertFalse(held.isOpen());
        assertEquals(1, opener.pending());
        assertEquals(REPLICATION_STARTUP, opener.oldest().target().startup());
        assertSame(opener.loginNext(), client.server());
        assertEquals(0, pool.counts().waiting());
    }

    @Test
    void itsServerClosingFreesTheSlotForTheNextReplicationClient() {
        Pool pool = pool(1);
        TestWaiter first = waiter();
        TestWaiter second = waiter();
        pool.acquireDedicated(first, REPLICATION_STARTUP);
        ServerConnection own = opener.loginNext();
        pool.acquireDedicated(second, REPLICATION_STARTUP);
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
        pool.acquireDedicated(client, REPLICATION_STARTUP);
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
        assertCounts(pool, 1, 0, 0, 0);
    }

    @Test
    void aReplicationClientThatLeftWhileWaitingIsNotServed() {
        Pool pool = pool(1);
        holdOne(pool, loop());
        TestWaiter client = waiter();
        pool.acquireDedicated(client, REPLICATION_STARTUP);

        assertTrue(pool.cancelWait(client));
        assertEquals(0, pool.counts().waiting());
    }

    private Pool pool(int size) {
        return new Pool(new PoolKey("app", "alice"), settings(size, UPSTREAM), opener);
    }

    private static PoolSettings settings(int size, HostPort upstream) {
        return new PoolSettings(upstream, "app", "alice", "secret", size, PoolMode.TRANSACTION,
                QUERY_WAIT, Duration.ofSeconds(15), LOGIN_RETRY, Duration.ZERO, Duration.ZERO,
                "DISCARD ALL", PreparedStatementMode.REWRITE, 200, 10_000, 16 << 20);
    }

    /** A client gets a newly opened server, on {@code serverLoop}, and keeps it. */
    private ServerConnection holdOne(Pool pool, EmbeddedChannel serverLoop) {
        TestWaiter holder = waiter();
        pool.acquire(holder);
        ServerConnection server = opener.loginNext(serverLoop);
        assertSame(server, holder.server());
        return server;
    }

    /** A client on an event loop of its own. */
    private TestWaiter waiter() {
        return new TestWaiter(loop());
    }

    private EmbeddedChannel loop() {
        EmbeddedChannel channel = new EmbeddedChannel();
        loops.add(channel);
        return channel;
    }

    private static Map<ServerConnection, ServerPhase> phases(Pool pool) {
        return pool.servers().stream().collect(Collectors.toMap(ServerState::server, ServerState::phase));
    }

    private static void assertCounts(Pool pool, int active, int idle, int connecting, int closing) {
        PoolCounts counts = pool.counts();
        assertEquals(List.of(active, idle, connecting, closing), List.of(counts.activeServers(), counts.idleServers(),
                counts.connectingServers(), counts.closingServers()), "active, idle, connecting, closing: " + counts);
    }

    private static Map<ServerConnection, Boolean> closeNeeded(Pool pool) {
        return pool.servers().stream().collect(Collectors.toMap(ServerState::server, ServerState::closeNeeded));
    }
}
