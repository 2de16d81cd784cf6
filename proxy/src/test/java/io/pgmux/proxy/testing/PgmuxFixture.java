package io.pgmux.proxy.testing;

import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.net.HostLookup;
import io.pgmux.proxy.pool.Pool;
import io.pgmux.proxy.pool.PoolCounts;
import io.pgmux.proxy.server.PgmuxServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The set-up an integration test class shares, as a JUnit 5 extension: the roles and tables it needs,
 * made afresh on {@link TestPostgres} before its first test, and pgmux started from a YAML snippet
 * (on the base that {@link Pgmux#start(String)} adds) for the whole class.
 *
 * <pre>
 * &#64;RegisterExtension
 * static final PgmuxFixture pgmux = PgmuxFixture.withConfig("pool_size: 2\nquery_wait_timeout: 20s\n")
 *         .role(USER)
 *         .emptyTable(TABLE, "id int, label text");
 *
 * try (Connection c = pgmux.jdbc(USER)) { ... }
 * </pre>
 *
 * <p>Before the first test: each role is dropped and created ({@code LOGIN} unless told otherwise),
 * then the tables and {@link #sql(String) set-up SQL} run in the order given, then pgmux starts.
 * Before each test (and before the class's own {@code @BeforeEach} methods) the
 * {@link #beforeEachTest(String)} SQL runs. After the last test pgmux stops.
 *
 * <p>A class whose tests each want their own config uses {@link #withoutPgmux()} and calls
 * {@link #start(String)} in the test or in a {@code @BeforeEach}: that pgmux stops when the test ends.
 */
public final class PgmuxFixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private final String sharedConfig;
    private final Map<String, String> roles = new LinkedHashMap<>();
    private final List<Supplier<String>> setUp = new ArrayList<>();
    private final List<String> beforeEach = new ArrayList<>();
    private final List<Pgmux> startedInTest = new ArrayList<>();
    private final List<Precondition> preconditions = new ArrayList<>();
    private Pgmux shared;

    private PgmuxFixture(String sharedConfig) {
        this.sharedConfig = sharedConfig;
    }

    /** One pgmux for the whole class, started with {@code yaml} on the test base config. */
    public static PgmuxFixture withConfig(String yaml) {
        return new PgmuxFixture(yaml);
    }

    /** Roles and tables only: each test starts the pgmux it needs with {@link #start(String)}. */
    public static PgmuxFixture withoutPgmux() {
        return new PgmuxFixture(null);
    }

    /** A role that may log in, made afresh. */
    public PgmuxFixture role(String name) {
        return role(name, "LOGIN");
    }

    /** Roles that may log in, made afresh. */
    public PgmuxFixture roles(String... names) {
        for (String name : names) {
            role(name);
        }
        return this;
    }

    /** A role made afresh with {@code options}, e.g. {@code "LOGIN PASSWORD 'secret'"}. */
    public PgmuxFixture role(String name, String options) {
        roles.put(name, options);
        return this;
    }

    /** A table made afresh with {@code columns}, on which every role of this fixture gets all rights. */
    public PgmuxFixture table(String name, String columns) {
        setUp.add(() -> "DROP TABLE IF EXISTS " + name + "; CREATE TABLE " + name + " (" + columns + ")");
        setUp.add(() -> "GRANT ALL ON " + name + " TO " + String.join(", ", roles.keySet()));
        return this;
    }

    /** A table made afresh like {@link #table}, and emptied before each test. */
    public PgmuxFixture emptyTable(String name, String columns) {
        return table(name, columns).beforeEachTest("TRUNCATE " + name);
    }

    /** SQL run once as the superuser on the test database, after the roles, before pgmux starts. */
    public PgmuxFixture sql(String sql) {
        setUp.add(() -> sql);
        return this;
    }

    /** What the class needs of the machine (a client tool, say), checked before anything is set up. */
    public PgmuxFixture precondition(Precondition precondition) {
        preconditions.add(precondition);
        return this;
    }

    /** A check that throws, or fails the test class, when the machine lacks something. */
    @FunctionalInterface
    public interface Precondition {
        void check() throws Exception;
    }

    /** SQL run as the superuser on the test database before each test (emptying tables, say). */
    public PgmuxFixture beforeEachTest(String sql) {
        beforeEach.add(sql);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        for (Precondition precondition : preconditions) {
            precondition.check();
        }
        roles.forEach((name, options) ->
                TestPostgres.get().execute("DROP ROLE IF EXISTS " + name + "; CREATE ROLE " + name + " " + options));
        for (Supplier<String> sql : setUp) {
            TestPostgres.get().execute(sql.get());
        }
        if (sharedConfig != null) {
            shared = Pgmux.start(sharedConfig);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        beforeEach.forEach(TestPostgres.get()::execute);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        startedInTest.forEach(Pgmux::close);
        startedInTest.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (shared != null) {
            shared.close();
            shared = null;
        }
    }

    /** As {@link #start(String)}, {@code ${NAME}} in the config read from {@code env}. */
    public Pgmux start(String yaml, Map<String, String> env) {
        Pgmux pgmux = Pgmux.start(yaml, env);
        startedInTest.add(pgmux);
        return pgmux;
    }

    /** As {@link #start(String)}, host names looked up by {@code lookup}. */
    public Pgmux start(String yaml, HostLookup lookup) {
        Pgmux pgmux = Pgmux.start(yaml, lookup);
        startedInTest.add(pgmux);
        return pgmux;
    }

    /** Starts a pgmux with {@code yaml} on the test base config; it stops when the current test ends. */
    public Pgmux start(String yaml) {
        Pgmux pgmux = Pgmux.start(yaml);
        startedInTest.add(pgmux);
        return pgmux;
    }

    /** The pgmux shared by the class's tests. */
    public Pgmux pgmux() {
        if (shared == null) {
            throw new IllegalStateException(sharedConfig == null
                    ? "this fixture starts no pgmux for the class: use start(yaml)"
                    : "pgmux runs only between the class's first and last test");
        }
        return shared;
    }

    // ------------------------------------------------- the shared pgmux, as the tests use it most

    public PgmuxServer server() {
        return pgmux().server();
    }

    public String host() {
        return pgmux().host();
    }

    public int port() {
        return pgmux().port();
    }

    public HostPort http() {
        return pgmux().http();
    }

    public Connection jdbc(String user) throws SQLException {
        return pgmux().jdbc(user);
    }

    public Connection jdbc(String user, String password, Map<String, String> properties) throws SQLException {
        return pgmux().jdbc(user, password, properties);
    }

    public Connection jdbcTo(String database, String user) throws SQLException {
        return pgmux().jdbcTo(database, user);
    }

    public RawClient raw(String user) throws IOException {
        return pgmux().raw(user);
    }

    public RawClient raw(String user, Map<String, String> startupParameters) throws IOException {
        return pgmux().raw(user, startupParameters);
    }

    public RawClient console(String user) throws IOException {
        return pgmux().console(user);
    }

    public Pool pool(String user) {
        return pgmux().pool(user);
    }

    public Pool pool(String database, String user) {
        return pgmux().pool(database, user);
    }

    public PoolCounts counts(String user) {
        return pgmux().counts(user);
    }

    public int waitingClients() {
        return pgmux().waitingClients();
    }

    public void awaitNoServerHeld(String user) {
        pgmux().awaitNoServerHeld(user);
    }

    public void awaitNothingHeld(String user, int sessions) {
        pgmux().awaitNothingHeld(user, sessions);
    }
}
