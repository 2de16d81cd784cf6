package io.pgmux.proxy.pool;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.backend.ServerConnection;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.config.PreparedStatementMode;
import io.pgmux.proxy.testing.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pool whose server logins fail, on a clock the test moves: how many attempts the server sees,
 * and which clients are told what. The opener notes what the pool asks for and the test plays each
 * attempt's outcome; {@link Pool#openServersIfDue()} is called as pgmux's 100 ms sweep would.
 */
class PoolLoginRetryTest {
    private static final Duration LOGIN_RETRY = Duration.ofSeconds(1);
    private static final long MILLI = 1_000_000L;
    private static final long SECOND = 1_000 * MILLI;
    private static final ErrorResponse REFUSED = ErrorResponse.fatal(SqlState.CONNECTION_FAILURE,
            "pgmux could not connect to server db.invalid:5432: Connection refused");
    private static final ErrorResponse WRONG_PASSWORD = ErrorResponse.fatal(SqlState.INVALID_PASSWORD,
            "password authentication failed for user \"alice\"");

    private final FakeOpener opener = new FakeOpener();
    private final List<EmbeddedChannel> loops = new ArrayList<>();
    private long now = 1_000 * SECOND;
    /** No jitter: the schedule is exact, 1 s, 2 s, 4 s, 8 s, 8 s... */
    private final LoginRetry retry = new LoginRetry(() -> now, FixedDraws.of(() -> 0.5));

    @AfterEach
    void closeEverything() {
        opener.releaseAll();
        loops.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    @Test
    void aServerThatRefusesEveryConnectionSeesOneAttemptPerWaitNotAStorm() {
        try (LogCapture log = LogCapture.start()) {
            // given a pool of ten whose ten clients were queued when the server went away
            Pool pool = pool(10);
            List<TestWaiter> clients = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                clients.add(queued(pool));
            }
            assertEquals(10, opener.pending());

            // when for ten seconds every connection is refused at once, a client arrives every 10 ms, and the sweep runs
            // (a storm ends the simulation early, at a thousand attempts)
            int attempts = 0;
            for (int ms = 0; ms < 10_000 && attempts < 1_000; ms++) {
                for (int i = 0; i < 100 && opener.pending() > 0; i++) {
                    opener.failNext(REFUSED);
                    attempts++;
                }
                if (ms % 10 == 0) {
                    TestWaiter client = waiter();
                    pool.acquire(client);
                    clients.add(client);
                }
                if (ms % 100 == 0) {
                    pool.openServersIfDue();
                }
                now += MILLI;
            }

            // then the server saw the ten that were opening, then one attempt after 1 s, 2 s and 4 s: 13 in all
            assertEquals(13, attempts);
            // and one warning per round, four in all, not one per attempt
            List<ILoggingEvent> warnings = log.events().stream().filter(e -> e.getLevel() == Level.WARN).toList();
            assertEquals(4, warnings.size(), () -> warnings.toString());
            assertTrue(warnings.get(1).getFormattedMessage().contains("attempts failed since the last report: 10,"),
                    warnings.get(1)::getFormattedMessage);
            assertTrue(warnings.get(3).getFormattedMessage().contains("next attempt in 8.0 s"), warnings.get(3)::getFormattedMessage);

            // and every client but the last few (queued for the next attempt) was told the error; none got anything else
            int told = 0;
            for (TestWaiter client : clients) {
                client.runTasks();
                assertTrue(client.assigned.isEmpty());
                told += client.failures.size();
                client.failures.forEach(error -> assertSame(REFUSED, error));
            }
            assertEquals(clients.size() - pool.counts().waiting(), told);
            assertTrue(pool.counts().waiting() <= 1, () -> "waiting: " + pool.counts());
        }
    }

    /** Given a pool of two whose two queued clients saw their server unreachable. */
    @Nested
    class TwoClientsQueuedWhileTheServerIsUnreachable {
        private final Pool pool = pool(2);
        private final TestWaiter first = waiter();
        private final TestWaiter second = waiter();

        @BeforeEach
        void queueAndRefuse() {
            assertTrue(pool.acquire(first));
            assertTrue(pool.acquire(second));
            while (opener.pending() > 0) {
                opener.failNext(REFUSED);
            }
        }

        @Test
        void anUnreachableServerKeepsTheQueueForOneWaitAndThenTellsIt() {
            // then the clients keep waiting (it may be a restart), a new one queues too, and nothing is tried during the wait
            TestWaiter third = queued(pool);
            assertNothingTold(first, second, third);
            assertEquals(3, pool.counts().waiting());
            now += LOGIN_RETRY.toNanos() - 1;
            pool.openServersIfDue();
            assertEquals(0, opener.pending());

            // when the wait is over, one attempt is made, however many wait
            now += 1;
            pool.openServersIfDue();
            pool.openServersIfDue();
            assertEquals(1, opener.pending());

            // and when it fails too, every waiting client is told, as pgmux could not connect
            opener.failNext(REFUSED);
            for (TestWaiter client : List.of(first, second, third)) {
                assertEquals(List.of(REFUSED), client.runTasks().failures);
            }
            assertEquals(0, pool.counts().waiting());

            // and a client that asks during the next wait (2 s) is told at once, without an attempt
            now += SECOND;
            TestWaiter late = waiter();
            assertFalse(pool.acquire(late));
            assertEquals(List.of(REFUSED), late.runTasks().failures);
            assertEquals(0, opener.pending());
        }

        @Test
        void aServerBackWithinTheFirstWaitServesEveryWaitingClient() {
            // when the attempt after the wait logs in
            now += LOGIN_RETRY.toNanos();
            pool.openServersIfDue();
            ServerConnection server = opener.loginNext();

            // then the first client has it, a server is opened at once for the second, which gets it
            assertSame(server, first.server());
            assertEquals(1, opener.pending());
            ServerConnection another = opener.loginNext();
            assertSame(another, second.server());
            assertNothingTold(first, second);

            // and the failing is over: the next failure will start from the setting's wait
            assertFalse(retry.isFailing());
        }
    }

    @Test
    void postgresRefusingTheLoginIsToldToEveryWaitingClientAtOnce() {
        // given three clients queued for a pool of two, both of whose servers are logging in
        Pool pool = pool(2);
        TestWaiter first = queued(pool);
        TestWaiter second = queued(pool);
        TestWaiter third = queued(pool);
        assertEquals(2, opener.pending());

        // when Postgres refuses the first login, every client is told its error as it sent it
        opener.failNext(WRONG_PASSWORD);
        for (TestWaiter client : List.of(first, second, third)) {
            assertEquals(List.of(WRONG_PASSWORD), client.runTasks().failures);
        }
        assertEquals(0, pool.counts().waiting());

        // and the other login, already under way, fails too without starting another wait
        opener.failNext(WRONG_PASSWORD);
        now += LOGIN_RETRY.toNanos() - 1;
        TestWaiter during = waiter();
        assertFalse(pool.acquire(during));
        assertEquals(List.of(WRONG_PASSWORD), during.runTasks().failures);

        // and after the wait, a client that asks causes one attempt, and is served if it works
        now += 1;
        TestWaiter after = queued(pool);
        opener.loginTheOnlyRequestFor(after);
    }

    @Test
    void clientsWaitingWhileALoggedInServerCanServeThemAreNotTold() {
        // given a pool of two, one server held, and a client queued while a second server logs in
        Pool pool = pool(2);
        TestWaiter holder = queued(pool);
        ServerConnection held = opener.loginNext();
        TestWaiter waiting = queued(pool);
        assertEquals(1, opener.pending());

        // when Postgres refuses the second login (too many connections for the role)
        ErrorResponse tooMany = ErrorResponse.fatal(SqlState.TOO_MANY_CONNECTIONS, "too many connections for role \"alice\"");
        opener.failNext(tooMany);

        // then the client keeps waiting, the holder keeps its server, and a new client queues too
        assertNothingTold(holder, waiting);
        assertSame(held, holder.server());
        TestWaiter next = queued(pool);

        // and when the holder is done, the waiting clients get the server in turn
        pool.release(held);
        assertSame(held, waiting.server());
        pool.release(held);
        assertSame(held, next.server());
        assertNothingTold(waiting, next);
    }

    @Test
    void aReloadWithOtherCredentialsEndsTheWait() {
        // given a pool whose login was refused, within its wait
        Pool pool = pool(2);
        TestWaiter first = queued(pool);
        opener.failNext(WRONG_PASSWORD);
        assertEquals(List.of(WRONG_PASSWORD), first.runTasks().failures);

        // when a reload brings the right password, then the next client gets an attempt at once
        pool.updateSettings(settings(2, "the-right-one"));
        TestWaiter next = queued(pool);
        assertEquals("the-right-one", opener.oldest().target().password());
        assertSame(opener.loginNext(), next.server());
    }

    @Test
    void aLoginOpenedBeforeAReloadThatFailsAfterItIsNoReasonToWaitAndTellsNobody() {
        // given a client waiting for a login opened with a wrong password, and a reload that brings the right one
        Pool pool = pool(2);
        TestWaiter waiting = queued(pool);
        ServerConnection opening = opener.openNext();
        pool.updateSettings(settings(2, "the-right-one"));
        assertEquals(0, opener.pending(), "the login under way is not doubled");

        // when the old login fails
        pool.onServerLoginFailed(opening, WRONG_PASSWORD);

        // then the client is not told the old error, no wait begins, and a login with the new password is made for it
        assertNothingTold(waiting);
        assertFalse(retry.isFailing());
        assertEquals(1, opener.pending());
        assertEquals("the-right-one", opener.oldest().target().password());
        assertSame(opener.loginNext(), waiting.server());
    }

    // ---------------------------------------------------------------- plumbing

    private Pool pool(int size) {
        return new Pool(new PoolKey("app", "alice"), settings(size, "secret"), opener, PoolStats.DEFAULT_WINDOW, retry);
    }

    private static PoolSettings settings(int size, String password) {
        return new PoolSettings(new HostPort("db.invalid", 5432), "app", "alice", password, size, PoolMode.TRANSACTION,
                Duration.ofSeconds(120), Duration.ofSeconds(15), LOGIN_RETRY, Duration.ZERO, Duration.ZERO,
                "DISCARD ALL", PreparedStatementMode.REWRITE, 200, 10_000, 16 << 20);
    }

    private TestWaiter queued(Pool pool) {
        TestWaiter waiter = waiter();
        assertTrue(pool.acquire(waiter));
        return waiter;
    }

    private TestWaiter waiter() {
        EmbeddedChannel loop = new EmbeddedChannel();
        loops.add(loop);
        return new TestWaiter(loop);
    }

    private static void assertNothingTold(TestWaiter... clients) {
        for (TestWaiter client : clients) {
            assertEquals(List.of(), client.runTasks().failures);
        }
    }
}
