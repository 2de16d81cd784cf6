package io.pgmux.proxy.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The readers of the keys that depend on others: {@code upstream}, {@code users} and
 * {@code databases} (whose own keys are names the operator chooses), the passwords in them with
 * their {@code ${NAME}} references, {@code prepared_statements}, and the checks that the admin
 * console's users can log in. Each follows {@link ConfigKey.Reader}: errors are recorded, never thrown.
 */
final class UsersAndDatabases {
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private static final String PASSTHROUGH_NEEDS_SESSION = "passthrough leaves named statements on a server other clients"
            + " use next; it needs pool_mode session (use rewrite or reject in transaction mode)";

    private UsersAndDatabases() {
    }

    /**
     * {@code upstream}: null or "" means none. Left out, it is {@link PgmuxConfig#DEFAULT_SERVER} when
     * no databases are listed (so an empty file works) and none when some are (so a file that lists
     * its databases routes only those). With none and no database listed, nothing can be served.
     */
    static HostPort readUpstream(YamlSection root, String key, HostPort dflt, ConfigReading reading) {
        boolean databasesListed = !reading.section(ConfigKeys.DATABASES.name()).keys().isEmpty();
        HostPort upstream;
        if (!root.isPresent(key)) {
            upstream = databasesListed ? null : dflt;
        } else {
            upstream = root.hostPortOrNone(key, dflt, 1);
        }
        if (upstream == null && !databasesListed) {
            root.error(key, "nothing to route to: upstream is null and no databases are listed");
        }
        return upstream;
    }

    /** {@code users}: name to password; every user needs one unless {@code client_auth} is trust. */
    static Map<String, UserConfig> readUsers(YamlSection root, String key, Map<String, UserConfig> dflt,
                                             ConfigReading reading) {
        YamlSection section = reading.section(key);
        AuthMethod clientAuth = reading.value(ConfigKeys.CLIENT_AUTH);
        boolean lookedUp = authQueryFindsOthers(reading);
        Map<String, UserConfig> users = new LinkedHashMap<>();
        for (String name : section.keys()) {
            YamlSection user = section.section(name);
            String password = readPassword(user, reading.env(), name);
            Integer maxUserConnections = optionalCount(user, ConfigKeys.MAX_USER_CONNECTIONS.name());
            Integer maxUserClientConnections = optionalCount(user, ConfigKeys.MAX_USER_CLIENT_CONNECTIONS.name());
            UserSettings settings = readUserSettings(user, reading);
            user.reportUnknownKeys();
            if (name.isEmpty()) {
                section.error(name, "a user name must not be empty");
                continue;
            }
            // As Postgres and PgBouncer: an entry that cannot log in is a warning, and only its logins fail
            boolean noPassword = !user.isPresent("password") || user.isNull("password");
            if (noPassword && clientAuth != AuthMethod.TRUST && !lookedUp) {
                user.warn("password", "none given, so \"" + name + "\" cannot log in with client_auth " + clientAuth.yamlName()
                        + " (its logins fail with 28P01)");
            }
            if (password != null && clientAuth == AuthMethod.SCRAM_SHA_256 && PasswordFormat.of(password) == PasswordFormat.MD5) {
                user.warn("password", "an md5 hash cannot be checked with client_auth scram-sha-256, so \"" + name
                        + "\" cannot log in with it (its logins fail with 28P01); give the plaintext or a SCRAM-SHA-256 verifier");
            }
            users.put(name, new UserConfig(name, password, maxUserConnections, maxUserClientConnections, settings));
        }
        if (users.isEmpty() && clientAuth != AuthMethod.TRUST && !lookedUp) {
            section.error("required when client_auth is " + clientAuth.yamlName()
                    + ": list the users clients may log in as, or set auth_user to look them up in Postgres");
        }
        return users;
    }

    /**
     * A user's own {@code pool_size}, {@code reserve_pool_size}, {@code pool_mode} and timeouts
     * (PgBouncer's {@code [users]} keys); each null when the user leaves it to the database or the
     * global key. A mode that shares servers cannot go with a global {@code prepared_statements: passthrough}.
     */
    private static UserSettings readUserSettings(YamlSection user, ConfigReading reading) {
        Integer poolSize = optional(user, ConfigKeys.POOL_SIZE.name(),
                key -> user.integer(key, 1, 1, PgmuxConfig.MAX_POOL_SIZE));
        Integer reservePoolSize = optional(user, ConfigKeys.RESERVE_POOL_SIZE.name(),
                key -> user.integer(key, 0, 0, PgmuxConfig.MAX_POOL_SIZE));
        PoolMode poolMode = optional(user, ConfigKeys.POOL_MODE.name(),
                key -> user.choice(key, null, PoolMode::fromYaml, PoolMode.choices()));
        if (poolMode != null && poolMode.sharesServers()
                && reading.value(ConfigKeys.PREPARED_STATEMENTS) == PreparedStatementMode.PASSTHROUGH) {
            user.error(ConfigKeys.POOL_MODE.name(), PASSTHROUGH_NEEDS_SESSION);
        }
        return new UserSettings(poolSize, reservePoolSize, poolMode,
                optionalDuration(user, ConfigKeys.QUERY_TIMEOUT.name()),
                optionalDuration(user, ConfigKeys.IDLE_TRANSACTION_TIMEOUT.name()),
                optionalDuration(user, ConfigKeys.TRANSACTION_TIMEOUT.name()),
                optionalDuration(user, ConfigKeys.CLIENT_IDLE_TIMEOUT.name()));
    }

    private static Duration optionalDuration(YamlSection section, String key) {
        return optional(section, key, name -> section.duration(name, Duration.ZERO, Duration.ZERO));
    }

    /** {@code read} of the key, or null (the key consumed) when it is absent or null. */
    private static <T> T optional(YamlSection section, String key, Function<String, T> read) {
        if (!section.isPresent(key) || section.isNull(key)) {
            section.consume(key);
            return null;
        }
        return read.apply(key);
    }

    /**
     * {@code databases}: name to server and pool settings; what a database leaves out comes from
     * {@code upstream} (else the local Postgres), {@code users} and the global pool keys.
     */
    static Map<String, DatabaseConfig> readDatabases(YamlSection root, String key, Map<String, DatabaseConfig> dflt,
                                                     ConfigReading reading) {
        YamlSection section = reading.section(key);
        HostPort upstream = reading.value(ConfigKeys.UPSTREAM);
        HostPort base = upstream != null ? upstream : PgmuxConfig.DEFAULT_SERVER;
        Map<String, UserConfig> users = reading.value(ConfigKeys.USERS);
        int globalPoolSize = reading.value(ConfigKeys.POOL_SIZE);
        PoolMode globalPoolMode = reading.value(ConfigKeys.POOL_MODE);
        PreparedStatementMode globalPrepared = reading.value(ConfigKeys.PREPARED_STATEMENTS);
        ServerTlsConfig globalTls = globalServerTls(reading);
        Map<String, DatabaseConfig> databases = new LinkedHashMap<>();
        for (String name : section.keys()) {
            YamlSection db = section.section(name);
            String host = nonEmpty(db, "host", base.host());
            int port = db.integer("port", base.port(), 1, 65535);
            ServerHosts hosts = readHosts(db, host, port);
            String dbname = nonEmpty(db, "dbname", name);
            String user = nonEmpty(db, "user", null);
            String password = readPassword(db, reading.env(), null);
            if (password != null && PasswordFormat.of(password) == PasswordFormat.SCRAM_SHA_256) {
                db.error("password", "a SCRAM-SHA-256 verifier cannot be used to log in to a server;"
                        + " give the plaintext or an md5 hash");
            }
            if (password == null && user != null && users.containsKey(user)) {
                password = users.get(user).password();
            }
            int poolSize = db.integer("pool_size", globalPoolSize, 1, PgmuxConfig.MAX_POOL_SIZE);
            PoolMode poolMode = db.choice("pool_mode", globalPoolMode, PoolMode::fromYaml, PoolMode.choices());
            PreparedStatementMode prepared = readPreparedMode(db, "prepared_statements");
            DatabaseLimits limits = new DatabaseLimits(optionalCount(db, ConfigKeys.MIN_POOL_SIZE.name()),
                    optionalCount(db, ConfigKeys.RESERVE_POOL_SIZE.name()), optionalCount(db, ConfigKeys.MAX_DB_CONNECTIONS.name()),
                    optionalPinnedServers(db), optionalCount(db, ConfigKeys.MAX_DB_CLIENT_CONNECTIONS.name()),
                    optionalDuration(db, ConfigKeys.SERVER_LIFETIME.name()));
            if (PreparedStatementMode.effective(prepared, globalPrepared, poolMode) == PreparedStatementMode.PASSTHROUGH
                    && poolMode.sharesServers()) {
                db.error(db.isPresent("prepared_statements") ? "prepared_statements" : "pool_mode", PASSTHROUGH_NEEDS_SESSION);
            } else if (prepared == PreparedStatementMode.PASSTHROUGH) {
                users.values().stream().filter(u -> u.settings().poolMode() != null && u.settings().poolMode().sharesServers())
                        .findFirst().ifPresent(u -> db.error("prepared_statements", PASSTHROUGH_NEEDS_SESSION + "; user \""
                                + u.name() + "\" has pool_mode " + u.settings().poolMode().yamlName()));
            }
            DatabaseConfig.DatabaseAuthQuery authQuery = readAuthQuery(db);
            SessionFeaturesPolicy sessionFeatures = db.isPresent("session_features")
                    ? db.choice("session_features", null, SessionFeaturesPolicy::fromYaml, SessionFeaturesPolicy.choices()) : null;
            ServerTlsConfig serverTls = ServerTlsConfig.readForDatabase(db, globalTls);
            String connectQuery = db.isPresent(ConfigKeys.CONNECT_QUERY.name()) ? db.string(ConfigKeys.CONNECT_QUERY.name(), "") : null;
            db.reportUnknownKeys();
            if (name.isEmpty()) {
                section.error(name, "a database name must not be empty");
                continue;
            }
            if (ConfigLoader.RESERVED_DATABASES.contains(name)) {
                section.error(name, "the name is reserved for the admin console (connect to it to run SHOW POOLS, RELOAD...)");
                continue;
            }
            databases.put(name, new DatabaseConfig(name, hosts.hosts().get(0), dbname, user, password,
                    poolSize, poolMode, prepared, limits, sessionFeatures, serverTls, authQuery, connectQuery, hosts));
        }
        return databases;
    }

    /**
     * A database's {@code host}, one name or a comma-separated list (every host on {@code port}), and its
     * {@code load_balance_hosts}.
     */
    private static ServerHosts readHosts(YamlSection db, String host, int port) {
        LoadBalanceHosts balance = db.choice("load_balance_hosts", LoadBalanceHosts.ROUND_ROBIN, LoadBalanceHosts::fromYaml,
                LoadBalanceHosts.choices());
        List<HostPort> hosts = new ArrayList<>();
        for (String one : host.split(",", -1)) {
            String name = one.strip();
            if (name.isEmpty()) {
                db.error("host", "an empty host name in the list \"" + host + "\"");
                return ServerHosts.single(new HostPort(PgmuxConfig.DEFAULT_SERVER.host(), port));
            }
            hosts.add(new HostPort(name, port));
        }
        return new ServerHosts(hosts, balance);
    }

    /** A database's own auth_user, auth_query, auth_dbname; null when it sets none. */
    private static DatabaseConfig.DatabaseAuthQuery readAuthQuery(YamlSection db) {
        String user = nonEmpty(db, ConfigKeys.AUTH_USER.name(), null);
        String query = nonEmpty(db, ConfigKeys.AUTH_QUERY.name(), null);
        String dbname = nonEmpty(db, ConfigKeys.AUTH_DBNAME.name(), null);
        if (ConfigKeys.isAdminConsole(db, ConfigKeys.AUTH_DBNAME.name(), dbname)) {
            dbname = null;
        }
        return user == null && query == null && dbname == null ? null : new DatabaseConfig.DatabaseAuthQuery(user, query, dbname);
    }

    /** Whether auth_query finds the secrets of the users not listed under users. */
    static boolean authQueryFindsOthers(ConfigReading reading) {
        return reading.value(ConfigKeys.AUTH_USER) != null || anyDatabaseSets(reading, ConfigKeys.AUTH_USER.name());
    }

    private static boolean anyDatabaseSets(ConfigReading reading, String key) {
        YamlSection databases = reading.section(ConfigKeys.DATABASES.name());
        for (String name : databases.keys()) {
            if (databases.peekSection(name).isPresent(key)) {
                return true;
            }
        }
        return false;
    }

    /** The global {@code server_tls}, which a database's own section starts from. */
    private static ServerTlsConfig globalServerTls(ConfigReading reading) {
        return new ServerTlsConfig(reading.value(ConfigKeys.SERVER_TLS_SSLMODE), reading.value(ConfigKeys.SERVER_TLS_ROOT_CERT),
                reading.value(ConfigKeys.SERVER_TLS_CERT_FILE), reading.value(ConfigKeys.SERVER_TLS_KEY_FILE),
                reading.value(ConfigKeys.SERVER_TLS_HOST_NAME), reading.value(ConfigKeys.SERVER_TLS_SSLNEGOTIATION),
                reading.value(ConfigKeys.SERVER_TLS_CHANNEL_BINDING));
    }

    /** The global {@code prepared_statements}: null when absent or {@code auto}; passthrough needs session mode. */
    static PreparedStatementMode readGlobalPreparedMode(YamlSection root, String key, PreparedStatementMode dflt,
                                                        ConfigReading reading) {
        PreparedStatementMode mode = readPreparedMode(root, key);
        if (mode == PreparedStatementMode.PASSTHROUGH && reading.value(ConfigKeys.POOL_MODE).sharesServers()) {
            root.error(key, PASSTHROUGH_NEEDS_SESSION);
        }
        return mode;
    }

    /**
     * Console users log in with client_auth like everyone else, so they need a password unless it is
     * trust (or auth_query finds it): one without is a warning, and only its logins fail.
     */
    static void checkConsoleUsers(YamlSection root, String key, List<String> names, Map<String, UserConfig> users,
                                  AuthMethod clientAuth, boolean lookedUp) {
        if (clientAuth == AuthMethod.TRUST || lookedUp) {
            return;
        }
        for (String name : names) {
            if (!users.containsKey(name)) {
                root.warn(key, "\"" + name + "\" is not listed under users: with client_auth "
                        + clientAuth.yamlName() + " it needs a password there to log in to the admin console (its logins fail"
                        + " with 28P01)");
            }
        }
    }

    /** {@code prepared_statements} of a section: null when absent or {@code auto}. */
    private static PreparedStatementMode readPreparedMode(YamlSection section, String key) {
        Optional<PreparedStatementMode> mode = section.choice(key, Optional.empty(),
                PreparedStatementMode::fromYaml, PreparedStatementMode.choices());
        return mode.orElse(null);
    }

    /** A count of servers a database or user sets for itself (0 or more); null when it leaves it to the global key. */
    private static Integer optionalPinnedServers(YamlSection section) {
        String key = ConfigKeys.MAX_PINNED_SERVERS.name();
        if (!section.isPresent(key) || section.isNull(key)) {
            section.consume(key);
            return null;
        }
        return section.integer(key, 0, 0, PgmuxConfig.MAX_POOL_SIZE);
    }

    private static Integer optionalCount(YamlSection section, String key) {
        if (!section.isPresent(key) || section.isNull(key)) {
            section.consume(key);
            return null;
        }
        return section.integer(key, 0, 0, Integer.MAX_VALUE);
    }

    private static String nonEmpty(YamlSection section, String key, String dflt) {
        String value = section.string(key, dflt);
        if (value != null && value.isBlank()) {
            section.error(key, "must not be empty");
            return dflt;
        }
        return value;
    }

    /**
     * {@code password}, with every {@code ${NAME}} replaced from {@code env}; null if absent. An
     * empty one is an error, but for a user (named {@code user}, else null) a warning: that user
     * cannot log in with a password, as a Postgres role without one.
     */
    private static String readPassword(YamlSection section, Map<String, String> env, String user) {
        String raw = section.string("password", null);
        if (raw == null) {
            return null;
        }
        String password = substituteEnv(raw, env, message -> section.error("password", message));
        if (password == null) {
            return null;
        }
        if (password.isEmpty() && user != null) {
            section.warn("password", "empty: \"" + user + "\" has no password, so its logins fail (28P01) wherever a password is asked");
            return null;
        }
        if (password.isEmpty()) {
            section.error("password", "must not be empty (leave the key out for no password)");
            return null;
        }
        if (password.startsWith(PasswordFormat.SCRAM_PREFIX) && !PasswordFormat.isWellFormedScramVerifier(password)) {
            section.error("password", "malformed SCRAM-SHA-256 verifier"
                    + " (expected SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>)");
            return null;
        }
        return password;
    }

    /**
     * Replaces each {@code ${NAME}} with the variable's value (values are not scanned again, so a
     * literal {@code ${} can come from the environment). Returns null after reporting any problem.
     */
    static String substituteEnv(String text, Map<String, String> env, Consumer<String> error) {
        StringBuilder out = new StringBuilder(text.length());
        boolean ok = true;
        int from = 0;
        int start;
        while ((start = text.indexOf("${", from)) >= 0) {
            out.append(text, from, start);
            int end = text.indexOf('}', start + 2);
            if (end < 0) {
                error.accept("unterminated \"${\" (write ${NAME} to use an environment variable)");
                return null;
            }
            String name = text.substring(start + 2, end);
            if (!ENV_NAME.matcher(name).matches()) {
                error.accept("\"${" + name + "}\" is not a valid environment variable name");
                ok = false;
            } else if (!env.containsKey(name)) {
                error.accept("environment variable " + name + " is not set");
                ok = false;
            } else {
                out.append(env.get(name));
            }
            from = end + 1;
        }
        out.append(text, from, text.length());
        return ok ? out.toString() : null;
    }
}
