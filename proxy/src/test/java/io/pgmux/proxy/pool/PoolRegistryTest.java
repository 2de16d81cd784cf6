package io.pgmux.proxy.pool;

import io.pgmux.proxy.backend.ServerConnector;
import io.pgmux.proxy.config.ConfigException;
import io.pgmux.proxy.config.ConfigLoader;
import io.pgmux.proxy.config.PgmuxConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry's admin state: which databases are paused, and what a reload does to its pools. No server is opened. */
class PoolRegistryTest {
    private static final ServerConnector NEVER_USED = new ServerConnector(null, null, null);

    private static PoolRegistry registry(String yaml) throws ConfigException {
        return new PoolRegistry(ConfigLoader.parse(yaml, Map.of()), NEVER_USED);
    }

    @Test
    void pausingAnEmptyPoolCompletesAtOnceAndResumeUnpausesIt() throws ConfigException {
        PoolRegistry pools = registry("");
        Pool pool = pools.pool("app", "alice").orElseThrow();

        assertTrue(pools.pause("app").isDone());
        assertTrue(pool.isPaused());
        assertTrue(pools.isPaused("app"));
        assertFalse(pools.isPaused("other"));

        assertTrue(pools.resume("app"));
        assertFalse(pool.isPaused());
        assertFalse(pools.resume("app"), "app is no longer paused");
    }

    @Test
    void aPoolCreatedWhileItsDatabaseIsPausedStartsPaused() throws ConfigException {
        PoolRegistry pools = registry("");
        pools.pauseAll();

        Pool created = pools.pool("app", "bob").orElseThrow();

        assertTrue(created.isPaused());
        assertTrue(pools.resumeAll());
        assertFalse(created.isPaused());
        assertFalse(pools.resumeAll(), "nothing is paused any more");
    }

    @Test
    void resumingOneDatabaseOfAWholePauseLeavesItPaused() throws ConfigException {
        PoolRegistry pools = registry("");
        Pool pool = pools.pool("app", "alice").orElseThrow();
        pools.pauseAll();
        pools.pause("app");

        assertTrue(pools.resume("app"));

        assertTrue(pool.isPaused(), "PAUSE without a database still holds it");
    }

    @Test
    void aReloadUpdatesPoolsAndRemovesThoseOfRemovedDatabases() throws ConfigException {
        String both = """
                databases:
                  keep: {pool_size: 3}
                  gone: {}
                """;
        PoolRegistry pools = registry(both);
        Pool kept = pools.pool("keep", "alice").orElseThrow();
        Pool gone = pools.pool("gone", "alice").orElseThrow();
        PgmuxConfig reloaded = ConfigLoader.parse("databases:\n  keep: {pool_size: 8}\n", Map.of());

        List<Pool> removed = pools.apply(reloaded);

        assertEquals(List.of(gone), removed);
        assertEquals(8, kept.settings().poolSize());
        assertSame(kept, pools.pool("keep", "alice").orElseThrow());
        assertTrue(pools.pool("gone", "alice").isEmpty());
    }
}
