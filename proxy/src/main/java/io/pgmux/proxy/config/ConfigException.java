package io.pgmux.proxy.config;

import java.util.List;

/**
 * The config cannot be used. {@link #errors()} holds every problem found, each starting with the
 * YAML path it is about ({@code databases.app.port: must be 1..65535}) or the file it is about.
 */
public final class ConfigException extends Exception {
    private final List<String> errors;

    public ConfigException(List<String> errors) {
        super(String.join("\n", requireSome(errors)));
        this.errors = List.copyOf(errors);
    }

    public ConfigException(String error) {
        this(List.of(error));
    }

    public List<String> errors() {
        return errors;
    }

    private static List<String> requireSome(List<String> errors) {
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        return errors;
    }
}
