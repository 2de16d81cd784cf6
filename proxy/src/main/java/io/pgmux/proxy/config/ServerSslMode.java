package io.pgmux.proxy.config;

import java.util.Optional;

/**
 * Whether and how pgmux uses TLS to Postgres, with libpq's {@code sslmode} meanings. YAML key
 * {@code server_tls.sslmode}.
 */
public enum ServerSslMode {
    /** Plaintext only. */
    DISABLE("disable"),
    /** Plaintext first; TLS only when the server refuses the plaintext login. */
    ALLOW("allow"),
    /** TLS when the server offers it ('S' to the SSLRequest), plaintext when it says 'N'. */
    PREFER("prefer"),
    /** TLS or nothing; the server's certificate is not checked. */
    REQUIRE("require"),
    /** TLS, with the server's certificate signed by a trusted CA. */
    VERIFY_CA("verify-ca"),
    /** As {@code verify-ca}, and the certificate names the host pgmux connects to. */
    VERIFY_FULL("verify-full");

    private final String yamlName;

    ServerSslMode(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    /** The connection must be TLS ({@code require} and above). */
    public boolean requiresTls() {
        return compareTo(REQUIRE) >= 0;
    }

    /** The server's certificate chain is checked against the trusted CAs. */
    public boolean verifiesChain() {
        return compareTo(VERIFY_CA) >= 0;
    }

    public static Optional<ServerSslMode> fromYaml(String name) {
        for (ServerSslMode mode : values()) {
            if (mode.yamlName.equals(name)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }

    public static String choices() {
        return YamlNames.join(values(), ServerSslMode::yamlName);
    }
}
