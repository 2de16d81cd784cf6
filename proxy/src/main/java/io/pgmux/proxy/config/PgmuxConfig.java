package io.pgmux.proxy.config;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

public record PgmuxConfig(HostPort listen, int eventLoops, int maxClientConnections, int maxMessageSize, PoolMode poolMode, int poolSize,
        Duration queryWaitTimeout, Duration serverConnectTimeout, Duration serverLoginRetry, Duration serverIdleTimeout, Duration serverLifetime,
        String serverResetQuery, Duration shutdownTimeout, AuthMethod clientAuth, HostPort upstream, Map<String, UserConfig> users,
        Map<String, DatabaseConfig> databases) {

    public static PgmuxConfig defaults() {
        return new PgmuxConfig(new HostPort("127.0.0.1", 6432), 0, 10000, 64 << 20, PoolMode.TRANSACTION, 20, Duration.ofSeconds(120),
                Duration.ofSeconds(15), Duration.ofSeconds(1), Duration.ofSeconds(600), Duration.ofSeconds(3600), "DISCARD ALL",
                Duration.ofSeconds(30), AuthMethod.TRUST, new HostPort("127.0.0.1", 5432), Map.of(), Map.of());
    }

    public Optional<DatabaseConfig> database(String clientDatabase) {
        DatabaseConfig listed = databases.get(clientDatabase);
        if (listed != null) {
            return Optional.of(listed);
        }
        if (upstream == null) {
            return Optional.empty();
        }
        return Optional.of(new DatabaseConfig(clientDatabase, upstream, clientDatabase, null, null, poolSize, poolMode));
    }

    public int effectiveEventLoops() {
        return eventLoops > 0 ? eventLoops : Runtime.getRuntime().availableProcessors();
    }
}
