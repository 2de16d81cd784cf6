package io.pgmux.proxy.config;

import java.util.Optional;

/**
 * How a TLS connection to Postgres starts, with libpq's {@code sslnegotiation} meanings. YAML key
 * {@code server_tls.sslnegotiation}.
 */
public enum SslNegotiation {
    /** An SSLRequest, the server's 'S', then the TLS handshake: every Postgres version. */
    POSTGRES("postgres"),
    /** The TLS handshake at once, ALPN {@code postgresql}: Postgres 17 and later, one round trip less. */
    DIRECT("direct");

    private final String yamlName;

    SslNegotiation(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    public static Optional<SslNegotiation> fromYaml(String name) {
        for (SslNegotiation negotiation : values()) {
            if (negotiation.yamlName.equals(name)) {
                return Optional.of(negotiation);
            }
        }
        return Optional.empty();
    }

    public static String choices() {
        return YamlNames.join(values(), SslNegotiation::yamlName);
    }
}
