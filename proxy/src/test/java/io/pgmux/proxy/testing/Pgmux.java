package io.pgmux.proxy.testing;

import io.pgmux.proxy.config.ConfigException;
import io.pgmux.proxy.config.ConfigLoader;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.server.PgmuxServer;

import java.io.IOException;
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
 * writes (on top of: listen on a free loopback port, upstream = the test Postgres). Connect to it
 * with {@link #jdbc} (pgJDBC, unnamed statements by default) or {@link #raw} (byte-level).
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

    private Pgmux(PgmuxServer server, PgmuxConfig config) {
        this.server = server;
        this.config = config;
    }

    /** Starts pgmux with {@code yaml} added to the base config (keys given here win). */
    public static Pgmux start(String yaml) {
        return start(yaml, System.getenv());
    }

    /** As {@link #start(String)}, with {@code env} as the environment {@code ${NAME}} reads from. */
    public static Pgmux start(String yaml, Map<String, String> env) {
        TestPostgres pg = TestPostgres.get();
        StringBuilder config = new StringBuilder();
        if (!yaml.contains("listen:")) {
            config.append("listen: \"127.0.0.1:0\"\n");
        }
        if (!yaml.contains("upstream:") && !yaml.contains("databases:")) {
            config.append("upstream: \"").append(pg.host()).append(':').append(pg.port()).append("\"\n");
        }
        config.append(yaml.replace("${PG_PORT}", Integer.toString(pg.port())));
        try {
            PgmuxConfig parsed = ConfigLoader.parse(config.toString(), env);
            return new Pgmux(PgmuxServer.start(parsed), parsed);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("test config is invalid:\n" + e.getMessage() + "\n---\n" + config);
        } catch (Exception e) {
            throw new IllegalStateException("pgmux did not start", e);
        }
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
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("prepareThreshold", "0");
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "60");
        props.putAll(properties);
        return DriverManager.getConnection(jdbcUrl(TestPostgres.DATABASE), props);
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
