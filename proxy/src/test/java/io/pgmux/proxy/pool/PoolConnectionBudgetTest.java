package io.pgmux.proxy.pool;

import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.backend.ServerConnection;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code max_db_connections} and {@code max_user_connections}: pools sharing a {@link ConnectionBudget}
 * never have more servers open (or being opened) together than its limit; a pool at the limit queues
 * its clients and gets a slot when another pool's server closes, an idle one being closed to make
 * room. One opener plays every pool's logins; no network.
 */
class PoolConnectionBudgetTest {
    @RegisterExtension
    final TestLoops loops = new TestLoops();
    private final FakeOpener opener = loops.opener;

    /** Given two pools of one database limited to two servers. */
    @Nested
    class TwoPoolsOfADatabaseOfTwoServers {
        private final ConnectionBudget database = new ConnectionBudget("database app", 2);
        private final Pool alice = pool("alice", database);
        private final Pool bob = pool("bob", database);

        @Test
        void aPoolAtTheDatabaseLimitWaitsAndGetsTheSlotAnotherPoolFrees() {
            // given the first pool holding two
            ServerConnection first = loops.holdOne(alice);
            loops.holdOne(alice);

            // when a client of the other pool needs a server
            TestWaiter waiting = loops.waiter();
            bob.acquire(waiting);
            bob.openServersIfDue();

            // then nothing is opened: it waits
            assertEquals(0, opener.pending());
            assertEquals(2, database.used());
            assertEquals(1, bob.counts().waiting());

            // when one of the first pool's servers closes, the waiting pool opens one at once
            first.close();
            opener.loginTheOnlyRequestFor(waiting);
            assertEquals(2, database.used());
        }

        @Test
        void anIdleServerOfAnotherPoolIsClosedToMakeRoomForWaitingClients() {
            // given the first pool's two servers, one of them idle
            ServerConnection idle = loops.holdOne(alice);
            ServerConnection busy = loops.holdOne(alice);
            alice.release(idle);
            assertEquals(1, alice.counts().idleServers());

            // when a client of the other pool needs a server
            TestWaiter waiting = loops.waiter();
            bob.acquire(waiting);

            // then the idle server is closed and, once it has, the waiting pool opens its own
            assertEquals(0, alice.counts().idleServers());
            opener.loginTheOnlyRequestFor(waiting);
            assertEquals(2, database.used());
            assertEquals(1, alice.counts().activeServers());
            alice.release(busy);
        }

        @Test
        void aReplicationClientAtTheDatabaseLimitHasAnIdleServerOfAnotherPoolClosed() {
            // given the first pool's two servers, one of them idle
            ServerConnection idle = loops.holdOne(alice);
            ServerConnection busy = loops.holdOne(alice);
            alice.release(idle);

            // when a replication client of the other pool asks for its own server
            TestWaiter replication = loops.waiter();
            bob.acquireDedicated(replication, Map.of("replication", "true"));

            // then the idle server is closed and, once it has, the replication client's opens, within the limit
            assertFalse(idle.isOpen());
            assertEquals(Map.of("replication", "true"), opener.oldest().target().startup());
            opener.loginTheOnlyRequestFor(replication);
            assertEquals(2, database.used());
            alice.release(busy);
        }
    }

    @Test
    void serversKeptWarmByMinPoolSizeCloseNoOtherPoolsServer() {
        // given the first pool's idle server, the database's limit of one
        ConnectionBudget database = new ConnectionBudget("database app", 1);
        Pool alice = pool("alice", database);
        Pool bob = pool("bob", 5, 1, database, ConnectionBudget.unlimited("user bob"));
        alice.release(loops.holdOne(alice));

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
        ServerConnection held = loops.holdOne(app);

        // when a client of the other database needs a server, it waits
        TestWaiter waiting = loops.waiter();
        reports.acquire(waiting);
        assertEquals(0, opener.pending());

        // and gets one when the first is given back (idle: closed to make room at the next sweep)
        app.release(held);
        reports.openServersIfDue();
        opener.loginTheOnlyRequestFor(waiting);
        assertEquals(1, user.used());
    }

    /** Given a database limited to one server, and a pool of it. */
    @Nested
    class OneServerForTheDatabase {
        private final ConnectionBudget database = new ConnectionBudget("database app", 1);
        private final Pool alice = pool("alice", database);

        @Test
        void aRaisedLimitWakesTheWaitingPool() {
            TestWaiter waiting = waitingBehindTheHeldServer();
            assertEquals(0, opener.pending());

            PoolBudgets.wake(database.setLimit(2));

            opener.loginTheOnlyRequestFor(waiting);
        }

        @Test
        void aClientWaitingPastQueryWaitTimeoutIsToldWhichLimitWasReached() {
            TestWaiter waiting = waitingBehindTheHeldServer();

            alice.expireWaiters(System.nanoTime() + Duration.ofSeconds(3).toNanos());

            ErrorResponse error = waiting.runTasks().failures.get(0);
            assertEquals(SqlState.TOO_MANY_CONNECTIONS, error.sqlState());
            assertTrue(error.message().contains("max_db_connections of database app (1 of 1)"), error.message());
        }

        @Test
        void aServerThatFailsToLogInGivesItsSlotBack() {
            alice.acquire(loops.waiter());
            assertEquals(1, database.used());

            opener.failNext(ErrorResponse.fatal(SqlState.INVALID_PASSWORD, "no"));

            assertEquals(0, database.used());
        }

        /** The database's one server held by a client of the pool, and another client waiting. */
        private TestWaiter waitingBehindTheHeldServer() {
            loops.holdOne(alice);
            TestWaiter waiting = loops.waiter();
            alice.acquire(waiting);
            return waiting;
        }
    }

    /** Given a database budget of four shared with peer replicas, and this replica's pool holding all four. */
    @Nested
    class AShareOfTheDatabaseAmongReplicas {
        private final ConnectionBudget database = new ConnectionBudget("database app", 12);
        private final Pool alice = pool("alice", database);

        @Test
        void aLoweredShareClosesIdleServersAtOnceAndBusyOnesWhenReleased() {
            // given a share of four, all in use, two of them idle now
            database.setShare(4);
            ServerConnection idle1 = loops.holdOne(alice);
            ServerConnection idle2 = loops.holdOne(alice);
            ServerConnection busy1 = loops.holdOne(alice);
            ServerConnection busy2 = loops.holdOne(alice);
            alice.release(idle1);
            alice.release(idle2);
            assertEquals(4, database.used());

            // when the share drops to one (a replica joined)
            PoolBudgets.wake(database.setShare(1));
            database.shedExcess();

            // then both idle servers are closed at once
            assertEquals(0, alice.counts().idleServers());
            assertEquals(2, database.used());
            // and the first busy one released is closed, the second kept: one is the share
            alice.release(busy1);
            assertEquals(1, database.used());
            alice.release(busy2);
            assertEquals(1, database.used());
            assertEquals(1, alice.counts().idleServers());
        }

        @Test
        void aShareOfZeroOpensNothingAndARaisedShareWakesTheWaitingPool() {
            // given no share yet (a replica that has not heard its peers agree)
            database.setShare(0);
            TestWaiter waiting = loops.waiter();
            alice.acquire(waiting);
            alice.openServersIfDue();
            assertEquals(0, opener.pending());
            assertEquals(0, database.used());

            // when the share is granted, the waiting client gets a server
            PoolBudgets.wake(database.setShare(3));
            opener.loginTheOnlyRequestFor(waiting);
            assertEquals(1, database.used());
        }
    }

    // ---------------------------------------------------------------- plumbing

    /** A pool of five of {@code user} in database app, whose servers count against {@code database} only. */
    private Pool pool(String user, ConnectionBudget database) {
        return pool(user, 5, 0, database, ConnectionBudget.unlimited("user " + user));
    }

    private Pool pool(String user, int size, int min, ConnectionBudget database, ConnectionBudget userBudget) {
        return pool("app", user, size, min, database, userBudget);
    }

    private Pool pool(String db, String user, int size, int min, ConnectionBudget database, ConnectionBudget userBudget) {
        PoolSettings settings = TestLoops.settings(db, user, size, min, 0, Duration.ofSeconds(5), Duration.ZERO);
        return new Pool(new PoolKey(db, user), settings, opener, PoolStats.DEFAULT_WINDOW, LoginRetry.system(),
                new PoolBudgets(database, userBudget));
    }


}
