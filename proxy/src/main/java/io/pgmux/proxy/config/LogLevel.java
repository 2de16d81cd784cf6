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
