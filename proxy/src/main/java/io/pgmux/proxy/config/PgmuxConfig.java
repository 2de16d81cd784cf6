package io.pgmux.proxy.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole configuration, every default applied. Built by {@link ConfigLoader} from the YAML file
 * (whose keys are the public API; this record is not) or by {@link #defaults()}.
 *
 * <p>Durations of zero mean "never" / "forever" where the YAML documentation says so
 * ({@code query_wait_timeout}, {@code server_idle_timeout}, {@code server_lifetime}).
 * {@code serverResetQuery} is empty when none should run. {@code upstream} is null when only the
 * listed databases may be used. The maps keep the order of the file and cannot be modified.
 */
public record PgmuxConfig(
        HostPort listen,
        int eventLoops,
        int maxClientConnections,
        int maxMessageSize,
        PoolMode poolMode,
        int poolSize,
        Duration queryWaitTimeout,
        Duration serverConnectTimeout,
        Duration serverLoginRetry,
        Duration serverIdleTimeout,
        Duration serverLifetime,
        String serverResetQuery,
        Duration shutdownTimeout,
        AuthMethod clientAuth,
        HostPort upstream,
        Map<String, UserConfig> users,
        Map<String, DatabaseConfig> databases,
        PreparedStatementsConfig preparedStatements,
        ObservabilityConfig observability,
        PoolLimitsConfig poolLimits,
        LoginLimits loginLimits,
        ServerLimits serverLimits,
        TimeoutsConfig timeouts,
        SessionFeaturesConfig sessionFeatures,
        UnixSocketConfig unixSocket,
        ClientTlsConfig clientTls,
        ServerTlsConfig serverTls,
        AuthQueryConfig authQuery,
        HbaConfig hba,
        AuthFailureLimits authFailures,
        PeersConfig peers,
        SessionSetupConfig sessionSetup,
        TransportChoice transport,
        boolean soReuseport) {

    /** The host and port of a database server when neither the database nor {@code upstream} says. */
    public static final HostPort DEFAULT_SERVER = new HostPort("127.0.0.1", 5432);
    /** The largest {@code pool_size} accepted, in the file or on the command line. */
    public static final int MAX_POOL_SIZE = 100_000;

    public PgmuxConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(poolMode, "poolMode");
        Objects.requireNonNull(queryWaitTimeout, "queryWaitTimeout");
        Objects.requireNonNull(serverConnectTimeout, "serverConnectTimeout");
        Objects.requireNonNull(serverLoginRetry, "serverLoginRetry");
        Objects.requireNonNull(serverIdleTimeout, "serverIdleTimeout");
        Objects.requireNonNull(serverLifetime, "serverLifetime");
        Objects.requireNonNull(serverResetQuery, "serverResetQuery");
        Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        Objects.requireNonNull(clientAuth, "clientAuth");
        Objects.requireNonNull(preparedStatements, "preparedStatements");
        Objects.requireNonNull(observability, "observability");
        Objects.requireNonNull(poolLimits, "poolLimits");
        Objects.requireNonNull(loginLimits, "loginLimits");
        Objects.requireNonNull(serverLimits, "serverLimits");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(sessionFeatures, "sessionFeatures");
        Objects.requireNonNull(unixSocket, "unixSocket");
        Objects.requireNonNull(clientTls, "clientTls");
        Objects.requireNonNull(serverTls, "serverTls");
        Objects.requireNonNull(authQuery, "authQuery");
        Objects.requireNonNull(hba, "hba");
        Objects.requireNonNull(authFailures, "authFailures");
        Objects.requireNonNull(peers, "peers");
        Objects.requireNonNull(sessionSetup, "sessionSetup");
        Objects.requireNonNull(transport, "transport");
        if (eventLoops < 0 || maxClientConnections < 1 || maxMessageSize < 1 || poolSize < 1) {
            throw new IllegalArgumentException("eventLoops must be >= 0; maxClientConnections, "
                    + "maxMessageSize and poolSize >= 1");
        }
        if (upstream != null && upstream.port() == 0) {
            throw new IllegalArgumentException("upstream port must be 1..65535");
        }
        users = Collections.unmodifiableMap(new LinkedHashMap<>(users));
        databases = Collections.unmodifiableMap(new LinkedHashMap<>(databases));
    }

    /**
     * What an empty config file gives: every key at the default {@link ConfigKeys} declares; equal to
     * what the shipped {@code conf/pgmux.yaml} gives.
     */
    public static PgmuxConfig defaults() {
        return ConfigValues.defaults().toConfig();
    }

    /**
     * Where a client asking for {@code clientDatabase} goes: the listed database of that name, else
     * that name {@linkplain DatabaseConfig#forwarding forwarded} to {@code upstream} with the global
     * pool size and mode, else nothing (the client gets an error).
     */
    public Optional<DatabaseConfig> database(String clientDatabase) {
        DatabaseConfig listed = databases.get(clientDatabase);
        if (listed != null) {
            return Optional.of(listed);
        }
        if (upstream == null) {
            return Optional.empty();
        }
        return Optional.of(DatabaseConfig.forwarding(clientDatabase, upstream, poolSize, poolMode));
    }

    /** {@code max_db_client_connections} of the client database {@code name}: its own, else the global one; 0 = no limit. */
    public int maxDbClientConnections(String name) {
        return database(name).map(db -> db.limits().maxDbClientConnections(loginLimits))
                .orElse(loginLimits.maxDbClientConnections());
    }

    /** {@code max_user_client_connections} of user {@code name}: its own under {@code users}, else the global one; 0 = no limit. */
    public int maxUserClientConnections(String name) {
        UserConfig listed = users.get(name);
        return listed != null ? listed.maxUserClientConnections(loginLimits) : loginLimits.maxUserClientConnections();
    }

    /**
     * How the users of {@code database} are looked up: its own {@code auth_user}, {@code auth_query}
     * and {@code auth_dbname} where it sets them, else the global ones.
     */
    public AuthQueryConfig authQuery(DatabaseConfig database) {
        DatabaseConfig.DatabaseAuthQuery own = database.authQuery();
        if (own == null) {
            return authQuery;
        }
        return new AuthQueryConfig(own.user() != null ? own.user() : authQuery.user(),
                own.query() != null ? own.query() : authQuery.query(),
                own.dbname() != null ? own.dbname() : authQuery.dbname(), authQuery.cacheTtl());
    }

    /** How {@code database}'s pools reach Postgres: its own {@code server_tls}, else the global one. */
    public ServerTlsConfig serverTls(DatabaseConfig database) {
        return database.serverTls() != null ? database.serverTls() : serverTls;
    }

    /** The SQL {@code database}'s new servers run before they join a pool: its own {@code connect_query}, else the global one. */
    public String connectQuery(DatabaseConfig database) {
        return database.connectQuery() != null ? database.connectQuery() : sessionSetup.connectQuery();
    }

    /** What {@code database}'s pools do with session features: its own {@code session_features}, else the global one. */
    public SessionFeaturesPolicy sessionFeaturesPolicy(DatabaseConfig database) {
        return database.sessionFeatures() != null ? database.sessionFeatures() : sessionFeatures.policy();
    }

    /** The prepared-statement mode of {@code database}'s pools. */
    public PreparedStatementMode preparedStatementMode(DatabaseConfig database) {
        return PreparedStatementMode.effective(database.preparedStatements(), preparedStatements.mode(), database.poolMode());
    }

    /** {@code eventLoops}, with 0 meaning one per available processor. */
    public int effectiveEventLoops() {
        return eventLoops > 0 ? eventLoops : defaultEventLoops(Runtime.getRuntime().availableProcessors());
    }

    /**
     * Half the cores, at least one. pgmux shares its machine with the application (as a sidecar) or
     * with Postgres, and its work per message is small: fewer loops leave those their cores, and put a
     * client and its server on one loop more often, which saves a cross-thread hand-over each way.
     * (Measured on 2 cores with Postgres alongside: one loop gave 10% more transactions than two, at
     * 20% less CPU per transaction.)
     */
    static int defaultEventLoops(int cores) {
        return Math.max(1, cores / 2);
    }

    /**
     * Applies command-line overrides; null fields keep what the file says.
     * <ul>
     *   <li>{@code listen} replaces {@code listen}; {@code http} replaces {@code http.listen}, and
     *       {@code httpOff} turns the HTTP endpoint off (like {@code http.listen: ""}).
     *   <li>{@code upstream} replaces {@code upstream}: where databases that are not listed go. Listed
     *       databases keep the server they were given when the file was loaded.
     *   <li>{@code poolSize} and {@code poolMode} replace the global default <em>and</em> the value
     *       of every listed database, including one that set its own: a flag on the command line is
     *       the operator's latest word and means the same whatever the file says.
     * </ul>
     */
    public PgmuxConfig withOverrides(CliOverrides o) {
        ConfigValues values = ConfigValues.of(this);
        if (o.listen() != null) {
            values.put(ConfigKeys.LISTEN, o.listen());
        }
        if (o.upstream() != null) {
            values.put(ConfigKeys.UPSTREAM, o.upstream());
        }
        if (o.poolSize() != null) {
            values.put(ConfigKeys.POOL_SIZE, o.poolSize());
        }
        if (o.poolMode() != null) {
            values.put(ConfigKeys.POOL_MODE, o.poolMode());
        }
        Map<String, DatabaseConfig> newDatabases = new LinkedHashMap<>();
        for (DatabaseConfig db : databases.values()) {
            DatabaseConfig changed = db;
            if (o.poolSize() != null) {
                changed = changed.withPoolSize(o.poolSize());
            }
            if (o.poolMode() != null) {
                changed = changed.withPoolMode(o.poolMode());
            }
            newDatabases.put(changed.name(), changed);
        }
        values.put(ConfigKeys.DATABASES, newDatabases);
        if (o.httpOff()) {
            values.put(ConfigKeys.HTTP_LISTEN, null);
        } else if (o.http() != null) {
            values.put(ConfigKeys.HTTP_LISTEN, o.http());
        }
        return values.toConfig();
    }
}
