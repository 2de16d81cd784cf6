package io.pgmux.proxy.pool;

import io.pgmux.proxy.backend.ServerOpener;
import io.pgmux.proxy.config.ConfigException;
import io.pgmux.proxy.config.ConfigLoader;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.config.PreparedStatementMode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry's admin state (which databases are paused), what a reload does to its pools, and how
 * pools come and go: made by a client that logged in, removed when unused, bounded by max_pools. No
 * server is opened.
 */
class PoolRegistryTest {
    private static final ServerOpener NEVER_USED = (target, lifecycle, loop) -> {
        throw new AssertionError("no test here needs a server");
    };

    private static PoolRegistry registry(String yaml) throws ConfigException {
        return new PoolRegistry(ConfigLoader.parse(yaml, Map.of()), NEVER_USED);
    }

    /** PAUSE and RESUME, of one database and of all, on a registry of the default config. */
    @Nested
    class PauseAndResume {
        private PoolRegistry pools;

        @BeforeEach
        void defaultConfig() throws ConfigException {
            pools = registry("");
        }

        @Test
        void pausingAnEmptyPoolCompletesAtOnceAndResumeUnpausesIt() {
            Pool pool = joined(pools, "app", "alice");

            assertTrue(pools.pause("app").isDone());
            assertTrue(pool.isPaused());
            assertTrue(pools.isPaused("app"));
            assertFalse(pools.isPaused("other"));

            assertTrue(pools.resume("app"));
            assertFalse(pool.isPaused());
            assertFalse(pools.resume("app"), "app is no longer paused");
        }

        @Test
        void aPoolCreatedWhileItsDatabaseIsPausedStartsPaused() {
            pools.pauseAll();

            Pool created = joined(pools, "app", "bob");

            assertTrue(created.isPaused());
            assertTrue(pools.resumeAll());
            assertFalse(created.isPaused());
            assertFalse(pools.resumeAll(), "nothing is paused any more");
        }

        @Test
        void resumingOneDatabaseOfAWholePauseLeavesItPaused() {
            Pool pool = joined(pools, "app", "alice");
            pools.pauseAll();
            pools.pause("app");

            assertTrue(pools.resume("app"));

            assertTrue(pool.isPaused(), "PAUSE without a database still holds it");
        }
    }

    @Test
    void aReloadUpdatesPoolsAndRemovesThoseOfRemovedDatabases() throws ConfigException {
        String both = """
                databases:
                  keep: {pool_size: 3}
                  gone: {}
                """;
        PoolRegistry pools = registry(both);
        Pool kept = joined(pools, "keep", "alice");
        Pool gone = joined(pools, "gone", "alice");
        PgmuxConfig reloaded = ConfigLoader.parse("databases:\n  keep: {pool_size: 8}\n", Map.of());

        List<Pool> removed = pools.apply(reloaded);

        assertEquals(List.of(gone), removed);
        assertEquals(8, kept.settings().poolSize());
        assertSame(kept, pools.pool("keep", "alice").orElseThrow());
        assertTrue(pools.pool("gone", "alice").isEmpty());
        assertInstanceOf(PoolJoin.UnknownDatabase.class, pools.join("gone", "alice"));
        assertFalse(gone.join(), "a pool closed at reload takes no client");
    }

    @Test
    void onlyJoiningMakesAPoolAndAskingWhetherADatabaseIsServedMakesNone() throws ConfigException {
        PoolRegistry pools = registry("databases:\n  app: {}\n");

        assertTrue(pools.serves("app"));
        assertFalse(pools.serves("other"));
        assertTrue(pools.pool("app", "alice").isEmpty());
        assertEquals(0, pools.all().size());

        Pool pool = joined(pools, "app", "alice");

        assertSame(pool, pools.pool("app", "alice").orElseThrow());
        assertSame(pool, joined(pools, "app", "alice"), "a second client joins the same pool");
        assertEquals(2, pool.counts().clients());
        assertInstanceOf(PoolJoin.UnknownDatabase.class, pools.join("other", "alice"));
        assertEquals(1, pools.all().size());
    }

    @Test
    void aPoolIsClosedOnlyOnceItHasBeenUnusedForTheWholeTimeout() throws ConfigException {
        PoolRegistry pools = registry("");
        Pool pool = joined(pools, "app", "alice");
        long second = 1_000_000_000L;

        assertFalse(pool.closeIfUnused(0, second), "a client is in it");
        pool.onClientLeft();
        assertFalse(pool.closeIfUnused(10 * second, second), "first seen unused now");
        assertFalse(pool.closeIfUnused(10 * second + second / 2, second));
        assertTrue(pool.join(), "used again: the time starts over");
        pool.onClientLeft();
        assertFalse(pool.closeIfUnused(11 * second + 1, second));
        assertFalse(pool.closeIfUnused(12 * second, second));

        assertTrue(pool.closeIfUnused(12 * second + 1, second));
        assertFalse(pool.join(), "a closed pool takes no client");
    }

    @Test
    void aClientArrivingAfterItsPoolWasClosedGetsANewOne() throws ConfigException {
        PoolRegistry pools = registry("");
        Pool old = joined(pools, "app", "alice");
        old.onClientLeft();
        assertTrue(old.closeIfUnused(System.nanoTime(), 0), "closed, but still listed: the sweep has not removed it yet");

        Pool fresh = joined(pools, "app", "alice");

        assertNotSame(old, fresh);
        assertSame(fresh, pools.pool("app", "alice").orElseThrow());
        assertEquals(1, fresh.counts().clients());
        assertEquals(List.of(fresh), List.copyOf(pools.all()));
    }

    @Test
    void removeUnusedRemovesOnlyPoolsWithoutClientsAfterPoolIdleTimeout() throws Exception {
        PoolRegistry pools = registry("pool_idle_timeout: 50ms\n");
        Pool busy = joined(pools, "app", "alice");
        Pool left = joined(pools, "app", "bob");
        left.onClientLeft();

        pools.removeUnused();
        assertEquals(2, pools.all().size(), "bob's pool was first seen unused just now");
        Thread.sleep(60);
        pools.removeUnused();

        assertEquals(List.of(busy), List.copyOf(pools.all()));
        assertTrue(pools.pool("app", "bob").isEmpty());
        assertFalse(left.join());
    }

    @Test
    void aZeroPoolIdleTimeoutKeepsUnusedPools() throws Exception {
        PoolRegistry pools = registry("pool_idle_timeout: 0\n");
        joined(pools, "app", "alice").onClientLeft();

        pools.removeUnused();
        Thread.sleep(5);
        pools.removeUnused();

        assertEquals(1, pools.all().size());
    }

    @Test
    void pastMaxPoolsANewPoolReplacesAnUnusedOneOrIsRefused() throws ConfigException {
        PoolRegistry pools = registry("max_pools: 2\n");
        Pool alice = joined(pools, "app", "alice");
        Pool bob = joined(pools, "app", "bob");

        PoolJoin refused = pools.join("app", "carol");

        assertEquals(new PoolJoin.TooManyPools(2), refused);
        assertEquals(2, pools.all().size());
        assertTrue(pools.pool("app", "carol").isEmpty(), "nothing was created");
        assertSame(alice, joined(pools, "app", "alice"), "an existing pool can still be joined");

        bob.onClientLeft();
        Pool carol = joined(pools, "app", "carol");

        assertEquals(List.of("app/alice", "app/carol"), pools.all().stream().map(p -> p.key().toString()).sorted().toList());
        assertFalse(bob.join(), "bob's unused pool made room and is closed");
        assertSame(carol, pools.pool("app", "carol").orElseThrow());
    }

    @Test
    void aReloadedMaxPoolsAppliesToTheNextNewPool() throws ConfigException {
        PoolRegistry pools = registry("max_pools: 1\n");
        joined(pools, "app", "alice");
        assertEquals(new PoolJoin.TooManyPools(1), pools.join("app", "bob"));

        pools.apply(ConfigLoader.parse("max_pools: 2\n", Map.of()));

        joined(pools, "app", "bob");
        assertEquals(new PoolJoin.TooManyPools(2), pools.join("app", "carol"));
    }

    @Test
    void aUsersOwnPoolSettingsWinOverItsDatabasesWhichWinOverTheGlobalOnesAndAReloadAppliesThem() throws ConfigException {
        // given, as PgBouncer's [users]: reports sets its own pool_size, reserve and mode; alice sets none
        PoolRegistry pools = registry("""
                pool_size: 20
                reserve_pool_size: 3
                pool_mode: transaction
                users:
                  reports: {pool_size: 2, reserve_pool_size: 1, pool_mode: session}
                  alice: {}
                databases:
                  app: {pool_size: 10, pool_mode: statement}
                  other: {}
                """);

        // when each joins
        Pool reportsApp = joined(pools, "app", "reports");
        Pool aliceApp = joined(pools, "app", "alice");
        Pool aliceOther = joined(pools, "other", "alice");

        // then the user's value wins, then the database's, then the global one
        assertEquals(2, reportsApp.settings().poolSize());
        assertEquals(1, reportsApp.settings().reservePoolSize());
        assertEquals(PoolMode.SESSION, reportsApp.settings().mode());
        assertEquals(PreparedStatementMode.PASSTHROUGH, reportsApp.settings().preparedStatements(),
                "auto follows the pool's own mode");
        assertEquals(10, aliceApp.settings().poolSize());
        assertEquals(PoolMode.STATEMENT, aliceApp.settings().mode());
        assertEquals(3, aliceApp.settings().reservePoolSize());
        assertEquals(20, aliceOther.settings().poolSize());
        assertEquals(PoolMode.TRANSACTION, aliceOther.settings().mode());

        // and a reload that drops the user's pool_size gives its pool the database's
        pools.apply(ConfigLoader.parse("""
                users:
                  reports: {pool_mode: transaction}
                databases:
                  app: {pool_size: 10}
                  other: {}
                """, Map.of()));
        assertEquals(10, reportsApp.settings().poolSize());
        assertEquals(PoolMode.TRANSACTION, reportsApp.settings().mode());
    }

    @Test
    void onlyADatabaseWithAFixedUserAndMinPoolSizeGetsAPoolWithoutAClientAndNotOnceClosed() throws ConfigException {
        PoolRegistry pools = registry("min_pool_size: 2\nmax_pools: 2\ndatabases:\n"
                + "  fixed: {host: db, user: app_owner}\n"
                + "  per_client: {host: db}\n"
                + "  fixed_cold: {host: db, user: app_owner, min_pool_size: 0}\n");

        pools.warmFixedUserPools();

        assertEquals(List.of("fixed/app_owner"), pools.all().stream().map(p -> p.key().toString()).toList());
        Pool warm = pools.pool("fixed", "anyone").orElseThrow();
        pools.warmFixedUserPools();
        assertSame(warm, pools.pool("fixed", "anyone").orElseThrow(), "made once");
        // a client of that database joins the same pool
        assertSame(warm, joined(pools, "fixed", "alice"));

        PoolRegistry stopping = registry("min_pool_size: 2\ndatabases:\n  fixed: {host: db, user: app_owner}\n");
        stopping.closeAll();
        stopping.warmFixedUserPools();
        assertTrue(stopping.all().isEmpty(), "nothing is made once pgmux stops");
    }

    private static Pool joined(PoolRegistry pools, String database, String user) {
        PoolJoin join = pools.join(database, user);
        return assertInstanceOf(PoolJoin.Joined.class, join, join::toString).pool();
    }
}
