package io.pgmux.proxy.config;

import java.util.Optional;

/** How clients prove who they are. YAML key {@code client_auth}. */
public enum AuthMethod {
    /** Anyone who can connect may log in as any user. */
    TRUST("trust"),
    /** Cleartext password (use with TLS only). */
    PASSWORD("password"),
    /** Postgres' MD5 challenge. */
    MD5("md5"),
    /** SCRAM-SHA-256 (RFC 7677), as Postgres does it. */
    SCRAM_SHA_256("scram-sha-256");

    private final String yamlName;

    AuthMethod(String yamlName) {
        this.yamlName = yamlName;
    }

    /** The spelling used in the YAML file. */
    public String yamlName() {
        return yamlName;
    }

    public static Optional<AuthMethod> fromYaml(String name) {
        for (AuthMethod method : values()) {
            if (method.yamlName.equals(name)) {
                return Optional.of(method);
            }
        }
        return Optional.empty();
    }

    /** {@code trust, password, md5, scram-sha-256}: for error messages and help. */
    public static String choices() {
        return YamlNames.join(values(), AuthMethod::yamlName);
    }
}
