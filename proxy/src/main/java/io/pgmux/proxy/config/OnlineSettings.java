package io.pgmux.proxy.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The admin console's {@code SET key = value}: one key of the running config changed as a RELOAD
 * would change it, for the keys RELOAD applies. The value is read and checked as the file's value of
 * the key would be ({@code 15s}, {@code 50}, {@code on}); PgBouncer's names for pgmux's keys
 * ({@code default_pool_size}, {@code max_client_conn}, {@code auth_type}) name the same keys. Lists
 * and mappings ({@code users}, {@code databases}, {@code hba}) are set in the file only.
 *
 * <p>The change lasts until the next RELOAD, which puts the file's value back: the file stays the
 * one place that says what pgmux runs with after a restart.
 */
public final class OnlineSettings {
    /**
     * PgBouncer's names of keys pgmux spells its own way. Its TLS keys whose values pgmux takes as
     * they are (client_tls_sslmode is two keys in pgmux, client_tls.mode and client_tls.verify: not here).
     */
    private static final Map<String, ConfigKey<?>> PGBOUNCER_NAMES = Map.ofEntries(
            Map.entry("default_pool_size", ConfigKeys.POOL_SIZE),
            Map.entry("max_client_conn", ConfigKeys.MAX_CLIENT_CONNECTIONS),
            Map.entry("auth_type", ConfigKeys.CLIENT_AUTH),
            Map.entry("listen_addr", ConfigKeys.LISTEN),
            Map.entry("listen_port", ConfigKeys.LISTEN),
            Map.entry("server_tls_sslmode", ConfigKeys.SERVER_TLS_SSLMODE),
            Map.entry("server_tls_ca_file", ConfigKeys.SERVER_TLS_ROOT_CERT),
            Map.entry("server_tls_cert_file", ConfigKeys.SERVER_TLS_CERT_FILE),
            Map.entry("server_tls_key_file", ConfigKeys.SERVER_TLS_KEY_FILE),
            Map.entry("client_tls_cert_file", ConfigKeys.CLIENT_TLS_CERT_FILE),
            Map.entry("client_tls_key_file", ConfigKeys.CLIENT_TLS_KEY_FILE),
            Map.entry("client_tls_ca_file", ConfigKeys.CLIENT_TLS_CA_FILE),
            Map.entry("verbose", ConfigKeys.LOG_LEVEL));

    /** Why a SET was refused; the console answers each with its own SQLSTATE. */
    public enum Refusal {
        /** No such key. */
        UNKNOWN_KEY,
        /** The key needs a restart, or is a list or mapping set in the file only. */
        NOT_CHANGEABLE,
        /** The value is not one the key takes. */
        INVALID_VALUE
    }

    /** A refused SET: why, and a message naming the key. */
    public static final class RefusedException extends Exception {
        private final Refusal refusal;

        public RefusedException(Refusal refusal, String message) {
            super(message, null, false, false);
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    private OnlineSettings() {
    }

    /**
     * {@code running} with {@code name} set to {@code text}. Databases that take the global
     * {@code pool_size} or {@code pool_mode} (their value is the running global one) follow it; those
     * that set their own keep it.
     */
    public static PgmuxConfig set(PgmuxConfig running, String name, String text) throws RefusedException {
        ConfigKey<?> key = keyNamed(name);
        if (name.equalsIgnoreCase("auth_type") && text.strip().equalsIgnoreCase("plain")) {
            text = AuthMethod.PASSWORD.yamlName(); // PgBouncer's name for the cleartext password
        }
        if (name.equalsIgnoreCase("verbose") && text.strip().matches("\\d{1,9}")) {
            text = LogLevel.ofVerbosity(Integer.parseInt(text.strip())).yamlName();
        }
        return set(running, key, text);
    }

    private static <T> PgmuxConfig set(PgmuxConfig running, ConfigKey<T> key, String text) throws RefusedException {
        List<String> errors = new ArrayList<>();
        ConfigReading reading = new ConfigReading(YamlSection.document(null, errors), Map.of());
        ConfigValues values = ConfigValues.of(running);
        for (ConfigKey<?> other : ConfigKeys.ALL) {
            if (other != key) {
                reading.known(other, values);
            }
        }
        YamlSection section = key.section().isEmpty() ? reading.root() : reading.section(key.section());
        try {
            section.replaceFromEnvironment(key.nameInSection(), ConfigEnvironment.node(key, text), null);
        } catch (ConfigException e) {
            throw new RefusedException(Refusal.INVALID_VALUE, String.join("; ", e.errors()));
        }
        T value = reading.value(key);
        if (!errors.isEmpty()) {
            throw new RefusedException(Refusal.INVALID_VALUE, String.join("; ", errors));
        }
        values.put(key, value);
        if (key == ConfigKeys.POOL_SIZE || key == ConfigKeys.POOL_MODE) {
            values.put(ConfigKeys.DATABASES, followGlobal(running, values));
        }
        try {
            return values.toConfig();
        } catch (IllegalArgumentException e) {
            throw new RefusedException(Refusal.INVALID_VALUE, key.name() + ": " + e.getMessage());
        }
    }

    /** The key SET may change under {@code name}; refused if there is none, or RELOAD cannot apply it. */
    private static ConfigKey<?> keyNamed(String name) throws RefusedException {
        String lower = name.toLowerCase(Locale.ROOT);
        Optional<ConfigKey<?>> key = ConfigKeys.ALL.stream().filter(k -> k.name().equals(lower)).findFirst();
        ConfigKey<?> found = key.orElse(PGBOUNCER_NAMES.get(lower));
        if (found == null) {
            throw new RefusedException(Refusal.UNKNOWN_KEY, "unknown setting: " + name);
        }
        String shown = found.name().equals(lower) ? found.name() : lower + " (pgmux's " + found.name() + ")";
        if (!found.reloadable()) {
            throw new RefusedException(Refusal.NOT_CHANGEABLE, shown + " cannot be changed while pgmux runs:"
                    + " change it in the config file and restart pgmux");
        }
        if (found.isMapping()) {
            throw new RefusedException(Refusal.NOT_CHANGEABLE, shown + " is set in the config file only: change"
                    + " it there, then RELOAD");
        }
        return found;
    }

    /** The databases, those whose pool_size or pool_mode was the running global one taking the new one. */
    private static Map<String, DatabaseConfig> followGlobal(PgmuxConfig running, ConfigValues values) {
        int poolSize = values.get(ConfigKeys.POOL_SIZE);
        PoolMode poolMode = values.get(ConfigKeys.POOL_MODE);
        Map<String, DatabaseConfig> databases = new LinkedHashMap<>();
        running.databases().forEach((name, db) -> {
            DatabaseConfig changed = db;
            if (db.poolSize() == running.poolSize()) {
                changed = changed.withPoolSize(poolSize);
            }
            if (db.poolMode() == running.poolMode()) {
                changed = changed.withPoolMode(poolMode);
            }
            databases.put(name, changed);
        });
        return databases;
    }
}
