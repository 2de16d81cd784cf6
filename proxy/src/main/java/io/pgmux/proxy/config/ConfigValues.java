package io.pgmux.proxy.config;

import java.util.HashMap;
import java.util.Map;

/**
 * A value for each key of {@link ConfigKeys}, on the way to or from a {@link PgmuxConfig}: the
 * loader fills one, a reload or a command-line override changes some keys of one, and
 * {@link #toConfig()} builds the typed config. A value may be null where the key allows "none".
 */
final class ConfigValues {
    private final Map<ConfigKey<?>, Object> values = new HashMap<>();

    /** Every key at its default. */
    static ConfigValues defaults() {
        ConfigValues values = new ConfigValues();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            values.putDefault(key);
        }
        return values;
    }

    /** Every key as {@code config} has it. */
    static ConfigValues of(PgmuxConfig config) {
        ConfigValues values = new ConfigValues();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            values.putValueIn(key, config);
        }
        return values;
    }

    boolean has(ConfigKey<?> key) {
        return values.containsKey(key);
    }

    @SuppressWarnings("unchecked") // put() only stores a T under a ConfigKey<T>
    <T> T get(ConfigKey<T> key) {
        if (!values.containsKey(key)) {
            throw new IllegalStateException("no value for config key " + key);
        }
        return (T) values.get(key);
    }

    <T> ConfigValues put(ConfigKey<T> key, T value) {
        values.put(key, value);
        return this;
    }

    /** The typed config (see {@link ConfigKeys#toConfig}). */
    PgmuxConfig toConfig() {
        return ConfigKeys.toConfig(this);
    }

    private <T> void putDefault(ConfigKey<T> key) {
        put(key, key.defaultValue());
    }

    private <T> void putValueIn(ConfigKey<T> key, PgmuxConfig config) {
        put(key, key.valueIn(config));
    }
}
