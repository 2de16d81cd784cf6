package io.pgmux.proxy.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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

    /** A PgBouncer name for a pgmux setting: its value from the config, reloadable as the key it comes from. */
    private record PgBouncerName(String name, ConfigKey<?> from, Function<PgmuxConfig, Object> read) {}

    /** PgBouncer's names for some settings, listed after pgmux's own so that tools written for it find them. */
    private static final List<PgBouncerName> PGBOUNCER_NAMES = List.of(
            new PgBouncerName("listen_addr", ConfigKeys.LISTEN, c -> c.listen().host()),
            new PgBouncerName("listen_port", ConfigKeys.LISTEN, c -> c.listen().port()),
            new PgBouncerName("auth_type", ConfigKeys.CLIENT_AUTH, c -> c.clientAuth().yamlName()),
            new PgBouncerName("max_client_conn", ConfigKeys.MAX_CLIENT_CONNECTIONS, PgmuxConfig::maxClientConnections),
            new PgBouncerName("default_pool_size", ConfigKeys.POOL_SIZE, PgmuxConfig::poolSize),
            new PgBouncerName("verbose", ConfigKeys.LOG_LEVEL, c -> c.observability().logLevel().verbosity()));

    private ConfigView() {
    }

    /** Every setting of {@code config}, pgmux's keys first, then PgBouncer's names for some of them. */
    public static List<Setting> settings(PgmuxConfig config) {
        PgmuxConfig defaults = PgmuxConfig.defaults();
        List<Setting> settings = new ArrayList<>();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            settings.add(setting(key, config));
        }
        for (PgBouncerName alias : PGBOUNCER_NAMES) {
            settings.add(new Setting(alias.name(), text(alias.read().apply(config)), text(alias.read().apply(defaults)),
                    alias.from() != null && alias.from().reloadable()));
        }
        return settings;
    }

    /** The keys whose value differs, with {@code changeable} as RELOAD sees them. */
    public static List<Setting> changes(PgmuxConfig from, PgmuxConfig to) {
        List<Setting> changed = new ArrayList<>();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            change(key, from, to).ifPresent(changed::add);
        }
        return changed;
    }

    /**
     * {@code to} as RELOAD puts it in effect: the settings that need a restart ({@code listen},
     * {@code event_loops}, {@code max_message_size}, the prepared statement settings, {@code http.listen},
     * a database's own {@code prepared_statements}) keep their {@code running} value.
     */
    public static PgmuxConfig keepUnchangeable(PgmuxConfig running, PgmuxConfig to) {
        ConfigValues values = new ConfigValues();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            putAfterReload(values, key, running, to);
        }
        return values.toConfig();
    }

    private static <T> Setting setting(ConfigKey<T> key, PgmuxConfig config) {
        return new Setting(key.name(), key.show(key.valueIn(config)), key.show(key.defaultValue()), key.reloadable());
    }

    /** The change of {@code key} from {@code from} to {@code to}: its new value, the old one in place of the default. */
    private static <T> Optional<Setting> change(ConfigKey<T> key, PgmuxConfig from, PgmuxConfig to) {
        T before = key.valueIn(from);
        T after = key.valueIn(to);
        if (Objects.equals(before, after)) {
            return Optional.empty();
        }
        return Optional.of(new Setting(key.name(), key.show(after), key.show(before), key.reloadable()));
    }

    private static <T> void putAfterReload(ConfigValues values, ConfigKey<T> key, PgmuxConfig running, PgmuxConfig to) {
        values.put(key, key.afterReload(running, to));
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}
