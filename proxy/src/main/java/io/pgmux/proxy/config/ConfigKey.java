package io.pgmux.proxy.config;

import java.util.Locale;
import java.util.Objects;
import java.util.function.BinaryOperator;
import java.util.function.Function;

/**
 * One key of {@code pgmux.yaml}, described once: its YAML name, how it is read and checked, its
 * default, whether RELOAD applies it, where {@link PgmuxConfig} keeps it and how SHOW CONFIG shows
 * it. The loader, SHOW CONFIG and the reload all work from these; every key is declared in
 * {@link ConfigKeys}.
 *
 * @param <T> the key's value in the typed config (null where the key allows "none")
 */
final class ConfigKey<T> {

    /** What RELOAD does with a new value. */
    enum Reload {
        /** Applied at once (to connections made after the reload, where the key is about making one). */
        APPLIED,
        /** Kept at its running value, with a notice that pgmux must be restarted for the new one. */
        NEEDS_RESTART
    }

    /**
     * Reads a key from its YAML section. On any problem it records an error on the section (which
     * names the key's path) and returns {@code dflt}, so that one pass finds every problem. A reader
     * that depends on other keys asks {@code reading} for their values.
     */
    @FunctionalInterface
    interface Reader<T> {
        T read(YamlSection section, String name, T dflt, ConfigReading reading);
    }

    /**
     * How a kind of value is read from YAML and written as SHOW CONFIG's text (null shown as none).
     * {@code mapping}: the value is a YAML mapping of the operator's names ({@code users},
     * {@code databases}), so its environment variable holds YAML text rather than one value.
     */
    record Type<T>(Reader<T> reader, Function<T, String> shown, boolean mapping) {
        Type(Reader<T> reader, Function<T, String> shown) {
            this(reader, shown, false);
        }
    }

    private final String name;
    private final Type<T> type;
    private final T defaultValue;
    private final Reload reload;
    private final Function<PgmuxConfig, T> value;
    private final BinaryOperator<T> atReload;

    /**
     * @param atReload the value RELOAD puts in effect, from the running value and the file's; null
     *                 for the usual rule (the file's if {@code reload} is APPLIED, else the running one)
     */
    ConfigKey(String name, Type<T> type, T defaultValue, Reload reload, Function<PgmuxConfig, T> value,
              BinaryOperator<T> atReload) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.defaultValue = defaultValue;
        this.reload = Objects.requireNonNull(reload, "reload");
        this.value = Objects.requireNonNull(value, "value");
        this.atReload = atReload != null ? atReload
                : reload == Reload.APPLIED ? (running, loaded) -> loaded : (running, loaded) -> running;
    }

    /** The YAML name; a key of a nested mapping has its path: {@code http.listen}. */
    String name() {
        return name;
    }

    /** The top-level mapping the key is in ({@code http} for {@code http.listen}); "" for a top-level key. */
    String section() {
        int dot = name.indexOf('.');
        return dot < 0 ? "" : name.substring(0, dot);
    }

    /** The name inside {@link #section()}: {@code listen} for {@code http.listen}. */
    String nameInSection() {
        return name.substring(name.indexOf('.') + 1);
    }

    /**
     * The environment variable that sets the key: {@code PGMUX_} and the name in upper case, a dot
     * as an underscore ({@code PGMUX_POOL_SIZE}, {@code PGMUX_HTTP_LISTEN}).
     */
    String environmentVariable() {
        return ConfigEnvironment.PREFIX + name.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** True if the value is a mapping of names (see {@link Type#mapping()}). */
    boolean isMapping() {
        return type.mapping();
    }

    /** What the key is when the file leaves it out. */
    T defaultValue() {
        return defaultValue;
    }

    /** True if RELOAD applies a new value; the others need a restart. */
    boolean reloadable() {
        return reload == Reload.APPLIED;
    }

    /** The key's value in {@code config}. */
    T valueIn(PgmuxConfig config) {
        return value.apply(config);
    }

    /** The value as SHOW CONFIG shows it; null for none. */
    String show(T v) {
        return type.shown().apply(v);
    }

    /** The value in effect after RELOAD from {@code running} to a file that gives {@code loaded}. */
    T afterReload(PgmuxConfig running, PgmuxConfig loaded) {
        return atReload.apply(valueIn(running), valueIn(loaded));
    }

    T read(YamlSection section, ConfigReading reading) {
        return type.reader().read(section, nameInSection(), defaultValue, reading);
    }

    @Override
    public String toString() {
        return name;
    }
}
