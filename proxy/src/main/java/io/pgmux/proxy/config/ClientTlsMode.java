package io.pgmux.proxy.config;

import java.util.Optional;

/** Whether clients may or must use TLS, with PgBouncer's meaning. YAML key {@code client_tls.mode}. */
public enum ClientTlsMode {
    /** Plain TCP only: an SSLRequest is answered 'N', a direct TLS ClientHello closes the connection. */
    DISABLE("disable"),
    /** TLS when the client asks for it, plain TCP otherwise. */
    ALLOW("allow"),
    /** As {@code allow} (the client decides; pgmux cannot prefer anything). */
    PREFER("prefer"),
    /** TLS only: a client that logs in without it gets FATAL 28000. */
    REQUIRE("require");

    private final String yamlName;

    ClientTlsMode(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    /** True unless {@link #DISABLE}: pgmux answers TLS. */
    public boolean enabled() {
        return this != DISABLE;
    }

    public static Optional<ClientTlsMode> fromYaml(String name) {
        for (ClientTlsMode mode : values()) {
            if (mode.yamlName.equals(name)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }

    public static String choices() {
        return YamlNames.join(values(), ClientTlsMode::yamlName);
    }
}
