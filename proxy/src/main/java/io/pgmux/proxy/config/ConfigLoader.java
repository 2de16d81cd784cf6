package io.pgmux.proxy.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Reads {@code pgmux.yaml} into a {@link PgmuxConfig}, reporting every problem at once.
 *
 * <p>The YAML is composed into a node tree (SnakeYAML never builds Java objects from it, so no tag can
 * instantiate anything) and read key by key with {@link YamlSection}, which types each value by the
 * key that reads it and names the YAML path in each error. Anchors, aliases and {@code <<} merge keys
 * work; duplicate keys are errors.
 */
public final class ConfigLoader {
    /** Larger config files are refused. */
    static final int MAX_CONFIG_CHARS = 1 << 20;
    static final int MAX_EVENT_LOOPS = 1024;
    static final int MIN_MESSAGE_SIZE = 1 << 10;
    /** Postgres itself refuses messages of 1 GB or more. */
    static final int MAX_MESSAGE_SIZE = 1 << 30;

    /** Database names that reach the admin console instead of a server. */
    public static final List<String> RESERVED_DATABASES = List.of("pgbouncer", "pgmux");

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private ConfigLoader() {
    }

    /**
     * Loads a config file; {@code env} supplies {@code ${NAME}} references (pass {@code System.getenv()}).
     *
     * @throws ConfigException listing every problem, or naming the file if it cannot be read
     */
    public static PgmuxConfig load(Path file, Map<String, String> env) throws ConfigException {
        String yaml;
        try {
            if (Files.isDirectory(file)) {
                throw new ConfigException(file + ": is a directory, not a config file");
            }
            if (Files.size(file) > MAX_CONFIG_CHARS * 4L) {
                throw new ConfigException(file + ": too large for a config file");
            }
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": file not found");
        } catch (AccessDeniedException e) {
            throw new ConfigException(file + ": permission denied");
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": not valid UTF-8");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read (" + e.getMessage() + ")");
        }
        return parse(yaml, env);
    }

    /**
     * Parses config text; an empty document gives {@link PgmuxConfig#defaults()}.
     *
     * @throws ConfigException listing every problem
     */
    public static PgmuxConfig parse(String yaml, Map<String, String> env) throws ConfigException {
        if (yaml.length() > MAX_CONFIG_CHARS) {
            throw new ConfigException("config is larger than " + Units.formatSize(MAX_CONFIG_CHARS) + " characters");
        }
        List<String> errors = new ArrayList<>();
        YamlSection root = YamlSection.document(compose(yaml), errors);
        PgmuxConfig config = read(root, env);
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return config;
    }

    private static Node compose(String yaml) throws ConfigException {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_CONFIG_CHARS);
        options.setMaxAliasesForCollections(50);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(32);
        options.setMergeOnCompose(true);
        DumperOptions dumperOptions = new DumperOptions();
        Yaml parser = new Yaml(new SafeConstructor(options), new Representer(dumperOptions), dumperOptions, options);
        try {
            return parser.compose(new StringReader(yaml));
        } catch (MarkedYAMLException e) {
            throw new ConfigException(describe(e));
        } catch (YAMLException e) {
            throw new ConfigException("invalid YAML: " + e.getMessage());
        }
    }

    /** {@code syntax error at line 3, column 7: mapping values are not allowed here}. */
    private static String describe(MarkedYAMLException e) {
        Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        StringBuilder out = new StringBuilder("syntax error");
        if (mark != null) {
            out.append(" at line ").append(mark.getLine() + 1).append(", column ").append(mark.getColumn() + 1);
        }
        out.append(": ");
        if (e.getContext() != null) {
            out.append(e.getContext()).append(", ");
        }
        out.append(e.getProblem() != null ? e.getProblem() : "invalid YAML");
        return out.toString();
    }

    private static PgmuxConfig read(YamlSection root, Map<String, String> env) {
        PgmuxConfig d = PgmuxConfig.defaults();
        HostPort listen = root.hostPort("listen", d.listen(), 0);
        int eventLoops = root.integer("event_loops", d.eventLoops(), 0, MAX_EVENT_LOOPS);
        int maxClients = root.integer("max_client_connections", d.maxClientConnections(), 1, Integer.MAX_VALUE);
        LoginLimits login = new LoginLimits(
                root.duration("client_login_timeout", d.loginLimits().clientLoginTimeout(), Duration.ofMillis(1)),
                root.integer("max_pending_logins", d.loginLimits().maxPendingLogins(), 1, Integer.MAX_VALUE),
                root.integer("admin_reserved_connections", d.loginLimits().adminReservedConnections(), 0,
                        LoginLimits.MAX_ADMIN_RESERVED));
        int maxMessageSize = root.size("max_message_size", d.maxMessageSize(), MIN_MESSAGE_SIZE, MAX_MESSAGE_SIZE);
        PoolMode poolMode = root.choice("pool_mode", d.poolMode(), PoolMode::fromYaml, PoolMode.choices());
        int poolSize = root.integer("pool_size", d.poolSize(), 1, PgmuxConfig.MAX_POOL_SIZE);
        Duration queryWait = root.duration("query_wait_timeout", d.queryWaitTimeout(), Duration.ZERO);
        PoolLimitsConfig poolLimits = new PoolLimitsConfig(
                root.integer("max_pools", d.poolLimits().maxPools(), 1, PoolLimitsConfig.MAX_POOLS_LIMIT),
                root.duration("pool_idle_timeout", d.poolLimits().poolIdleTimeout(), Duration.ZERO));
        Duration connect = root.duration("server_connect_timeout", d.serverConnectTimeout(), Duration.ofMillis(1));
        Duration loginRetry = root.duration("server_login_retry", d.serverLoginRetry(), Duration.ZERO);
        Duration idle = root.duration("server_idle_timeout", d.serverIdleTimeout(), Duration.ZERO);
        Duration lifetime = root.duration("server_lifetime", d.serverLifetime(), Duration.ZERO);
        // null means "no reset query", like ""
        String resetQuery = root.isNull("server_reset_query") ? "" : root.string("server_reset_query", d.serverResetQuery());
        root.consume("server_reset_query");
        Duration shutdown = root.duration("shutdown_timeout", d.shutdownTimeout(), Duration.ZERO);
        AuthMethod clientAuth = root.choice("client_auth", d.clientAuth(), AuthMethod::fromYaml, AuthMethod.choices());
        PreparedStatementMode preparedMode = readPreparedMode(root, null);
        if (preparedMode == PreparedStatementMode.PASSTHROUGH && poolMode == PoolMode.TRANSACTION) {
            root.error("prepared_statements", PASSTHROUGH_NEEDS_SESSION);
        }
        PreparedStatementsConfig prepared = new PreparedStatementsConfig(preparedMode,
                root.integer("max_prepared_statements", d.preparedStatements().maxPerServer(), 1, PreparedStatementsConfig.MAX_LIMIT),
                root.integer("max_client_prepared_statements", d.preparedStatements().maxPerClient(), 1, PreparedStatementsConfig.MAX_LIMIT));

        List<String> adminUsers = root.nameList("admin_users");
        List<String> statsUsers = root.nameList("stats_users");
        Duration statsPeriod = root.duration("stats_period", d.observability().statsPeriod(), Duration.ofSeconds(1));
        HostPort httpListen = readHttp(root.section("http"));
        YamlSection logSection = root.section("log");
        LogLevel logLevel = logSection.choice("level", d.observability().logLevel(), LogLevel::fromYaml, LogLevel.choices());
        LogFormat logFormat = logSection.choice("format", d.observability().logFormat(), LogFormat::fromYaml,
                LogFormat.choices());
        logSection.reportUnknownKeys();

        YamlSection databasesSection = root.section("databases");
        HostPort upstream = readUpstream(root, !databasesSection.keys().isEmpty());
        Map<String, UserConfig> users = readUsers(root.section("users"), clientAuth, env);
        Map<String, DatabaseConfig> databases =
                readDatabases(databasesSection, upstream, users, poolSize, poolMode, preparedMode, env);
        root.reportUnknownKeys();
        checkConsoleUsers(root, "admin_users", adminUsers, users, clientAuth);
        checkConsoleUsers(root, "stats_users", statsUsers, users, clientAuth);

        if (upstream == null && databasesSection.keys().isEmpty()) {
            root.error("upstream", "nothing to route to: upstream is null and no databases are listed");
        }
        return new PgmuxConfig(listen, eventLoops, maxClients, maxMessageSize, poolMode, poolSize, queryWait,
                connect, loginRetry, idle, lifetime, resetQuery, shutdown, clientAuth, upstream, users, databases, prepared,
                new ObservabilityConfig(adminUsers, statsUsers, httpListen, statsPeriod, logLevel, logFormat), poolLimits,
                login);
    }

    /** {@code http.listen}: host:port; null or "" = no HTTP endpoint (like {@code upstream}). */
    private static HostPort readHttp(YamlSection http) {
        HostPort listen;
        if (http.isNull("listen") || http.isEmptyString("listen")) {
            http.consume("listen");
            listen = null;
        } else {
            listen = http.hostPort("listen", ObservabilityConfig.DEFAULT_HTTP_LISTEN, 0);
        }
        http.reportUnknownKeys();
        return listen;
    }

    /** Console users log in with client_auth like everyone else, so they need a password unless it is trust. */
    private static void checkConsoleUsers(YamlSection root, String key, List<String> names, Map<String, UserConfig> users,
                                          AuthMethod clientAuth) {
        if (clientAuth == AuthMethod.TRUST) {
            return;
        }
        for (String name : names) {
            if (!users.containsKey(name)) {
                root.error(key, "\"" + name + "\" is not listed under users: with client_auth "
                        + clientAuth.yamlName() + " it needs a password there to log in to the admin console");
            }
        }
    }

    private static final String PASSTHROUGH_NEEDS_SESSION = "passthrough leaves named statements on a server other clients"
            + " use next; it needs pool_mode session (use rewrite or reject in transaction mode)";

    /** {@code prepared_statements}: null when absent or {@code auto}. */
    private static PreparedStatementMode readPreparedMode(YamlSection section, PreparedStatementMode dflt) {
        Optional<PreparedStatementMode> mode = section.choice("prepared_statements", Optional.ofNullable(dflt),
                PreparedStatementMode::fromYaml, PreparedStatementMode.choices());
        return mode.orElse(null);
    }

    /**
     * {@code upstream}: null or "" means none. Left out, it is {@link PgmuxConfig#DEFAULT_SERVER} when
     * no databases are listed (so an empty file works) and none when some are (so a file that lists
     * its databases routes only those).
     */
    private static HostPort readUpstream(YamlSection root, boolean databasesListed) {
        if (!root.isPresent("upstream")) {
            return databasesListed ? null : PgmuxConfig.DEFAULT_SERVER;
        }
        if (root.isNull("upstream") || root.isEmptyString("upstream")) {
            root.consume("upstream");
            return null;
        }
        return root.hostPort("upstream", PgmuxConfig.DEFAULT_SERVER, 1);
    }

    private static Map<String, UserConfig> readUsers(YamlSection section, AuthMethod clientAuth,
                                                     Map<String, String> env) {
        Map<String, UserConfig> users = new LinkedHashMap<>();
        for (String name : section.keys()) {
            YamlSection user = section.section(name);
            String password = readPassword(user, env);
            user.reportUnknownKeys();
            if (name.isEmpty()) {
                section.error(name, "a user name must not be empty");
                continue;
            }
            boolean noPassword = !user.isPresent("password") || user.isNull("password");
            if (noPassword && clientAuth != AuthMethod.TRUST) {
                user.error("password", "required when client_auth is " + clientAuth.yamlName());
            }
            if (password != null && clientAuth == AuthMethod.SCRAM_SHA_256 && PasswordFormat.of(password) == PasswordFormat.MD5) {
                user.error("password", "an md5 hash cannot be checked with client_auth scram-sha-256;"
                        + " give the plaintext or a SCRAM-SHA-256 verifier");
            }
            users.put(name, new UserConfig(name, password));
        }
        if (users.isEmpty() && clientAuth != AuthMethod.TRUST) {
            section.error("required when client_auth is " + clientAuth.yamlName() + ": list the users clients may log in as");
        }
        return users;
    }

    private static Map<String, DatabaseConfig> readDatabases(YamlSection section, HostPort upstream,
                                                             Map<String, UserConfig> users, int poolSize,
                                                             PoolMode poolMode, PreparedStatementMode preparedMode,
                                                             Map<String, String> env) {
        HostPort base = upstream != null ? upstream : PgmuxConfig.DEFAULT_SERVER;
        Map<String, DatabaseConfig> databases = new LinkedHashMap<>();
        for (String name : section.keys()) {
            YamlSection db = section.section(name);
            String host = nonEmpty(db, "host", base.host());
            int port = db.integer("port", base.port(), 1, 65535);
            String dbname = nonEmpty(db, "dbname", name);
            String user = nonEmpty(db, "user", null);
            String password = readPassword(db, env);
            if (password != null && PasswordFormat.of(password) == PasswordFormat.SCRAM_SHA_256) {
                db.error("password", "a SCRAM-SHA-256 verifier cannot be used to log in to a server;"
                        + " give the plaintext or an md5 hash");
            }
            if (password == null && user != null && users.containsKey(user)) {
                password = users.get(user).password();
            }
            int dbPoolSize = db.integer("pool_size", poolSize, 1, PgmuxConfig.MAX_POOL_SIZE);
            PoolMode dbPoolMode = db.choice("pool_mode", poolMode, PoolMode::fromYaml, PoolMode.choices());
            PreparedStatementMode dbPrepared = readPreparedMode(db, null);
            if (PreparedStatementMode.effective(dbPrepared, preparedMode, dbPoolMode) == PreparedStatementMode.PASSTHROUGH
                    && dbPoolMode == PoolMode.TRANSACTION) {
                db.error(db.isPresent("prepared_statements") ? "prepared_statements" : "pool_mode", PASSTHROUGH_NEEDS_SESSION);
            }
            db.reportUnknownKeys();
            if (name.isEmpty()) {
                section.error(name, "a database name must not be empty");
                continue;
            }
            if (RESERVED_DATABASES.contains(name)) {
                section.error(name, "the name is reserved for the admin console (connect to it to run SHOW POOLS, RELOAD...)");
                continue;
            }
            databases.put(name, new DatabaseConfig(name, new HostPort(host, port), dbname, user, password,
                    dbPoolSize, dbPoolMode, dbPrepared));
        }
        return databases;
    }

    private static String nonEmpty(YamlSection section, String key, String dflt) {
        String value = section.string(key, dflt);
        if (value != null && value.isBlank()) {
            section.error(key, "must not be empty");
            return dflt;
        }
        return value;
    }

    /** {@code password}, with every {@code ${NAME}} replaced from {@code env}; null if absent. */
    private static String readPassword(YamlSection section, Map<String, String> env) {
        String raw = section.string("password", null);
        if (raw == null) {
            return null;
        }
        String password = substituteEnv(raw, env, message -> section.error("password", message));
        if (password == null) {
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
