package io.pgmux.bench.net;

import java.time.Duration;
import java.util.Objects;

/** Where and as whom a load client logs in. {@code password} may be null (trust). */
public record ConnectSettings(String host, int port, String database, String user, String password,
        Duration connectTimeout) {

    public ConnectSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not 1..65535");
        }
    }

    public ConnectSettings withAddress(String host, int port) {
        return new ConnectSettings(host, port, database, user, password, connectTimeout);
    }

    public String address() {
        return host + ":" + port;
    }
}
