package io.pgmux.proxy.config;

import java.util.Optional;

/** How each log line is written. YAML key {@code log.format}. */
public enum LogFormat {
    /** {@code 2026-01-02T03:04:05.678+00:00 INFO  Pool - [app/alice] ...} */
    PLAIN("plain"),
    /** One JSON object per line: {@code {"time":...,"level":"INFO","logger":...,"message":...}}. */
    JSON("json");

    private final String yamlName;

    LogFormat(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    public static Optional<LogFormat> fromYaml(String name) {
        for (LogFormat format : values()) {
            if (format.yamlName.equals(name)) {
                return Optional.of(format);
            }
        }
        return Optional.empty();
    }

    public static String choices() {
        return YamlNames.join(values(), LogFormat::yamlName);
    }
}
