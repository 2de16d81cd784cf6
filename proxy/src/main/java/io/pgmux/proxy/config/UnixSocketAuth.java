package io.pgmux.proxy.config;

import java.util.Optional;

/** How clients on the Unix domain socket log in. YAML key {@code unix_socket_auth}. */
public enum UnixSocketAuth {
    /** As TCP clients: {@code client_auth}. */
    CLIENT_AUTH("client_auth"),
    /**
     * As Postgres's {@code peer}: the kernel says which OS user runs the client (SO_PEERCRED), and
     * that user's name must be the user the client asks for. No password is asked.
     */
    PEER("peer");

    private final String yamlName;

    UnixSocketAuth(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    public static Optional<UnixSocketAuth> fromYaml(String name) {
        for (UnixSocketAuth auth : values()) {
            if (auth.yamlName.equals(name)) {
                return Optional.of(auth);
            }
        }
        return Optional.empty();
    }

    /** {@code client_auth, peer}: for error messages. */
    public static String choices() {
        return YamlNames.join(values(), UnixSocketAuth::yamlName);
    }
}
