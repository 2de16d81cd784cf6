package io.pgmux.proxy.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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
     * PgBouncer's names of keys pgmux spells its own way, for the keys whose values pgmux takes as they
     * are. ({@code client_tls_sslmode} is two pgmux keys, {@code client_tls.mode} and
     * {@code client_tls.verify}: see {@link PgBouncerClientSslmode}.)
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

    /** The sections whose keys are read together ({@link #withTheirSections}). */
    private static final Set<String> READ_TOGETHER = Set.of("client_tls", ServerTlsConfig.SECTION);

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

    /** One SET: a name, pgmux's or PgBouncer's, and the text of its value. */
    public record Change(String name, String text) {
    }

    /**
     * {@code running} with {@code name} set to {@code text}. Databases that take the global
     * {@code pool_size} or {@code pool_mode} (their value is the running global one) follow it; those
     * that set their own keep it.
     */
    public static PgmuxConfig set(PgmuxConfig running, String name, String text) throws RefusedException {
        return set(running, List.of(new Change(name, text)));
    }

    /**
     * {@code running} with every change made at once (of two changes of one key, the later wins), and
     * checked as one: a TLS certificate and its key, set one after the other, are checked as a pair.
     */
    public static PgmuxConfig set(PgmuxConfig running, List<Change> changes) throws RefusedException {
        Map<ConfigKey<?>, String> texts = new LinkedHashMap<>();
        for (Change change : changes) {
            texts.putAll(keyTexts(running, change.name(), change.text()));
        }
        return setKeys(running, texts);
    }

    /** The pgmux keys and their texts that SET {@code name} = {@code text} changes. */
    private static Map<ConfigKey<?>, String> keyTexts(PgmuxConfig running, String name, String text) throws RefusedException {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals(ConfigKeys.MAX_PREPARED_STATEMENTS.name())) {
            return maxPreparedTexts(running, text);
        }
        if (lower.equals("client_tls_sslmode")) {
            PgBouncerClientSslmode sslmode = PgBouncerClientSslmode.of(text).orElseThrow(() -> new RefusedException(
                    Refusal.INVALID_VALUE, "client_tls_sslmode: \"" + text.strip() + "\" is not one of " + PgBouncerClientSslmode.CHOICES));
            Map<ConfigKey<?>, String> both = new LinkedHashMap<>();
            both.put(ConfigKeys.CLIENT_TLS_MODE, sslmode.mode().yamlName());
            both.put(ConfigKeys.CLIENT_TLS_VERIFY, sslmode.verify().yamlName());
            return both;
        }
        ConfigKey<?> key = keyNamed(name);
        if (lower.equals("auth_type") && text.strip().equalsIgnoreCase("plain")) {
            return Map.of(key, AuthMethod.PASSWORD.yamlName()); // PgBouncer's name for the cleartext password
        }
        if (lower.equals("verbose") && text.strip().matches("\\d{1,9}")) {
            return Map.of(key, LogLevel.ofVerbosity(Integer.parseInt(text.strip())).yamlName());
        }
        return Map.of(key, text);
    }

    /**
     * {@code max_prepared_statements} with PgBouncer's 0 ({@link PreparedStatementMode#pgBouncerOff}),
     * and a number after it turning statements back on: a running {@code reject} becomes auto.
     */
    private static Map<ConfigKey<?>, String> maxPreparedTexts(PgmuxConfig running, String text) {
        Map<ConfigKey<?>, String> texts = new LinkedHashMap<>();
        if (text.strip().equals("0")) {
            PreparedStatementMode off = PreparedStatementMode.pgBouncerOff(running.poolMode());
            texts.put(ConfigKeys.PREPARED_STATEMENTS, off != null ? off.yamlName() : PreparedStatementMode.AUTO);
            return texts;
        }
        texts.put(ConfigKeys.MAX_PREPARED_STATEMENTS, text);
        if (running.preparedStatements().mode() == PreparedStatementMode.REJECT) {
            texts.put(ConfigKeys.PREPARED_STATEMENTS, PreparedStatementMode.AUTO);
        }
        return texts;
    }

    private static PgmuxConfig setKeys(PgmuxConfig running, Map<ConfigKey<?>, String> changed) throws RefusedException {
        Map<ConfigKey<?>, String> texts = withTheirSections(running, changed);
        List<String> errors = new ArrayList<>();
        ConfigReading reading = new ConfigReading(YamlSection.document(null, errors), Map.of());
        ConfigValues values = ConfigValues.of(running);
        for (ConfigKey<?> other : ConfigKeys.ALL) {
            if (!texts.containsKey(other)) {
                reading.known(other, values);
            }
        }
        for (Map.Entry<ConfigKey<?>, String> change : texts.entrySet()) {
            ConfigKey<?> key = change.getKey();
            YamlSection section = key.section().isEmpty() ? reading.root() : reading.section(key.section());
            try {
                section.replaceFromEnvironment(key.nameInSection(), change.getValue() == null ? ConfigEnvironment.absent()
                        : ConfigEnvironment.node(key, change.getValue()), null);
            } catch (ConfigException e) {
                throw new RefusedException(Refusal.INVALID_VALUE, String.join("; ", e.errors()));
            }
        }
        for (ConfigKey<?> key : texts.keySet()) {
            read(reading, key, values);
        }
        if (!errors.isEmpty()) {
            throw new RefusedException(Refusal.INVALID_VALUE, String.join("; ", errors));
        }
        if (texts.containsKey(ConfigKeys.POOL_SIZE) || texts.containsKey(ConfigKeys.POOL_MODE)) {
            values.put(ConfigKeys.DATABASES, followGlobal(running, values));
        }
        try {
            return values.toConfig();
        } catch (IllegalArgumentException e) {
            throw new RefusedException(Refusal.INVALID_VALUE, String.join(", ", changed.keySet().stream().map(ConfigKey::name).toList())
                    + ": " + e.getMessage());
        }
    }

    /**
     * {@code changed}, after the running values (as text; null for none) of the other keys of a TLS
     * section it changes: their readers check them against each other (a key file against its
     * certificate and the mode, a CA file against verify), so all are read again.
     */
    private static Map<ConfigKey<?>, String> withTheirSections(PgmuxConfig running, Map<ConfigKey<?>, String> changed) {
        Set<String> sections = new HashSet<>();
        changed.keySet().forEach(key -> sections.add(key.section()));
        sections.retainAll(READ_TOGETHER);
        Map<ConfigKey<?>, String> texts = new LinkedHashMap<>();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            if (sections.contains(key.section()) && !changed.containsKey(key)) {
                texts.put(key, shown(key, running));
            }
        }
        texts.putAll(changed);
        return texts;
    }

    private static <T> String shown(ConfigKey<T> key, PgmuxConfig running) {
        return key.show(key.valueIn(running));
    }

    private static <T> void read(ConfigReading reading, ConfigKey<T> key, ConfigValues into) {
        into.put(key, reading.value(key));
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
