package io.pgmux.proxy.config;

import java.util.Optional;

/** How much pgmux logs. YAML key {@code log.level}. */
public enum LogLevel {
    ERROR("error"),
    WARN("warn"),
    INFO("info"),
    DEBUG("debug"),
    TRACE("trace");

    private final String yamlName;

    LogLevel(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    /** PgBouncer's {@code verbose}: 0 = info (its LOG), 1 = debug, 2 and more = trace. */
    public static LogLevel ofVerbosity(int verbose) {
        return verbose <= 0 ? INFO : verbose == 1 ? DEBUG : TRACE;
    }

    /** As PgBouncer's {@code verbose}: 0 up to info, 1 for debug, 2 for trace. */
    public int verbosity() {
        return this == TRACE ? 2 : this == DEBUG ? 1 : 0;
    }

    public static Optional<LogLevel> fromYaml(String name) {
        for (LogLevel level : values()) {
            if (level.yamlName.equals(name)) {
                return Optional.of(level);
            }
        }
        return Optional.empty();
    }

    public static String choices() {
        return YamlNames.join(values(), LogLevel::yamlName);
    }
}
