package io.pgmux.proxy.config;

import java.util.Optional;

/** What pgmux asks of a TLS client's certificate. YAML key {@code client_tls.verify}. */
public enum ClientCertVerify {
    /**
     * No client certificate is required. With {@code client_tls.ca_file} set, one is asked for and, when
     * sent, must be signed by it (as Postgres does with {@code ssl_ca_file}): HBA's {@code cert} method and
     * {@code clientcert} option use it; without, none is asked for.
     */
    NONE("none"),
    /** A TLS client must present a valid certificate signed by {@code client_tls.ca_file}. */
    VERIFY_CA("verify-ca"),
    /** As {@code verify-ca}, and the certificate's CN must be the user name of the login (Postgres's {@code clientcert=verify-full}). */
    VERIFY_FULL("verify-full");

    private final String yamlName;

    ClientCertVerify(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    public static Optional<ClientCertVerify> fromYaml(String name) {
        for (ClientCertVerify verify : values()) {
            if (verify.yamlName.equals(name)) {
                return Optional.of(verify);
            }
        }
        return Optional.empty();
    }

    public static String choices() {
        return YamlNames.join(values(), ClientCertVerify::yamlName);
    }
}
