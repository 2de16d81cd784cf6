package io.pgmux.proxy.config;

import java.util.Optional;

/**
 * What transaction pooling does with a statement that takes session state (LISTEN, a session
 * advisory lock, a temp table, a cursor WITH HOLD, LOAD). YAML key {@code session_features}.
 */
public enum SessionFeaturesPolicy {
    /** The client keeps its server after its transactions until the state is given back. */
    PIN("pin"),
    /** The statement is refused before it reaches Postgres (SQLSTATE 0A000). */
    REJECT("reject");

    private final String yamlName;

    SessionFeaturesPolicy(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    public static Optional<SessionFeaturesPolicy> fromYaml(String name) {
        for (SessionFeaturesPolicy policy : values()) {
            if (policy.yamlName.equals(name)) {
                return Optional.of(policy);
            }
        }
        return Optional.empty();
    }

    /** {@code pin, reject}: for error messages and help. */
    public static String choices() {
        return YamlNames.join(values(), SessionFeaturesPolicy::yamlName);
    }
}
