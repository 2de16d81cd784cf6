package io.pgmux.proxy.testing;

import io.pgmux.proxy.config.ConfigException;
import io.pgmux.proxy.config.ConfigLoader;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.net.HostLookup;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.pool.PoolCounts;
import io.pgmux.proxy.server.PgmuxServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * pgmux running in the test JVM in front of {@link TestPostgres}, configured by the YAML a test
 * writes (on top of: listen on a free loopback port, upstream = the test Postgres, the HTTP endpoint
 * on a free loopback port). Connect to it with {@link #jdbc} (pgJDBC, unnamed statements by
 * default), {@link #raw} (byte-level) or {@link #console} (the admin console). The config is kept in
 * a file that RELOAD reads: {@link #rewriteConfig} changes it.
 *
 * <pre>
 * try (Pgmux pgmux = Pgmux.start("pool_size: 5")) {
 *     try (Connection c = pgmux.jdbc("postgres")) { ... }
 * }
 * </pre>
 */
public final class Pgmux implements AutoCloseable {
    private final PgmuxServer server;
    private final PgmuxConfig config;
    private final Path file;

    private Pgmux(PgmuxServer server, PgmuxConfig config, Path file) {
        this.server = server;
        this.config = config;
        this.file = file;
    }

    /** Starts pgmux with {@code yaml} added to the base config (keys given here win). */
    public static Pgmux start(String yaml) {
        return start(yaml, System.getenv());
    }

    /** As {@link #start(String)}, with {@code env} as the environment {@code ${NAME}} reads from. */
    public static Pgmux start(String yaml, Map<String, String> env) {
        return start(yaml, env, null);
    }

    /** As {@link #start(String)}, server host names being looked up by {@code lookup} instead of the system. */
    public static Pgmux start(String yaml, HostLookup lookup) {
        return start(yaml, System.getenv(), lookup);
    }

    private static Pgmux start(String yaml, Map<String, String> env, HostLookup lookup) {
        String config = withBase(yaml);
        Path file;
        try {
            file = Files.createTempFile("pgmux-test-", ".yaml");
            Files.writeString(file, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            PgmuxConfig parsed = ConfigLoader.parse(config, env);
            return new Pgmux(PgmuxServer.start(parsed, () -> ConfigLoader.load(file, env), lookup), parsed, file);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("test config is invalid:\n" + e.getMessage() + "\n---\n" + config);
        } catch (Exception e) {
            throw new IllegalStateException("pgmux did not start", e);
        }
    }

    /** Replaces the config file RELOAD reads with {@code yaml} on the same base as {@link #start}. */
    public void rewriteConfig(String yaml) throws IOException {
        Files.writeString(file, withBase(yaml));
    }

    /** Replaces the config file with exactly {@code text} (to test invalid files). */
    public void rewriteConfigFile(String text) throws IOException {
        Files.writeString(file, text);
    }

    private static String withBase(String yaml) {
        TestPostgres pg = TestPostgres.get();
        StringBuilder config = new StringBuilder();
        if (!yaml.startsWith("listen:") && !yaml.contains("\nlisten:")) {
            config.append("listen: \"127.0.0.1:0\"\n");
        }
        if (!yaml.startsWith("http:") && !yaml.contains("\nhttp:")) {
            config.append("http:\n  listen: \"127.0.0.1:0\"\n");
        }
        if (!yaml.contains("unix_socket_dir:")) {
            config.append("unix_socket_dir: \"\"\n");
        }
        if (!yaml.contains("upstream:") && !yaml.contains("databases:")) {
            config.append("upstream: \"").append(pg.host()).append(':').append(pg.port()).append("\"\n");
        }
        config.append(yaml.replace("${PG_PORT}", Integer.toString(pg.port())));
        return config.toString();
    }

    public static Pgmux start() {
        return start("");
    }

    public PgmuxServer server() {
        return server;
    }

    public PgmuxConfig config() {
        return config;
    }

    public String host() {
        return server.boundAddress().host();
    }

    public int port() {
        return server.boundAddress().port();
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    /** pgJDBC through pgmux to the test database, with {@code prepareThreshold=0} unless overridden. */
    public Connection jdbc(String user, String password, Map<String, String> properties) throws SQLException {
        return jdbcTo(TestPostgres.DATABASE, user, password, properties);
    }

    /** pgJDBC through pgmux to {@code database} as {@code user}, without a password. */
    public Connection jdbcTo(String database, String user) throws SQLException {
        return jdbcTo(database, user, null, Map.of());
    }

    /** pgJDBC through pgmux to {@code database} as {@code user} with {@code password} (null = none). */
    public Connection jdbcTo(String database, String user, String password, Map<String, String> properties) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("prepareThreshold", "0");
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "60");
        props.putAll(properties);
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    public Connection jdbc(String user) throws SQLException {
        return jdbc(user, null, Map.of());
    }

    /** A logged-in byte-level client on the test database. */
    public RawClient raw(String user) throws IOException {
        return RawClient.connect(host(), port(), TestPostgres.DATABASE, user);
    }

    public RawClient raw(String user, Map<String, String> startupParameters) throws IOException {
        return RawClient.connect(host(), port(), TestPostgres.DATABASE, user, startupParameters);
    }

    /** A logged-in byte-level client on the admin console (database {@code pgbouncer}). */
    public RawClient console(String user) throws IOException {
        return RawClient.connect(host(), port(), "pgbouncer", user);
    }

    /** Where the HTTP endpoint listens. */
    public HostPort http() {
        return server.httpAddress();
    }

    /** The pool of {@code user} on the test database; fails if pgmux has not made it yet. */
    public Pool pool(String user) {
        return pool(TestPostgres.DATABASE, user);
    }

    public Pool pool(String database, String user) {
        return server.pools().pool(database, user)
                .orElseThrow(() -> new AssertionError("pgmux has no pool for " + user + " on " + database));
    }

    /** The counts of {@link #pool(String)}. */
    public PoolCounts counts(String user) {
        return pool(user).counts();
    }

    /** Clients waiting for a server, summed over every pool. */
    public int waitingClients() {
        return server.pools().all().stream().map(Pool::counts).mapToInt(PoolCounts::waiting).sum();
    }

    /** Waits until no client holds a server of {@code user}'s pool; fails after 20 s, showing the counts. */
    public void awaitNoServerHeld(String user) {
        Pool pool = pool(user);
        TestSql.await(() -> "no server is held; pool " + pool.counts(), () -> pool.counts().activeServers() == 0);
    }

    /**
     * Waits until pgmux has {@code sessions} client sessions left and {@code user}'s pool has no
     * server held and no client waiting; fails after 20 s, showing both.
     */
    public void awaitNothingHeld(String user, int sessions) {
        Pool pool = pool(user);
        TestSql.await(() -> sessions + " sessions and nothing held; sessions " + server.sessions().connectedCount()
                        + ", pool " + pool.counts(),
                () -> server.sessions().connectedCount() == sessions && pool.counts().activeServers() == 0
                        && pool.counts().waiting() == 0);
    }

    /**
     * Backends in the test Postgres connected to {@code database} as {@code user}, other than the
     * one asking: pgmux's server connections, when the test opens no direct ones.
     */
    public static int serverConnections(String database, String user) throws SQLException {
        try (Connection direct = TestPostgres.get().connect(TestPostgres.DATABASE, TestPostgres.SUPERUSER, null)) {
            return serverConnections(direct, database, user);
        }
    }

    /** As {@link #serverConnections(String, String)}, asked on an open direct connection. */
    static int serverConnections(Connection direct, String database, String user) throws SQLException {
        try (Statement st = direct.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                     + " AND datname = '" + database + "' AND usename = '" + user + "' AND pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temp file
        }
        server.shutdownGracefully();
        try {
            Thread waiter = new Thread(() -> {
                try {
                    server.awaitTermination();
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            });
            waiter.start();
            waiter.join(TimeUnit.SECONDS.toMillis(config.shutdownTimeout().toSeconds() + 10));
            if (waiter.isAlive()) {
                throw new IllegalStateException("pgmux did not stop within shutdown_timeout + 10s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
