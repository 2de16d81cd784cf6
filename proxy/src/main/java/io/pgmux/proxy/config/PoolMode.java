package io.pgmux.proxy.config;

import java.util.Optional;

/** When a server connection goes back to its pool. YAML key {@code pool_mode}. */
public enum PoolMode {
    /** After each transaction (the server's {@code ReadyForQuery 'I'} with nothing outstanding). */
    TRANSACTION("transaction"),
    /** When the client disconnects; {@code server_reset_query} runs before the next client. */
    SESSION("session"),
    /**
     * After each statement, as PgBouncer's: a server that ends a statement inside a transaction
     * block ({@code ReadyForQuery 'T'} or {@code 'E'}) ends the client with 08P01.
     */
    STATEMENT("statement");

    private final String yamlName;

    PoolMode(String yamlName) {
        this.yamlName = yamlName;
    }

    /** Servers go back to the pool while the client stays: transaction and statement pooling. */
    public boolean sharesServers() {
        return this != SESSION;
    }

    /** The spelling used in the YAML file and on the command line. */
    public String yamlName() {
        return yamlName;
    }

    public static Optional<PoolMode> fromYaml(String name) {
        for (PoolMode mode : values()) {
            if (mode.yamlName.equals(name)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }

    /** {@code transaction, session, statement}: for error messages and help. */
    public static String choices() {
        return YamlNames.join(values(), PoolMode::yamlName);
    }
}
