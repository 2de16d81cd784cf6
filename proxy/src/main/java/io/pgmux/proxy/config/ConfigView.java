package io.pgmux.proxy.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The settings of a config as key/value text, as SHOW CONFIG lists them and as a reload reports
 * what changed. Keys are the YAML names ({@code http.listen} for nested ones); passwords never
 * appear ({@code users} and {@code databases} show names only). {@code changeable} tells whether a
 * RELOAD applies the key; the others need a restart.
 */
public final class ConfigView {
    /** One setting: its key, its value and default as text (null for none), and whether RELOAD applies it. */
    public record Setting(String key, String value, String defaultValue, boolean changeable) {}

    private record Key(String name, boolean changeable, Function<PgmuxConfig, Object> read) {}

    private static final List<Key> KEYS = List.of(
            new Key("listen", false, PgmuxConfig::listen),
            new Key("event_loops", false, PgmuxConfig::eventLoops),
            new Key("max_client_connections", true, PgmuxConfig::maxClientConnections),
            new Key("max_pending_logins", true, c -> c.loginLimits().maxPendingLogins()),
            new Key("client_login_timeout", true, c -> Units.formatDuration(c.loginLimits().clientLoginTimeout())),
            new Key("admin_reserved_connections", true, c -> c.loginLimits().adminReservedConnections()),
            new Key("max_message_size", false, c -> Units.formatSize(c.maxMessageSize())),
            new Key("client_auth", true, c -> c.clientAuth().yamlName()),
            new Key("admin_users", true, c -> String.join(",", c.observability().adminUsers())),
            new Key("stats_users", true, c -> String.join(",", c.observability().statsUsers())),
            new Key("pool_mode", true, c -> c.poolMode().yamlName()),
            new Key("pool_size", true, PgmuxConfig::poolSize),
            new Key("query_wait_timeout", true, c -> Units.formatDuration(c.queryWaitTimeout())),
            new Key("max_pools", true, c -> c.poolLimits().maxPools()),
            new Key("pool_idle_timeout", true, c -> Units.formatDuration(c.poolLimits().poolIdleTimeout())),
            new Key("server_connect_timeout", true, c -> Units.formatDuration(c.serverConnectTimeout())),
            new Key("server_login_retry", true, c -> Units.formatDuration(c.serverLoginRetry())),
            new Key("server_idle_timeout", true, c -> Units.formatDuration(c.serverIdleTimeout())),
            new Key("server_lifetime", true, c -> Units.formatDuration(c.serverLifetime())),
            new Key("server_reset_query", true, PgmuxConfig::serverResetQuery),
            new Key("shutdown_timeout", true, c -> Units.formatDuration(c.shutdownTimeout())),
            new Key("upstream", true, PgmuxConfig::upstream),
            new Key("users", true, c -> String.join(",", c.users().keySet())),
            new Key("databases", true, c -> databases(c.databases())),
            new Key("prepared_statements", false,
                    c -> c.preparedStatements().mode() == null ? "auto" : c.preparedStatements().mode().yamlName()),
            new Key("max_prepared_statements", false, c -> c.preparedStatements().maxPerServer()),
            new Key("max_client_prepared_statements", false, c -> c.preparedStatements().maxPerClient()),
            new Key("stats_period", true, c -> Units.formatDuration(c.observability().statsPeriod())),
            new Key("http.listen", false, c -> c.observability().httpListen()),
            new Key("log.level", true, c -> c.observability().logLevel().yamlName()),
            new Key("log.format", true, c -> c.observability().logFormat().yamlName()));

    /** PgBouncer's names for the same settings, listed after pgmux's own so that tools written for it find them. */
    private static final List<Key> PGBOUNCER_NAMES = List.of(
            new Key("listen_addr", false, c -> c.listen().host()),
            new Key("listen_port", false, c -> c.listen().port()),
            new Key("auth_type", true, c -> c.clientAuth().yamlName()),
            new Key("max_client_conn", true, PgmuxConfig::maxClientConnections),
            new Key("default_pool_size", true, PgmuxConfig::poolSize),
            new Key("max_db_connections", false, c -> 0),
            new Key("max_user_connections", false, c -> 0));

    private ConfigView() {
    }

    /** Every setting of {@code config}, pgmux's keys first, then PgBouncer's names for some of them. */
    public static List<Setting> settings(PgmuxConfig config) {
        PgmuxConfig defaults = PgmuxConfig.defaults();
        List<Setting> settings = new ArrayList<>();
        for (List<Key> keys : List.of(KEYS, PGBOUNCER_NAMES)) {
            for (Key key : keys) {
                settings.add(new Setting(key.name(), text(key.read().apply(config)), text(key.read().apply(defaults)),
                        key.changeable()));
            }
        }
        return settings;
    }

    /** The keys whose value differs, with {@code changeable} as RELOAD sees them. */
    public static List<Setting> changes(PgmuxConfig from, PgmuxConfig to) {
        List<Setting> changed = new ArrayList<>();
        for (Key key : KEYS) {
            Object before = key.read().apply(from);
            Object after = key.read().apply(to);
            boolean same = Objects.equals(before, after);
            if (key.name().equals("users")) {
                same = from.users().equals(to.users());
            } else if (key.name().equals("databases")) {
                same = from.databases().equals(to.databases());
            }
            if (!same) {
                changed.add(new Setting(key.name(), text(after), text(before), key.changeable()));
            }
        }
        return changed;
    }

    /**
     * {@code to} with the settings that cannot change while running ({@code listen}, {@code event_loops},
     * {@code max_message_size}, the prepared statement settings, {@code http.listen}) taken from
     * {@code running}. A database's own {@code prepared_statements} keeps its running value too.
     */
    public static PgmuxConfig keepUnchangeable(PgmuxConfig running, PgmuxConfig to) {
        ObservabilityConfig o = to.observability();
        return new PgmuxConfig(running.listen(), running.eventLoops(), to.maxClientConnections(), running.maxMessageSize(),
                to.poolMode(), to.poolSize(), to.queryWaitTimeout(), to.serverConnectTimeout(), to.serverLoginRetry(),
                to.serverIdleTimeout(), to.serverLifetime(), to.serverResetQuery(), to.shutdownTimeout(), to.clientAuth(),
                to.upstream(), to.users(), keepPreparedModes(running, to), running.preparedStatements(),
                new ObservabilityConfig(o.adminUsers(), o.statsUsers(), running.observability().httpListen(),
                        o.statsPeriod(), o.logLevel(), o.logFormat()), to.poolLimits(), to.loginLimits());
    }

    private static Map<String, DatabaseConfig> keepPreparedModes(PgmuxConfig running, PgmuxConfig to) {
        Map<String, DatabaseConfig> databases = new java.util.LinkedHashMap<>();
        to.databases().forEach((name, db) -> {
            DatabaseConfig old = running.databases().get(name);
            PreparedStatementMode mode = old != null ? old.preparedStatements() : db.preparedStatements();
            databases.put(name, new DatabaseConfig(name, db.server(), db.dbname(), db.user(), db.password(), db.poolSize(),
                    db.poolMode(), mode));
        });
        return databases;
    }

    private static String databases(Map<String, DatabaseConfig> databases) {
        return String.join(",", databases.keySet());
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}
