package io.pgmux.proxy.config;

import java.util.Optional;

/**
 * Channel binding in pgmux's SCRAM login to Postgres, with libpq's {@code channel_binding}
 * meanings. YAML key {@code server_tls.channel_binding}.
 */
public enum ChannelBindingMode {
    /** SCRAM-SHA-256 without channel binding. */
    DISABLE("disable"),
    /** SCRAM-SHA-256-PLUS (tls-server-end-point) when the connection is TLS and the server offers it. */
    PREFER("prefer"),
    /** Only SCRAM-SHA-256-PLUS: any other way of logging in fails. */
    REQUIRE("require");

    private final String yamlName;

    ChannelBindingMode(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    public static Optional<ChannelBindingMode> fromYaml(String name) {
        for (ChannelBindingMode mode : values()) {
            if (mode.yamlName.equals(name)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }

    public static String choices() {
        return YamlNames.join(values(), ChannelBindingMode::yamlName);
    }
}
