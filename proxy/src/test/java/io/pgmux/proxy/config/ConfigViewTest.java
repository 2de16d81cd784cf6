package io.pgmux.proxy.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigViewTest {

    @Test
    void showConfigListsEveryKeyWithItsDefaultAndNeverAPassword() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse("""
                pool_size: 7
                users:
                  alice:
                    password: very-secret
                """, Map.of());

        List<ConfigView.Setting> settings = ConfigView.settings(config);

        assertEquals(new ConfigView.Setting("pool_size", "7", "20", true), find(settings, "pool_size"));
        assertEquals(new ConfigView.Setting("listen", "127.0.0.1:6432", "127.0.0.1:6432", false), find(settings, "listen"));
        assertEquals("alice", find(settings, "users").value());
        assertEquals("7", find(settings, "default_pool_size").value(), "PgBouncer's name for pool_size");
        assertFalse(settings.toString().contains("very-secret"));
    }

    @Test
    void aReloadKeepsWhatCannotChangeAndReportsIt() throws ConfigException {
        PgmuxConfig running = ConfigLoader.parse("listen: \"127.0.0.1:6432\"\npool_size: 5\n", Map.of());
        PgmuxConfig file = ConfigLoader.parse("listen: \"0.0.0.0:7000\"\npool_size: 9\nstats_period: 10s\n", Map.of());

        List<ConfigView.Setting> changes = ConfigView.changes(running, file);
        PgmuxConfig effective = ConfigView.keepUnchangeable(running, file);

        assertEquals(List.of("listen", "pool_size", "stats_period"), changes.stream().map(ConfigView.Setting::key).toList());
        assertFalse(changes.get(0).changeable());
        assertTrue(changes.get(1).changeable());
        assertEquals(running.listen(), effective.listen());
        assertEquals(9, effective.poolSize());
        assertEquals(file.observability().statsPeriod(), effective.observability().statsPeriod());
        assertEquals(List.of(), ConfigView.changes(running, ConfigView.keepUnchangeable(running, running)));
    }

    @Test
    void theLoginLimitsAreShownAndApplyAtReload() throws ConfigException {
        PgmuxConfig running = ConfigLoader.parse("", Map.of());
        PgmuxConfig file = ConfigLoader.parse("client_login_timeout: 5s\nmax_pending_logins: 50\n"
                + "admin_reserved_connections: 1\n", Map.of());

        List<ConfigView.Setting> changes = ConfigView.changes(running, file);
        PgmuxConfig effective = ConfigView.keepUnchangeable(running, file);

        assertEquals(List.of(new ConfigView.Setting("max_pending_logins", "50", "10000", true),
                new ConfigView.Setting("client_login_timeout", "5s", "60s", true),
                new ConfigView.Setting("admin_reserved_connections", "1", "3", true)), changes);
        assertEquals(file.loginLimits(), effective.loginLimits());
        assertEquals(new ConfigView.Setting("client_login_timeout", "60s", "60s", true),
                find(ConfigView.settings(running), "client_login_timeout"));
    }

    private static ConfigView.Setting find(List<ConfigView.Setting> settings, String key) {
        return settings.stream().filter(s -> s.key().equals(key)).findFirst().orElseThrow();
    }
}
