package io.pgmux.proxy.config;

import static io.pgmux.proxy.config.ConfigKey.Reload.APPLIED;
import static io.pgmux.proxy.config.ConfigKey.Reload.NEEDS_RESTART;

import io.pgmux.proxy.config.ConfigKey.Reader;
import io.pgmux.proxy.config.ConfigKey.Reload;
import io.pgmux.proxy.config.ConfigKey.Type;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BinaryOperator;
import java.util.function.Function;

/**
 * Every key of {@code pgmux.yaml}, each declared once: name, how it is read and checked, default,
 * whether RELOAD applies it, and where {@link PgmuxConfig} keeps it. The loader reads the keys in
 * this order (a key another one depends on is read first when asked for), SHOW CONFIG lists them in
 * this order, and a reload compares and keeps them by these declarations.
 *
 * <p>To add a key: declare it here, give the typed config a place for it and fill that place in
 * {@link #toConfig}, and document it in {@code conf/pgmux.yaml} and the README (tests check both).
 */
final class ConfigKeys {
    static final int MAX_EVENT_LOOPS = 1024;
    static final int MIN_MESSAGE_SIZE = 1 << 10;
    /** Postgres itself refuses messages of 1 GB or more. */
    static final int MAX_MESSAGE_SIZE_LIMIT = 1 << 30;

    // Declared before the keys: each key adds itself here as it is declared.
    private static final List<ConfigKey<?>> DECLARED = new ArrayList<>();

    /** Every key, in the order of the declarations below. */
    static final List<ConfigKey<?>> ALL = Collections.unmodifiableList(DECLARED);

    // Each declaration: key(YAML name, type (how it is read, checked and shown), default,
    // APPLIED or NEEDS_RESTART at reload, where PgmuxConfig keeps it).

    // ------------------------------------------------------------------------------------ clients

    static final ConfigKey<HostPort> LISTEN = key("listen", hostPort(0),
            new HostPort("127.0.0.1", 6432), NEEDS_RESTART, PgmuxConfig::listen);

    /** SO_REUSEPORT on the {@code listen} socket: several pgmux processes on one port (epoll and io_uring only). */
    static final ConfigKey<Boolean> SO_REUSEPORT = key("so_reuseport", bool(),
            false, NEEDS_RESTART, PgmuxConfig::soReuseport);

    /** 0 = one per two cores (see {@link PgmuxConfig#effectiveEventLoops()}). */
    static final ConfigKey<Integer> EVENT_LOOPS = key("event_loops", integer(0, MAX_EVENT_LOOPS),
            0, NEEDS_RESTART, PgmuxConfig::eventLoops);

    /** auto = epoll on Linux, else NIO; io_uring (experimental) falls back to epoll, with a warning, where the kernel refuses it. */
    static final ConfigKey<TransportChoice> TRANSPORT = key("transport",
            choice(TransportChoice::fromYaml, TransportChoice.choices(), TransportChoice::yamlName),
            TransportChoice.AUTO, NEEDS_RESTART, PgmuxConfig::transport);

    static final ConfigKey<Integer> MAX_CLIENT_CONNECTIONS = key("max_client_connections", integer(1, Integer.MAX_VALUE),
            10_000, APPLIED, PgmuxConfig::maxClientConnections);

    /**
     * 10,000 at once: a cold-start storm the size of the default {@code max_client_connections} gets
     * in, and each costs at most a socket and an 8 kB message.
     */
    static final ConfigKey<Integer> MAX_PENDING_LOGINS = key("max_pending_logins", integer(1, Integer.MAX_VALUE),
            10_000, APPLIED, c -> c.loginLimits().maxPendingLogins());

    /** 60 s, as pgmux always allowed. */
    static final ConfigKey<Duration> CLIENT_LOGIN_TIMEOUT = key("client_login_timeout", duration(Duration.ofMillis(1)),
            Duration.ofSeconds(60), APPLIED, c -> c.loginLimits().clientLoginTimeout());

    /** 3 console sessions beyond {@code max_client_connections}, as Postgres's {@code superuser_reserved_connections}. */
    static final ConfigKey<Integer> ADMIN_RESERVED_CONNECTIONS = key("admin_reserved_connections",
            integer(0, LoginLimits.MAX_ADMIN_RESERVED), 3, APPLIED, c -> c.loginLimits().adminReservedConnections());

    /** 0 = no limit (PgBouncer's default). Can be set per database; counts clients logged in to it, the console's not. */
    static final ConfigKey<Integer> MAX_DB_CLIENT_CONNECTIONS = key("max_db_client_connections", integer(0, Integer.MAX_VALUE),
            0, APPLIED, c -> c.loginLimits().maxDbClientConnections());

    /** 0 = no limit (PgBouncer's default). Can be set per user; counts clients logged in as the user, the console's not. */
    static final ConfigKey<Integer> MAX_USER_CLIENT_CONNECTIONS = key("max_user_client_connections",
            integer(0, Integer.MAX_VALUE), 0, APPLIED, c -> c.loginLimits().maxUserClientConnections());

    /** The frame decoders are made with it when a connection opens. */
    static final ConfigKey<Integer> MAX_MESSAGE_SIZE = key("max_message_size", size(MIN_MESSAGE_SIZE, MAX_MESSAGE_SIZE_LIMIT),
            64 * 1024 * 1024, NEEDS_RESTART, PgmuxConfig::maxMessageSize);

    static final ConfigKey<AuthMethod> CLIENT_AUTH = key("client_auth",
            choice(AuthMethod::fromYaml, AuthMethod.choices(), AuthMethod::yamlName),
            AuthMethod.TRUST, APPLIED, PgmuxConfig::clientAuth);

    /**
     * null = {@code trust} admits any user name; a list (PgBouncer's trust, which admits the users of
     * its auth_file): only these names, and those auth_query finds. Applies to trust HBA rules too.
     */
    static final ConfigKey<List<String>> TRUST_USERS = key("trust_users", optionalNames(),
            null, APPLIED, c -> c.hba().trustUsers() == null ? null : List.copyOf(c.hba().trustUsers()));

    /** null = no lookups: only the users listed under {@code users} can log in (unless client_auth is trust). */
    static final ConfigKey<String> AUTH_USER = key("auth_user", optionalName(),
            null, APPLIED, c -> c.authQuery().user());

    static final ConfigKey<String> AUTH_QUERY = key("auth_query", type((yaml, name, dflt, reading) -> {
                String query = yaml.string(name, dflt);
                if (query == null || query.isBlank()) {
                    yaml.error(name, "must not be empty: a query that takes the user name as $1 and returns (name, secret)");
                    return dflt;
                }
                return query;
            }, Function.identity()),
            AuthQueryConfig.DEFAULT_QUERY, APPLIED, c -> c.authQuery().query());

    /**
     * null = the server database the client asked for; a name listed under {@code databases} is that
     * entry (its server and database, as PgBouncer's), any other a database on the client's server.
     */
    static final ConfigKey<String> AUTH_DBNAME = key("auth_dbname", authDbname(),
            null, APPLIED, c -> c.authQuery().dbname());

    /** 30 s: a changed password is taken that long after ALTER ROLE at most; 0 = ask every time (one lookup still serves a storm). */
    static final ConfigKey<Duration> AUTH_CACHE_TTL = key("auth_cache_ttl", duration(Duration.ZERO),
            Duration.ofSeconds(30), APPLIED, c -> c.authQuery().cacheTtl());

    /** Lines of user name maps, as pg_ident.conf's; HBA rules name a map with {@code map}. A list, so its variable holds YAML. */
    static final ConfigKey<List<IdentMapEntry>> IDENT_MAPS = key("ident_maps",
            new Type<>(HbaRules::readIdentMaps, lines -> lines.isEmpty() ? "" : lines.size() + " lines", true),
            List.of(), APPLIED, c -> c.hba().identMaps().entries());

    /** null = none; in pg_ident.conf syntax (PgBouncer's auth_ident_file), read again at each reload. */
    static final ConfigKey<IdentMaps.IdentFile> IDENT_FILE = key("ident_file",
            new Type<>(HbaRules::readIdentFile, file -> file == null ? "" : file.path()),
            null, APPLIED, c -> c.hba().identMaps().file());

    /** null = no rules: every client authenticates with client_auth. A list, so its variable holds YAML. */
    static final ConfigKey<List<HbaRule>> HBA = key("hba",
            new Type<>(HbaRules::readList, rules -> rules == null ? "" : rules.size() + " rules", true),
            null, APPLIED, c -> c.hba().rules());

    /** null = none; read again at each reload. */
    static final ConfigKey<HbaConfig.HbaFile> HBA_FILE = key("hba_file",
            new Type<>(HbaRules::readFile, file -> file == null ? "" : file.path()),
            null, APPLIED, c -> c.hba().file());

    /** 200 ms, then 400 ms, 800 ms... for each further failure from one address; 0 = off. */
    static final ConfigKey<Duration> AUTH_FAILURE_DELAY = key("auth_failure_delay", duration(Duration.ZERO),
            Duration.ofMillis(200), APPLIED, c -> c.authFailures().delay());

    static final ConfigKey<Duration> AUTH_FAILURE_MAX_DELAY = key("auth_failure_max_delay", duration(Duration.ZERO),
            Duration.ofSeconds(5), APPLIED, c -> c.authFailures().maxDelay());

    static final ConfigKey<List<String>> ADMIN_USERS = key("admin_users", consoleUsers(),
            List.of(), APPLIED, c -> c.observability().adminUsers());

    static final ConfigKey<List<String>> STATS_USERS = key("stats_users", consoleUsers(),
            List.of(), APPLIED, c -> c.observability().statsUsers());

    // -------------------------------------------------------------------------------------- pools

    static final ConfigKey<PoolMode> POOL_MODE = key("pool_mode",
            choice(PoolMode::fromYaml, PoolMode.choices(), PoolMode::yamlName),
            PoolMode.TRANSACTION, APPLIED, PgmuxConfig::poolMode);

    static final ConfigKey<Integer> POOL_SIZE = key("pool_size", integer(1, PgmuxConfig.MAX_POOL_SIZE),
            20, APPLIED, PgmuxConfig::poolSize);

    /** 0 = forever. */
    static final ConfigKey<Duration> QUERY_WAIT_TIMEOUT = key("query_wait_timeout", duration(Duration.ZERO),
            Duration.ofSeconds(120), APPLIED, PgmuxConfig::queryWaitTimeout);

    static final ConfigKey<Integer> MAX_POOLS = key("max_pools", integer(1, PoolLimitsConfig.MAX_POOLS_LIMIT),
            1000, APPLIED, c -> c.poolLimits().maxPools());

    /** 0 = unused pools are kept until {@code max_pools} needs the room. */
    static final ConfigKey<Duration> POOL_IDLE_TIMEOUT = key("pool_idle_timeout", duration(Duration.ZERO),
            Duration.ofSeconds(60), APPLIED, c -> c.poolLimits().poolIdleTimeout());

    /** 0 = none; a pool keeps at most its pool_size. Can be set per database. */
    static final ConfigKey<Integer> MIN_POOL_SIZE = key("min_pool_size", integer(0, PgmuxConfig.MAX_POOL_SIZE),
            0, APPLIED, c -> c.serverLimits().minPoolSize());

    /** Can be set per database. */
    static final ConfigKey<Integer> RESERVE_POOL_SIZE = key("reserve_pool_size", integer(0, PgmuxConfig.MAX_POOL_SIZE),
            0, APPLIED, c -> c.serverLimits().reservePoolSize());

    /** 5 s, as PgBouncer. */
    static final ConfigKey<Duration> RESERVE_POOL_TIMEOUT = key("reserve_pool_timeout", duration(Duration.ZERO),
            Duration.ofSeconds(5), APPLIED, c -> c.serverLimits().reservePoolTimeout());

    /** 0 = no limit. Can be set per database. */
    static final ConfigKey<Integer> MAX_DB_CONNECTIONS = key("max_db_connections", integer(0, Integer.MAX_VALUE),
            0, APPLIED, c -> c.serverLimits().maxDbConnections());

    /** 0 = no limit. Can be set per user. */
    static final ConfigKey<Integer> MAX_USER_CONNECTIONS = key("max_user_connections", integer(0, Integer.MAX_VALUE),
            0, APPLIED, c -> c.serverLimits().maxUserConnections());

    /** A database may have its own {@code session_features}. */
    static final ConfigKey<SessionFeaturesPolicy> SESSION_FEATURES = key("session_features",
            choice(SessionFeaturesPolicy::fromYaml, SessionFeaturesPolicy.choices(), SessionFeaturesPolicy::yamlName),
            SessionFeaturesPolicy.PIN, APPLIED, c -> c.sessionFeatures().policy());

    /** 0 = half of each pool's {@code pool_size}, at least 1. */
    static final ConfigKey<Integer> MAX_PINNED_SERVERS = key("max_pinned_servers", integer(0, PgmuxConfig.MAX_POOL_SIZE),
            0, APPLIED, c -> c.sessionFeatures().maxPinnedServers());

    // ------------------------------------------------------------------------------------ servers

    static final ConfigKey<Duration> SERVER_CONNECT_TIMEOUT = key("server_connect_timeout", duration(Duration.ofMillis(1)),
            Duration.ofSeconds(15), APPLIED, PgmuxConfig::serverConnectTimeout);

    static final ConfigKey<Duration> SERVER_LOGIN_RETRY = key("server_login_retry", duration(Duration.ZERO),
            Duration.ofSeconds(1), APPLIED, PgmuxConfig::serverLoginRetry);

    /** 0 = never. */
    static final ConfigKey<Duration> SERVER_IDLE_TIMEOUT = key("server_idle_timeout", duration(Duration.ZERO),
            Duration.ofSeconds(600), APPLIED, PgmuxConfig::serverIdleTimeout);

    /** 0 = forever. */
    static final ConfigKey<Duration> SERVER_LIFETIME = key("server_lifetime", duration(Duration.ZERO),
            Duration.ofSeconds(3600), APPLIED, PgmuxConfig::serverLifetime);

    /** "" = none. */
    static final ConfigKey<String> SERVER_RESET_QUERY = key("server_reset_query", resetQuery(),
            "DISCARD ALL", APPLIED, PgmuxConfig::serverResetQuery);

    /** 15 s, as PgBouncer; 0 = look the name up for every new server connection. */
    static final ConfigKey<Duration> DNS_MAX_TTL = key("dns_max_ttl", duration(Duration.ZERO),
            Duration.ofSeconds(15), APPLIED, c -> c.serverLimits().dnsMaxTtl());

    static final ConfigKey<Duration> SHUTDOWN_TIMEOUT = key("shutdown_timeout", duration(Duration.ZERO),
            Duration.ofSeconds(30), APPLIED, PgmuxConfig::shutdownTimeout);

    // ----------------------------------------------------------- peers that stop answering (PgBouncer's names)

    /** 0 = off. */
    static final ConfigKey<Duration> QUERY_TIMEOUT = key("query_timeout", duration(Duration.ZERO),
            Duration.ZERO, APPLIED, c -> c.timeouts().queryTimeout());

    /** 0 = off. */
    static final ConfigKey<Duration> IDLE_TRANSACTION_TIMEOUT = key("idle_transaction_timeout", duration(Duration.ZERO),
            Duration.ZERO, APPLIED, c -> c.timeouts().idleTransactionTimeout());

    /** 0 = off. */
    static final ConfigKey<Duration> CLIENT_IDLE_TIMEOUT = key("client_idle_timeout", duration(Duration.ZERO),
            Duration.ZERO, APPLIED, c -> c.timeouts().clientIdleTimeout());

    /** 0 = off. Counted from a transaction's first request (an autocommit statement is one). */
    static final ConfigKey<Duration> TRANSACTION_TIMEOUT = key("transaction_timeout", duration(Duration.ZERO),
            Duration.ZERO, APPLIED, c -> c.timeouts().transactionTimeout());

    /** 0 = check a server every time before a client gets it. */
    static final ConfigKey<Duration> SERVER_CHECK_DELAY = key("server_check_delay", duration(Duration.ZERO),
            Duration.ofSeconds(30), APPLIED, c -> c.timeouts().serverCheckDelay());

    /** "" = a Sync, answered by a ReadyForQuery without running any SQL. */
    static final ConfigKey<String> SERVER_CHECK_QUERY = key("server_check_query", resetQuery(),
            "", APPLIED, c -> c.timeouts().serverCheckQuery());

    /** New sockets take the TCP settings; those open at a reload keep theirs. */
    static final ConfigKey<Boolean> TCP_KEEPALIVE = key("tcp_keepalive", bool(),
            true, APPLIED, c -> c.timeouts().keepalive().enabled());

    /** 0 = the OS default (Linux: 7200 s). */
    static final ConfigKey<Duration> TCP_KEEPIDLE = key("tcp_keepidle", wholeSeconds(TcpKeepalive.MAX_KEEPALIVE_TIME),
            Duration.ZERO, APPLIED, c -> c.timeouts().keepalive().idle());

    /** 0 = the OS default (Linux: 75 s). */
    static final ConfigKey<Duration> TCP_KEEPINTVL = key("tcp_keepintvl", wholeSeconds(TcpKeepalive.MAX_KEEPALIVE_TIME),
            Duration.ZERO, APPLIED, c -> c.timeouts().keepalive().interval());

    /** 0 = the OS default (Linux: 9). */
    static final ConfigKey<Integer> TCP_KEEPCNT = key("tcp_keepcnt", integer(0, TcpKeepalive.MAX_COUNT),
            0, APPLIED, c -> c.timeouts().keepalive().count());

    /** 0 = the OS default (none). A plain number is milliseconds, as in PgBouncer. */
    static final ConfigKey<Duration> TCP_USER_TIMEOUT = key("tcp_user_timeout", millisDuration(Duration.ofMillis(Integer.MAX_VALUE)),
            Duration.ZERO, APPLIED, c -> c.timeouts().keepalive().userTimeout());

    // -------------------------------------------------------------------------- where clients go

    /** null = only the listed databases are served. */
    static final ConfigKey<HostPort> UPSTREAM = key("upstream", type(UsersAndDatabases::readUpstream, HostPort::toString),
            PgmuxConfig.DEFAULT_SERVER, APPLIED, PgmuxConfig::upstream);

    static final ConfigKey<Map<String, UserConfig>> USERS = key("users",
            mapping(UsersAndDatabases::readUsers, users -> String.join(",", users.keySet())),
            Map.of(), APPLIED, PgmuxConfig::users);

    /** A reload applies them, except each database's own {@code prepared_statements}, which needs a restart. */
    static final ConfigKey<Map<String, DatabaseConfig>> DATABASES = key("databases",
            mapping(UsersAndDatabases::readDatabases, databases -> String.join(",", databases.keySet())),
            Map.of(), APPLIED, PgmuxConfig::databases, ConfigKeys::keepPreparedModes);

    // ---------------------------------------------------------------------- prepared statements
    // Clients keep their statements by these settings, so the per-client limits need a restart; the
    // global prepared_statements applies to clients that log in after a change (each keeps the mode it
    // logged in with, as with pool_mode, on which auto depends), and max_prepared_statements to each
    // server as it is next used (one over a lowered limit closes statements).

    /** null = auto. */
    static final ConfigKey<PreparedStatementMode> PREPARED_STATEMENTS = key("prepared_statements",
            new Type<>(UsersAndDatabases::readGlobalPreparedMode, mode -> mode == null ? PreparedStatementMode.AUTO : mode.yamlName()),
            null, APPLIED, c -> c.preparedStatements().mode());

    static final ConfigKey<Integer> MAX_PREPARED_STATEMENTS = key("max_prepared_statements",
            integer(1, PreparedStatementsConfig.MAX_LIMIT), 200, APPLIED, c -> c.preparedStatements().maxPerServer());

    static final ConfigKey<Integer> MAX_CLIENT_PREPARED_STATEMENTS = key("max_client_prepared_statements",
            integer(1, PreparedStatementsConfig.MAX_LIMIT), 10_000, NEEDS_RESTART, c -> c.preparedStatements().maxPerClient());

    /**
     * 16 MB: pgmux keeps the text of every statement a client names, to prepare it on the next
     * server, so the names alone (times {@code max_message_size}) do not bound what a client costs.
     * pgJDBC's own statement cache stops at 5 MB a connection.
     */
    static final ConfigKey<Integer> MAX_CLIENT_PREPARED_STATEMENTS_SIZE = key("max_client_prepared_statements_size",
            size(1024, MAX_MESSAGE_SIZE_LIMIT), 16 * 1024 * 1024, NEEDS_RESTART, c -> c.preparedStatements().maxSizePerClient());

    // --------------------------------------------------------------------------------- monitoring

    static final ConfigKey<Duration> STATS_PERIOD = key("stats_period", duration(Duration.ofSeconds(1)),
            Duration.ofSeconds(60), APPLIED, c -> c.observability().statsPeriod());

    /** null = no HTTP endpoint. */
    static final ConfigKey<HostPort> HTTP_LISTEN = key("http.listen",
            type((yaml, name, dflt, reading) -> yaml.hostPortOrNone(name, dflt, 0), HostPort::toString),
            ObservabilityConfig.DEFAULT_HTTP_LISTEN, NEEDS_RESTART, c -> c.observability().httpListen());

    static final ConfigKey<LogLevel> LOG_LEVEL = key("log.level",
            choice(LogLevel::fromYaml, LogLevel.choices(), LogLevel::yamlName),
            LogLevel.INFO, APPLIED, c -> c.observability().logLevel());

    static final ConfigKey<LogFormat> LOG_FORMAT = key("log.format",
            choice(LogFormat::fromYaml, LogFormat.choices(), LogFormat::yamlName),
            LogFormat.PLAIN, APPLIED, c -> c.observability().logFormat());

    /** PgBouncer's key: the client's address and port added to its application_name, for pg_stat_activity. */
    static final ConfigKey<Boolean> APPLICATION_NAME_ADD_HOST = key("application_name_add_host", bool(),
            false, APPLIED, c -> c.observability().applicationNameAddHost());

    // --------------------------------------------------------------------------- Unix domain socket

    /** "" = none. PgBouncer's default: {@code /tmp}. */
    static final ConfigKey<String> UNIX_SOCKET_DIR = key("unix_socket_dir", resetQuery(),
            "/tmp", NEEDS_RESTART, c -> c.unixSocket().dir());

    /** Octal permission bits, 0777 as PgBouncer. */
    static final ConfigKey<Integer> UNIX_SOCKET_MODE = key("unix_socket_mode",
            type((yaml, name, dflt, reading) -> yaml.octalMode(name, dflt, UnixSocketConfig.MAX_MODE), mode -> String.format("0%o", mode)),
            0777, NEEDS_RESTART, c -> c.unixSocket().mode());

    /** "" = the group of the pgmux process. */
    static final ConfigKey<String> UNIX_SOCKET_GROUP = key("unix_socket_group", resetQuery(),
            "", NEEDS_RESTART, c -> c.unixSocket().group());

    static final ConfigKey<UnixSocketAuth> UNIX_SOCKET_AUTH = key("unix_socket_auth",
            choice(UnixSocketAuth::fromYaml, UnixSocketAuth.choices(), UnixSocketAuth::yamlName),
            UnixSocketAuth.CLIENT_AUTH, APPLIED, c -> c.unixSocket().auth());

    /** null = none: every console login authenticates (PgBouncer's own-OS-user rule is for the user pgbouncer). */
    static final ConfigKey<String> UNIX_SOCKET_ADMIN_USER = key("unix_socket_admin_user", optionalName(),
            null, APPLIED, c -> c.unixSocket().adminUser());

    // --------------------------------------------------------------------- TLS from clients

    /** New connections take a reloaded value; open ones keep what they started with. */
    static final ConfigKey<ClientTlsMode> CLIENT_TLS_MODE = key("client_tls.mode",
            choice(ClientTlsMode::fromYaml, ClientTlsMode.choices(), ClientTlsMode::yamlName),
            ClientTlsMode.DISABLE, APPLIED, c -> c.clientTls().mode());

    /** Read again at every reload, as are the other files. */
    static final ConfigKey<String> CLIENT_TLS_CERT_FILE = key("client_tls.cert_file",
            type((yaml, name, dflt, reading) -> yaml.string(name, dflt), Function.identity()),
            "", APPLIED, c -> c.clientTls().certFile());

    /** Checked against the certificate whenever TLS is on. */
    static final ConfigKey<String> CLIENT_TLS_KEY_FILE = key("client_tls.key_file",
            type((yaml, name, dflt, reading) -> TlsSettingsReading.keyFile(yaml, name, dflt, reading.value(CLIENT_TLS_MODE),
                    reading.value(CLIENT_TLS_CERT_FILE)), Function.identity()),
            "", APPLIED, c -> c.clientTls().keyFile());

    static final ConfigKey<ClientCertVerify> CLIENT_TLS_VERIFY = key("client_tls.verify",
            choice(ClientCertVerify::fromYaml, ClientCertVerify.choices(), ClientCertVerify::yamlName),
            ClientCertVerify.NONE, APPLIED, c -> c.clientTls().verify());

    static final ConfigKey<String> CLIENT_TLS_CA_FILE = key("client_tls.ca_file",
            type((yaml, name, dflt, reading) -> TlsSettingsReading.caFile(yaml, name, dflt, reading.value(CLIENT_TLS_MODE),
                    reading.value(CLIENT_TLS_VERIFY)), Function.identity()),
            "", APPLIED, c -> c.clientTls().caFile());

    static final ConfigKey<List<String>> CLIENT_TLS_PROTOCOLS = key("client_tls.protocols",
            type((yaml, name, dflt, reading) -> TlsSettingsReading.protocols(yaml, name, dflt), names -> String.join(",", names)),
            TlsSettingsReading.PROTOCOLS, APPLIED, c -> c.clientTls().protocols());

    /** Empty = the TLS engine's defaults. */
    static final ConfigKey<List<String>> CLIENT_TLS_CIPHERS = key("client_tls.ciphers",
            type((yaml, name, dflt, reading) -> TlsSettingsReading.ciphers(yaml, name), names -> String.join(",", names)),
            List.of(), APPLIED, c -> c.clientTls().ciphers());

    // ------------------------------------------------------------------ TLS from pgmux to Postgres
    // A database may have its own server_tls section; new server connections take a reload's values.

    /** libpq's default: TLS when the server offers it. */
    static final ConfigKey<ServerSslMode> SERVER_TLS_SSLMODE = key("server_tls.sslmode",
            choice(ServerSslMode::fromYaml, ServerSslMode.choices(), ServerSslMode::yamlName),
            ServerSslMode.PREFER, APPLIED, c -> c.serverTls().sslmode());

    /** null = the system's trusted CAs. */
    static final ConfigKey<String> SERVER_TLS_ROOT_CERT = key("server_tls.root_cert", serverTlsPath(),
            null, APPLIED, c -> c.serverTls().rootCert());

    /** null = no client certificate. */
    static final ConfigKey<String> SERVER_TLS_CERT_FILE = key("server_tls.cert_file", serverTlsPath(),
            null, APPLIED, c -> c.serverTls().certFile());

    static final ConfigKey<String> SERVER_TLS_KEY_FILE = key("server_tls.key_file", serverTlsPath(),
            null, APPLIED, c -> c.serverTls().keyFile());

    /** null = each database's host. */
    static final ConfigKey<String> SERVER_TLS_HOST_NAME = key("server_tls.host_name", serverTlsPath(),
            null, APPLIED, c -> c.serverTls().hostName());

    static final ConfigKey<SslNegotiation> SERVER_TLS_SSLNEGOTIATION = key("server_tls.sslnegotiation",
            choice(SslNegotiation::fromYaml, SslNegotiation.choices(), SslNegotiation::yamlName),
            SslNegotiation.POSTGRES, APPLIED, c -> c.serverTls().negotiation());

    static final ConfigKey<ChannelBindingMode> SERVER_TLS_CHANNEL_BINDING = key("server_tls.channel_binding",
            choice(ChannelBindingMode::fromYaml, ChannelBindingMode.choices(), ChannelBindingMode::yamlName),
            ChannelBindingMode.PREFER, APPLIED, c -> c.serverTls().channelBinding());

    // ----------------------------------------------------------- replicas acting as one pooler

    /** 0 = peering off; {@code auto} = derived from this host's address (shown as auto). */
    static final ConfigKey<Integer> PEER_ID = key("peer_id",
            type(PeerEntries::readPeerId, id -> id == PeersConfig.AUTO ? "auto" : String.valueOf(id)),
            0, NEEDS_RESTART, c -> c.peers().peerId());

    /** A list, so its variable holds YAML. */
    static final ConfigKey<List<PeerEntry>> PEERS = key("peers",
            new Type<>(PeerEntries::readList, entries -> entries.stream().map(PeerEntry::toString)
                    .collect(java.util.stream.Collectors.joining(",")), true),
            List.of(), APPLIED, c -> c.peers().entries());

    /** 5 s: a replica that joins or leaves a DNS name is seen that late at most. */
    static final ConfigKey<Duration> PEER_REFRESH = key("peer_refresh", duration(Duration.ofMillis(100)),
            Duration.ofSeconds(5), APPLIED, c -> c.peers().refresh());

    // ------------------------------------------------ session setup (PgBouncer's names and meanings)

    /** Dropped at login, also from within {@code options}; names compare case-insensitively. */
    static final ConfigKey<List<String>> IGNORE_STARTUP_PARAMETERS = key("ignore_startup_parameters", parameterNames(false),
            List.of(), APPLIED, c -> c.sessionSetup().ignoreStartupParameters());

    /** PgBouncer's default; pgmux keeps every setting of a client whatever the list says (see SessionSetupConfig). */
    static final ConfigKey<List<String>> TRACK_EXTRA_PARAMETERS = key("track_extra_parameters", parameterNames(true),
            List.of("IntervalStyle"), NEEDS_RESTART, c -> c.sessionSetup().trackExtraParameters());

    /** "" = none. A database may have its own. */
    static final ConfigKey<String> CONNECT_QUERY = key("connect_query", resetQuery(),
            "", APPLIED, c -> c.sessionSetup().connectQuery());

    static final ConfigKey<Boolean> SERVER_FAST_CLOSE = key("server_fast_close", bool(),
            false, APPLIED, c -> c.sessionSetup().serverFastClose());

    /** 5 s, as PgBouncer; 0 = never. */
    static final ConfigKey<Duration> QUERY_WAIT_NOTIFY = key("query_wait_notify", duration(Duration.ZERO),
            Duration.ofSeconds(5), APPLIED, c -> c.sessionSetup().queryWaitNotify());

    private ConfigKeys() {
    }

    /**
     * The typed config: where each key's value goes in {@link PgmuxConfig} and its parts (the places
     * each key's declaration reads it from).
     *
     * @throws IllegalArgumentException if the records refuse a value (the loader has checked them all)
     */
    static PgmuxConfig toConfig(ConfigValues v) {
        return new PgmuxConfig(v.get(LISTEN), v.get(EVENT_LOOPS), v.get(MAX_CLIENT_CONNECTIONS), v.get(MAX_MESSAGE_SIZE),
                v.get(POOL_MODE), v.get(POOL_SIZE), v.get(QUERY_WAIT_TIMEOUT), v.get(SERVER_CONNECT_TIMEOUT),
                v.get(SERVER_LOGIN_RETRY), v.get(SERVER_IDLE_TIMEOUT), v.get(SERVER_LIFETIME), v.get(SERVER_RESET_QUERY),
                v.get(SHUTDOWN_TIMEOUT), v.get(CLIENT_AUTH), v.get(UPSTREAM), v.get(USERS), v.get(DATABASES),
                new PreparedStatementsConfig(v.get(PREPARED_STATEMENTS), v.get(MAX_PREPARED_STATEMENTS),
                        v.get(MAX_CLIENT_PREPARED_STATEMENTS), v.get(MAX_CLIENT_PREPARED_STATEMENTS_SIZE)),
                new ObservabilityConfig(v.get(ADMIN_USERS), v.get(STATS_USERS), v.get(HTTP_LISTEN), v.get(STATS_PERIOD),
                        v.get(LOG_LEVEL), v.get(LOG_FORMAT), v.get(APPLICATION_NAME_ADD_HOST)),
                new PoolLimitsConfig(v.get(MAX_POOLS), v.get(POOL_IDLE_TIMEOUT)),
                new LoginLimits(v.get(CLIENT_LOGIN_TIMEOUT), v.get(MAX_PENDING_LOGINS), v.get(ADMIN_RESERVED_CONNECTIONS),
                        v.get(MAX_DB_CLIENT_CONNECTIONS), v.get(MAX_USER_CLIENT_CONNECTIONS)),
                new ServerLimits(v.get(MIN_POOL_SIZE), v.get(RESERVE_POOL_SIZE), v.get(RESERVE_POOL_TIMEOUT),
                        v.get(MAX_DB_CONNECTIONS), v.get(MAX_USER_CONNECTIONS), v.get(DNS_MAX_TTL)),
                new TimeoutsConfig(v.get(QUERY_TIMEOUT), v.get(IDLE_TRANSACTION_TIMEOUT), v.get(CLIENT_IDLE_TIMEOUT),
                        v.get(TRANSACTION_TIMEOUT), v.get(SERVER_CHECK_DELAY), v.get(SERVER_CHECK_QUERY),
                        new TcpKeepalive(v.get(TCP_KEEPALIVE), v.get(TCP_KEEPIDLE), v.get(TCP_KEEPINTVL), v.get(TCP_KEEPCNT),
                                v.get(TCP_USER_TIMEOUT))),
                new SessionFeaturesConfig(v.get(SESSION_FEATURES), v.get(MAX_PINNED_SERVERS)),
                new UnixSocketConfig(v.get(UNIX_SOCKET_DIR), v.get(UNIX_SOCKET_MODE), v.get(UNIX_SOCKET_GROUP),
                        v.get(UNIX_SOCKET_AUTH), v.get(UNIX_SOCKET_ADMIN_USER)),
                new ClientTlsConfig(v.get(CLIENT_TLS_MODE), v.get(CLIENT_TLS_CERT_FILE), v.get(CLIENT_TLS_KEY_FILE),
                        v.get(CLIENT_TLS_CA_FILE), v.get(CLIENT_TLS_VERIFY), v.get(CLIENT_TLS_PROTOCOLS), v.get(CLIENT_TLS_CIPHERS)),
                serverTls(v),
                new AuthQueryConfig(v.get(AUTH_USER), v.get(AUTH_QUERY), v.get(AUTH_DBNAME), v.get(AUTH_CACHE_TTL)),
                new HbaConfig(v.get(HBA), v.get(HBA_FILE), new IdentMaps(v.get(IDENT_MAPS), v.get(IDENT_FILE)),
                        v.get(TRUST_USERS)),
                new AuthFailureLimits(v.get(AUTH_FAILURE_DELAY), v.get(AUTH_FAILURE_MAX_DELAY)),
                new PeersConfig(v.get(PEER_ID), v.get(PEERS), v.get(PEER_REFRESH)),
                new SessionSetupConfig(v.get(IGNORE_STARTUP_PARAMETERS), v.get(TRACK_EXTRA_PARAMETERS), v.get(CONNECT_QUERY),
                        v.get(SERVER_FAST_CLOSE), v.get(QUERY_WAIT_NOTIFY)),
                v.get(TRANSPORT), v.get(SO_REUSEPORT));
    }

    /** The global {@code server_tls} section. */
    static ServerTlsConfig serverTls(ConfigValues v) {
        return new ServerTlsConfig(v.get(SERVER_TLS_SSLMODE), v.get(SERVER_TLS_ROOT_CERT), v.get(SERVER_TLS_CERT_FILE),
                v.get(SERVER_TLS_KEY_FILE), v.get(SERVER_TLS_HOST_NAME), v.get(SERVER_TLS_SSLNEGOTIATION),
                v.get(SERVER_TLS_CHANNEL_BINDING));
    }

    // ------------------------------------------------------------------------------ declaring keys

    private static <T> ConfigKey<T> key(String name, Type<T> type, T dflt, Reload reload, Function<PgmuxConfig, T> value) {
        return key(name, type, dflt, reload, value, null);
    }

    private static <T> ConfigKey<T> key(String name, Type<T> type, T dflt, Reload reload, Function<PgmuxConfig, T> value,
                                        BinaryOperator<T> atReload) {
        ConfigKey<T> key = new ConfigKey<>(name, type, dflt, reload, value, atReload);
        DECLARED.add(key);
        return key;
    }

    /** A type whose null value (where the key allows it) is shown as none. */
    private static <T> Type<T> type(Reader<T> reader, Function<T, String> shown) {
        return new Type<>(reader, value -> value == null ? null : shown.apply(value));
    }

    /** A mapping of names the operator chooses, shown as its names (see {@link Type#mapping()}). */
    private static <T> Type<Map<String, T>> mapping(Reader<Map<String, T>> reader, Function<Map<String, T>, String> shown) {
        Type<Map<String, T>> type = type(reader, shown);
        return new Type<>(type.reader(), type.shown(), true);
    }

    /** A plain decimal integer in {@code min..max}. */
    private static Type<Integer> integer(int min, int max) {
        return type((yaml, name, dflt, reading) -> yaml.integer(name, dflt, min, max), String::valueOf);
    }

    /** A duration no shorter than {@code min}: 500ms, 15s, 2m, 1h, or a number of seconds. */
    private static Type<Duration> duration(Duration min) {
        return type((yaml, name, dflt, reading) -> yaml.duration(name, dflt, min), Units::formatDuration);
    }

    /** Whole seconds, 0..{@code max}: what the kernel's keepalive settings take. */
    private static Type<Duration> wholeSeconds(Duration max) {
        return type((yaml, name, dflt, reading) -> yaml.duration(name, dflt, Duration.ZERO, max, true, false),
                Units::formatDuration);
    }

    /** A duration in 0..{@code max} where a plain number means milliseconds (PgBouncer's {@code tcp_user_timeout}). */
    private static Type<Duration> millisDuration(Duration max) {
        return type((yaml, name, dflt, reading) -> yaml.duration(name, dflt, Duration.ZERO, max, false, true),
                Units::formatDuration);
    }

    /** true or false (also on/off, yes/no, 1/0, as PgBouncer writes them). */
    private static Type<Boolean> bool() {
        return type((yaml, name, dflt, reading) -> yaml.bool(name, dflt), String::valueOf);
    }

    /** A size in {@code min..max} bytes: 512kB, 64MB, 1GB, or a number of bytes. */
    private static Type<Integer> size(int min, int max) {
        return type((yaml, name, dflt, reading) -> yaml.size(name, dflt, min, max), bytes -> Units.formatSize(bytes));
    }

    /** host:port, the port at least {@code minPort} (0 for a listening address). */
    private static Type<HostPort> hostPort(int minPort) {
        return type((yaml, name, dflt, reading) -> yaml.hostPort(name, dflt, minPort), HostPort::toString);
    }

    /** One of a fixed set of spellings. */
    private static <E> Type<E> choice(Function<String, Optional<E>> parse, String choices, Function<E, String> yamlName) {
        return type((yaml, name, dflt, reading) -> yaml.choice(name, dflt, parse, choices), yamlName);
    }

    /** Users of the admin console: a list of names, each able to log in with {@code client_auth}. */
    private static Type<List<String>> consoleUsers() {
        return type((yaml, name, dflt, reading) -> {
            List<String> names = yaml.nameList(name);
            UsersAndDatabases.checkConsoleUsers(yaml, name, names, reading.value(USERS), reading.value(CLIENT_AUTH),
                    UsersAndDatabases.authQueryFindsOthers(reading));
            return names;
        }, names -> String.join(",", names));
    }

    /**
     * Names of startup parameters, as a list or one comma-separated string (PgBouncer's spelling);
     * a {@code tracked} list may not name {@code options}, only the settings within it.
     */
    private static Type<List<String>> parameterNames(boolean tracked) {
        return type((yaml, name, dflt, reading) -> {
            if (!yaml.isPresent(name)) {
                return dflt;
            }
            List<String> names = yaml.nameList(name);
            if (tracked && names.stream().anyMatch(n -> n.equalsIgnoreCase("options"))) {
                yaml.error(name, "options cannot be tracked, only the settings within it");
                return dflt;
            }
            return names;
        }, names -> String.join(",", names));
    }

    /** Names, as a list or one comma-separated string; absent and null mean the default. */
    private static Type<List<String>> optionalNames() {
        return new Type<>((yaml, name, dflt, reading) -> {
            yaml.consume(name);
            return yaml.isPresent(name) && !yaml.isNull(name) ? yaml.nameList(name) : dflt;
        },
                names -> names == null ? "" : String.join(",", names));
    }

    /** A name, or none: absent, null and "" all mean none. */
    private static Type<String> optionalName() {
        return new Type<>((yaml, name, dflt, reading) -> {
            if (yaml.isNull(name)) {
                yaml.consume(name);
                return null;
            }
            String value = yaml.string(name, dflt);
            return value == null || value.isEmpty() ? null : value;
        }, value -> value == null ? "" : value);
    }

    /** An optional name, not the admin console's: no Postgres answers there. */
    static Type<String> authDbname() {
        Type<String> name = optionalName();
        return new Type<>((yaml, key, dflt, reading) -> {
            String value = name.reader().read(yaml, key, dflt, reading);
            if (isAdminConsole(yaml, key, value)) {
                return dflt;
            }
            return value;
        }, name.shown());
    }

    /** Whether {@code value} of {@code key} names the admin console, which cannot be an auth_dbname; says so if it does. */
    static boolean isAdminConsole(YamlSection yaml, String key, String value) {
        if (value != null && ConfigLoader.RESERVED_DATABASES.contains(value)) {
            yaml.error(key, "the admin console \"" + value + "\" cannot look users up: name a database of Postgres");
            return true;
        }
        return false;
    }

    /** A file or host name of {@code server_tls}; null or "" = none. */
    private static Type<String> serverTlsPath() {
        return type((yaml, name, dflt, reading) -> ServerTlsConfig.path(yaml, name, dflt), Function.identity());
    }

    /** A string where null also means "none", like "". */
    private static Type<String> resetQuery() {
        return type((yaml, name, dflt, reading) -> {
            if (yaml.isNull(name)) {
                yaml.consume(name);
                return "";
            }
            return yaml.string(name, dflt);
        }, Function.identity());
    }

    /** At reload, a listed database keeps its running {@code prepared_statements}; a new one takes the file's. */
    private static Map<String, DatabaseConfig> keepPreparedModes(Map<String, DatabaseConfig> running,
                                                                 Map<String, DatabaseConfig> loaded) {
        Map<String, DatabaseConfig> databases = new LinkedHashMap<>();
        loaded.forEach((name, db) -> {
            DatabaseConfig old = running.get(name);
            PreparedStatementMode mode = old != null ? old.preparedStatements() : db.preparedStatements();
            databases.put(name, new DatabaseConfig(name, db.server(), db.dbname(), db.user(), db.password(), db.poolSize(),
                    db.poolMode(), mode, db.limits(), db.sessionFeatures(), db.serverTls(), db.authQuery(), db.connectQuery(), db.hosts()));
        });
        return databases;
    }
}
