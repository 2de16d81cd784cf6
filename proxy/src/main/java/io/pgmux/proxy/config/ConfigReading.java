package io.pgmux.proxy.config;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One pass of reading a YAML document with the keys of {@link ConfigKeys}. Each key is read once;
 * a reader that needs another key's value (the databases need {@code pool_size}) gets it through
 * {@link #value}, which reads that key first if it has not been read yet. Each top-level mapping
 * ({@code http}, {@code databases}) is opened once, so its errors are reported once.
 */
final class ConfigReading {
    private final YamlSection root;
    private final Map<String, String> env;
    private final Map<String, YamlSection> sections = new LinkedHashMap<>();
    private final ConfigValues values = new ConfigValues();
    private final Set<ConfigKey<?>> beingRead = new HashSet<>();

    ConfigReading(YamlSection root, Map<String, String> env) {
        this.root = root;
        this.env = env;
    }

    /**
     * Reads every key, reporting the unknown keys of a nested mapping ({@code http}) after its last
     * key and those of the document at the end. A value is its default where there was an error.
     */
    ConfigValues readAll() {
        applyEnvironment();
        List<ConfigKey<?>> keys = ConfigKeys.ALL;
        for (int i = 0; i < keys.size(); i++) {
            ConfigKey<?> key = keys.get(i);
            value(key);
            String section = key.section();
            if (!section.isEmpty() && keys.subList(i + 1, keys.size()).stream().noneMatch(k -> k.section().equals(section))) {
                section(section).reportUnknownKeys();
            }
        }
        root.reportUnknownKeys();
        return values;
    }

    /**
     * Puts the value of each key's {@code PGMUX_} variable in place of the file's (see
     * {@link ConfigEnvironment}), before any key is read: a key that depends on another one then
     * sees the variable's value, as it would see the file's.
     */
    private void applyEnvironment() {
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            String variable = key.environmentVariable();
            String text = env.get(variable);
            if (text == null) {
                continue;
            }
            YamlSection section = key.section().isEmpty() ? root : section(key.section());
            try {
                section.replaceFromEnvironment(key.nameInSection(), ConfigEnvironment.node(key, text), variable);
            } catch (ConfigException e) {
                section.replaceFromEnvironment(key.nameInSection(), ConfigEnvironment.absent(), variable);
                section.error(key.nameInSection(), String.join("; ", e.errors()));
            }
        }
    }

    /** The value of {@code key}, read now if it has not been. */
    <T> T value(ConfigKey<T> key) {
        if (values.has(key)) {
            return values.get(key);
        }
        if (!beingRead.add(key)) {
            throw new IllegalStateException("config key " + key + " depends on itself");
        }
        YamlSection section = key.section().isEmpty() ? root : section(key.section());
        T value = key.read(section, this);
        beingRead.remove(key);
        values.put(key, value);
        return value;
    }

    /** Takes {@code key}'s value from {@code known} instead of reading it (SET reads one key over the running config). */
    void known(ConfigKey<?> key, ConfigValues known) {
        putKnown(key, known);
    }

    private <T> void putKnown(ConfigKey<T> key, ConfigValues known) {
        values.put(key, known.get(key));
    }

    /** The document's top level. */
    YamlSection root() {
        return root;
    }

    /** The top-level mapping {@code name}; empty if absent or null, empty with an error if it is not a mapping. */
    YamlSection section(String name) {
        return sections.computeIfAbsent(name, root::section);
    }

    /** The environment: {@code ${NAME}} references in passwords and the {@code PGMUX_} variables are taken from it. */
    Map<String, String> env() {
        return env;
    }
}
