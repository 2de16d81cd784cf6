package io.pgmux.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class PgmuxConfigTest {
    private static final String TWO_DATABASES = """
            upstream: "pg.internal:5432"
            pool_size: 20
            pool_mode: transaction
            databases:
              inherits: {}
              own:
                pool_size: 3
                pool_mode: session
            """;

    @Test
    void noOverridesChangeNothing() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse(TWO_DATABASES, Map.of());

        assertEquals(config, config.withOverrides(CliOverrides.none()));
    }

    @Test
    void poolSizeAndModeOverridesReachEveryPoolEvenOnesThatSetTheirOwn() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse(TWO_DATABASES, Map.of());

        PgmuxConfig overridden = config.withOverrides(new CliOverrides(null, null, 7, PoolMode.SESSION));

        assertEquals(7, overridden.poolSize());
        assertEquals(PoolMode.SESSION, overridden.poolMode());
        for (String name : new String[] {"inherits", "own", "unlisted"}) {
            DatabaseConfig db = overridden.database(name).orElseThrow();
            assertEquals(7, db.poolSize(), name);
            assertEquals(PoolMode.SESSION, db.poolMode(), name);
        }
    }

    @Test
    void anUpstreamOverrideMovesUnlistedDatabasesButNotListedOnes() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse(TWO_DATABASES, Map.of());
        HostPort elsewhere = new HostPort("elsewhere", 5433);

        PgmuxConfig overridden = config.withOverrides(new CliOverrides(null, elsewhere, null, null));

        assertEquals(elsewhere, overridden.upstream());
        assertEquals(elsewhere, overridden.database("unlisted").orElseThrow().server());
        assertEquals(new HostPort("pg.internal", 5432), overridden.database("inherits").orElseThrow().server());
    }

    @Test
    void aListenOverrideReplacesListen() {
        HostPort any = new HostPort("0.0.0.0", 0);

        assertEquals(any, PgmuxConfig.defaults().withOverrides(new CliOverrides(any, null, null, null)).listen());
    }

    @Test
    void zeroEventLoopsMeansOnePerCore() {
        assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() / 2), PgmuxConfig.defaults().effectiveEventLoops());
    }

    @Test
    void theMapsCannotBeChangedFromOutside() {
        Map<String, UserConfig> users = new HashMap<>();
        PgmuxConfig config = ConfigValues.defaults().put(ConfigKeys.USERS, users).put(ConfigKeys.EVENT_LOOPS, 3).toConfig();

        users.put("late", new UserConfig("late", null));

        assertEquals(Map.of(), config.users());
        assertEquals(3, config.effectiveEventLoops());
        assertThrows(UnsupportedOperationException.class, () -> config.users().put("x", new UserConfig("x", null)));
    }

    @Test
    void aListedDatabaseIsReturnedAsIs() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse(TWO_DATABASES, Map.of());

        assertSame(config.databases().get("own"), config.database("own").orElseThrow());
    }
}
