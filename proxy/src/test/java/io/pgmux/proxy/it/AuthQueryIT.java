package io.pgmux.proxy.it;

import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.testing.ClientStorm;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.pgmux.proxy.testing.TestPostgres.DATABASE;
import static io.pgmux.proxy.testing.TestPostgres.MD5_ROLES;
import static io.pgmux.proxy.testing.TestPostgres.SCRAM_ROLES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Users that exist only in Postgres log in through pgmux: pgmux looks their secret up with
 * {@code auth_query} (a SECURITY DEFINER function, as the README recommends, that also counts its
 * calls) and logs in to Postgres with what the client proved. The test Postgres demands SCRAM of the
 * members of {@value TestPostgres#SCRAM_ROLES} and md5 of those of {@value TestPostgres#MD5_ROLES},
 * so the pass-through is really exercised: pgmux has no password for any of them.
 */
class AuthQueryIT {
    private static final String AUTH_USER = "authq_lookup";
    private static final String AUTH_PASSWORD = "lookup-pw";
    private static final String SCRAM_USER = "authq_scram";
    private static final String SCRAM_PASSWORD = "scram-pw-1";
    private static final String MD5_USER = "authq_md5";
    private static final String MD5_PASSWORD = "md5-pw-1";
    private static final String ROTATED_USER = "authq_rotated";
    private static final String STORM_USER = "authq_storm";
    private static final String NOLOGIN_USER = "authq_nologin";
    private static final String EXPIRED_USER = "authq_expired";
    /** Roles the test Postgres trusts (in neither SCRAM_ROLES nor MD5_ROLES): one listed in trust_users, one only auth_query finds. */
    private static final String TRUST_LISTED = "authq_trust_listed";
    private static final String TRUST_FOUND = "authq_trust_found";
    /** A role auth_query finds with no password (PgBouncer's suite: pswcheck_not_in_auth_file). */
    private static final String TRUST_FOUND_NO_PASSWORD = "authq_trust_found_nopw";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(AUTH_USER, "LOGIN PASSWORD '" + AUTH_PASSWORD + "' IN ROLE " + SCRAM_ROLES)
            .role(SCRAM_USER, "LOGIN PASSWORD '" + SCRAM_PASSWORD + "' IN ROLE " + SCRAM_ROLES)
            .role(ROTATED_USER, "LOGIN PASSWORD 'rotated-1' IN ROLE " + SCRAM_ROLES)
            .role(MD5_USER, "LOGIN IN ROLE " + MD5_ROLES)
            .role(STORM_USER, "LOGIN IN ROLE " + MD5_ROLES)
            .role(NOLOGIN_USER, "NOLOGIN PASSWORD 'nologin-pw' IN ROLE " + SCRAM_ROLES)
            .role(EXPIRED_USER, "LOGIN PASSWORD 'expired-pw' VALID UNTIL '2000-01-01' IN ROLE " + SCRAM_ROLES)
            .role(TRUST_LISTED, "LOGIN")
            .role(TRUST_FOUND, "LOGIN PASSWORD 'found-pw'")
            .role(TRUST_FOUND_NO_PASSWORD, "LOGIN")
            .sql("SET password_encryption = 'md5'; ALTER ROLE " + MD5_USER + " PASSWORD '" + MD5_PASSWORD + "'; "
                    + "ALTER ROLE " + STORM_USER + " PASSWORD 'storm-pw'")
            .sql("DROP SCHEMA IF EXISTS authq CASCADE; CREATE SCHEMA authq; "
                    + "CREATE TABLE authq.lookups (role name NOT NULL); "
                    // the README's lookup function, counting its calls
                    + "CREATE FUNCTION authq.lookup(p_user name, OUT username name, OUT secret text) RETURNS SETOF record "
                    + "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$ BEGIN "
                    + "INSERT INTO authq.lookups VALUES (p_user); "
                    + "RETURN QUERY SELECT rolname, CASE WHEN rolvaliduntil < now() THEN NULL ELSE rolpassword END "
                    + "FROM pg_authid WHERE rolname = p_user AND rolcanlogin; END $f$; "
                    + "CREATE FUNCTION authq.slow_lookup(p_user name, OUT username name, OUT secret text) RETURNS SETOF record "
                    + "LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $f$ "
                    + "SELECT rolname, rolpassword::text FROM pg_authid, pg_sleep(5) WHERE rolname = p_user $f$; "
                    + "REVOKE ALL ON FUNCTION authq.lookup(name), authq.slow_lookup(name) FROM PUBLIC; "
                    + "GRANT USAGE ON SCHEMA authq TO " + AUTH_USER + "; "
                    + "GRANT EXECUTE ON FUNCTION authq.lookup(name), authq.slow_lookup(name) TO " + AUTH_USER)
            .beforeEachTest("TRUNCATE authq.lookups");

    private static String config(String clientAuth, String authQuery, String cacheTtl) {
        return "client_auth: " + clientAuth + "\n"
                + "auth_user: " + AUTH_USER + "\n"
                + "auth_query: \"" + authQuery + "\"\n"
                + "auth_cache_ttl: " + cacheTtl + "\n"
                + "server_connect_timeout: 2s\n"
                + "users:\n  " + AUTH_USER + ":\n    password: \"${AUTHQ_PASSWORD}\"\n";
    }

    private static Pgmux start(String clientAuth, String cacheTtl) {
        return start(clientAuth, "SELECT username, secret FROM authq.lookup($1)", cacheTtl);
    }

    private static Pgmux start(String clientAuth, String authQuery, String cacheTtl) {
        return fixture.start(config(clientAuth, authQuery, cacheTtl), Map.of("AUTHQ_PASSWORD", AUTH_PASSWORD));
    }

    private static int lookups(String role) {
        try (Connection c = TestPostgres.get().connect(DATABASE, TestPostgres.SUPERUSER, null)) {
            return Integer.parseInt(TestSql.scalar(c, "SELECT count(*) FROM authq.lookups WHERE role = '" + role + "'"));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void trustUsersAdmitsTheListedNamesAndThoseAuthQueryFindsAndRefusesEveryOtherName() throws Exception {
        // given trust restricted, as PgBouncer's, to a list of names (and those auth_query finds)
        Pgmux pgmux = fixture.start(config("trust", "SELECT username, secret FROM authq.lookup($1)", "0s")
                + "trust_users: [" + TRUST_LISTED + "]\n", Map.of("AUTHQ_PASSWORD", AUTH_PASSWORD));

        // when the listed name logs in, it gets in without a password and without a lookup
        try (Connection c = pgmux.jdbc(TRUST_LISTED, null, Map.of())) {
            assertEquals(TRUST_LISTED, TestSql.scalar(c, "SELECT session_user"));
        }
        assertEquals(0, lookups(TRUST_LISTED));
        // when a name auth_query finds logs in, it gets in without a password
        try (Connection c = pgmux.jdbc(TRUST_FOUND, null, Map.of())) {
            assertEquals(TRUST_FOUND, TestSql.scalar(c, "SELECT session_user"));
        }
        assertEquals(1, lookups(TRUST_FOUND));
        // and one it finds without a password, as PgBouncer's trust admits it
        try (Connection c = pgmux.jdbc(TRUST_FOUND_NO_PASSWORD, null, Map.of())) {
            assertEquals(TRUST_FOUND_NO_PASSWORD, TestSql.scalar(c, "SELECT session_user"));
        }
        assertEquals(1, lookups(TRUST_FOUND_NO_PASSWORD));
        // when auth_user itself logs in (its password is under users, for the server), it gets in without a lookup
        try (Connection c = pgmux.jdbc(AUTH_USER, null, Map.of())) {
            assertEquals(AUTH_USER, TestSql.scalar(c, "SELECT session_user"));
        }
        assertEquals(0, lookups(AUTH_USER));
        // when a name neither listed nor found logs in, it is refused, as PgBouncer's trust refuses it
        ErrorResponse refused = TestSql.loginError("127.0.0.1", pgmux.port(), DATABASE, "authq_no_such_role");
        assertEquals(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, refused.sqlState());
        assertEquals("\"trust\" authentication failed for user \"authq_no_such_role\"", refused.message());
        assertEquals(1, lookups("authq_no_such_role"));
    }

    @Test
    void aRoleThatExistsOnlyInPostgresLogsInWithScramEndToEnd() throws SQLException {
        Pgmux pgmux = start("scram-sha-256", "60s");

        try (Connection c = pgmux.jdbc(SCRAM_USER, SCRAM_PASSWORD, Map.of())) {
            assertEquals(SCRAM_USER, TestSql.scalar(c, "SELECT session_user"));
        }
        assertEquals(1, lookups(SCRAM_USER));
    }

    @Test
    void authDbnameNamingAListedDatabaseLooksUpThroughThatEntry() throws SQLException {
        // given auth_dbname naming an entry of databases (as PgBouncer reads it), whose name no Postgres database has
        Pgmux pgmux = fixture.start(config("scram-sha-256", "SELECT username, secret FROM authq.lookup($1)", "0s")
                + "databases:\n"
                + "  authq_source:\n    host: 127.0.0.1\n    port: ${PG_PORT}\n    dbname: " + DATABASE + "\n"
                + "  authq_app:\n    host: 127.0.0.1\n    port: ${PG_PORT}\n    dbname: " + DATABASE + "\n"
                + "    auth_dbname: authq_source\n", Map.of("AUTHQ_PASSWORD", AUTH_PASSWORD));

        // then the lookup runs in that entry's database on its server, and the client logs in
        try (Connection c = pgmux.jdbcTo("authq_app", SCRAM_USER, SCRAM_PASSWORD, Map.of())) {
            assertEquals(SCRAM_USER, TestSql.scalar(c, "SELECT session_user"));
        }
        assertEquals(1, lookups(SCRAM_USER));
    }

    @Test
    void theConsoleLooksUsersUpThroughTheGlobalAuthDbnameAndADisabledAuthDatabaseRefusesLookups() throws Exception {
        // given a global auth_dbname naming an entry of databases, a stats user only Postgres knows, and an admin
        Pgmux pgmux = fixture.start(config("scram-sha-256", "SELECT username, secret FROM authq.lookup($1)", "0s")
                + "auth_dbname: authq_source\nstats_users: [" + SCRAM_USER + "]\nadmin_users: [" + AUTH_USER + "]\n"
                + "databases:\n"
                + "  authq_source:\n    host: 127.0.0.1\n    port: ${PG_PORT}\n    dbname: " + DATABASE + "\n"
                + "  authq_app:\n    host: 127.0.0.1\n    port: ${PG_PORT}\n    dbname: " + DATABASE + "\n",
                Map.of("AUTHQ_PASSWORD", AUTH_PASSWORD));

        // when the stats user logs in to the console (which has no server of its own) with its Postgres password
        try (RawClient stats = RawClient.open(pgmux.host(), pgmux.port()).loginWithPassword("pgbouncer", SCRAM_USER, SCRAM_PASSWORD)) {
            // then auth_query found it through auth_dbname's entry, and it may SHOW
            assertEquals(1, Console.show(stats, "SHOW VERSION").rows().size());
        }
        assertEquals(1, lookups(SCRAM_USER));

        try (RawClient admin = RawClient.open(pgmux.host(), pgmux.port()).loginWithPassword("pgbouncer", AUTH_USER, AUTH_PASSWORD)) {
            // when an admin disables the auth database, a login that needs a lookup through it is refused, naming it
            assertNull(Console.show(admin, "DISABLE authq_source").error());
            ErrorResponse refused = TestSql.loginError(pgmux.host(), pgmux.port(), Map.of("user", SCRAM_USER, "database", "authq_app"));
            assertEquals("authentication database \"authq_source\" is disabled", refused.message());
            assertEquals(SqlState.PROTOCOL_VIOLATION, refused.sqlState());
            assertEquals(1, lookups(SCRAM_USER), "no lookup ran");

            // when it is enabled again, the same login succeeds
            assertNull(Console.show(admin, "ENABLE authq_source").error());
            try (Connection c = pgmux.jdbcTo("authq_app", SCRAM_USER, SCRAM_PASSWORD, Map.of())) {
                assertEquals(SCRAM_USER, TestSql.scalar(c, "SELECT session_user"));
            }
        }
    }

    @Test
    void anMd5RoleLogsInWithMd5EndToEnd() throws SQLException {
        Pgmux pgmux = start("md5", "60s");

        try (Connection c = pgmux.jdbc(MD5_USER, MD5_PASSWORD, Map.of())) {
            assertEquals(MD5_USER, TestSql.scalar(c, "SELECT session_user"));
        }
        // client_auth md5 falls back to SCRAM for a SCRAM secret, as Postgres does
        try (Connection c = pgmux.jdbc(SCRAM_USER, SCRAM_PASSWORD, Map.of())) {
            assertEquals(SCRAM_USER, TestSql.scalar(c, "SELECT session_user"));
        }
    }

    @Test
    void aScramVerifierUnderUsersIsEnoughToLogInToPostgres() throws SQLException {
        String verifier;
        try (Connection c = TestPostgres.get().connect(DATABASE, TestPostgres.SUPERUSER, null)) {
            verifier = TestSql.scalar(c, "SELECT rolpassword FROM pg_authid WHERE rolname = '" + SCRAM_USER + "'");
        }
        Pgmux pgmux = fixture.start("client_auth: scram-sha-256\nusers:\n  " + SCRAM_USER + ":\n    password: \"" + verifier + "\"\n");

        try (Connection c = pgmux.jdbc(SCRAM_USER, SCRAM_PASSWORD, Map.of())) {
            assertEquals(SCRAM_USER, TestSql.scalar(c, "SELECT session_user"));
        }
    }

    @Test
    void psqlLogsInWithScram() throws Exception {
        Pgmux pgmux = start("scram-sha-256", "60s");

        ExternalClient.Result result = ExternalClient.run(60, Map.of("PGPASSWORD", SCRAM_PASSWORD),
                List.of(TestPostgres.get().binDir().resolve("psql").toString(), "-X", "-A", "-t", "-h", pgmux.host(),
                        "-p", Integer.toString(pgmux.port()), "-U", SCRAM_USER, "-d", DATABASE, "-c", "SELECT session_user"))
                .orFail("psql");

        assertEquals(SCRAM_USER, result.output().trim());
    }

    @Test
    void asyncpgLogsInWithScram() throws Exception {
        Pgmux pgmux = start("scram-sha-256", "60s");
        String script = "import asyncpg, asyncio\n"
                + "async def main():\n"
                + "    c = await asyncpg.connect(host='" + pgmux.host() + "', port=" + pgmux.port() + ", user='" + SCRAM_USER
                + "', password='" + SCRAM_PASSWORD + "', database='" + DATABASE + "', ssl=False)\n"
                + "    print(await c.fetchval('SELECT session_user'))\n"
                + "    await c.close()\n"
                + "asyncio.run(main())\n";

        ExternalClient.Result result = ExternalClient.run(60, Map.of(), List.of(ExternalClient.PYTHON, "-c", script)).orFail("asyncpg");

        assertEquals(SCRAM_USER, result.output().trim());
    }

    @Test
    void aDatabaseMayLookItsUsersUpWithItsOwnQuery() throws Exception {
        Pgmux pgmux = fixture.start(config("scram-sha-256", "SELECT username, secret FROM authq.lookup($1)", "60s")
                + "databases:\n"
                + "  " + DATABASE + ":\n    port: ${PG_PORT}\n"
                + "  authq_own:\n    port: ${PG_PORT}\n    dbname: " + DATABASE + "\n"
                + "    auth_query: \"SELECT * FROM authq.no_such_function($1)\"\n", Map.of("AUTHQ_PASSWORD", AUTH_PASSWORD));

        try (Connection c = pgmux.jdbc(SCRAM_USER, SCRAM_PASSWORD, Map.of())) {
            assertEquals(SCRAM_USER, TestSql.scalar(c, "SELECT session_user"));
        }
        PSQLException e = assertThrows(PSQLException.class, () -> DriverManager.getConnection(
                pgmux.jdbcUrl("authq_own"), SCRAM_USER, SCRAM_PASSWORD));
        assertTrue(e.getMessage().contains("no_such_function"), e.getMessage());
    }

    @Test
    void aWrongPasswordAnUnknownANologinAndAnExpiredRoleAllFailAlike() {
        Pgmux pgmux = start("scram-sha-256", "60s");

        for (String[] attempt : new String[][] {{SCRAM_USER, "wrong"}, {"authq_nobody", "any"},
                {NOLOGIN_USER, "nologin-pw"}, {EXPIRED_USER, "expired-pw"}}) {
            ServerErrorMessage error = TestSql.serverError(() -> pgmux.jdbc(attempt[0], attempt[1], Map.of()));
            assertEquals("28P01", error.getSQLState(), attempt[0]);
            assertEquals("password authentication failed for user \"" + attempt[0] + "\"", error.getMessage());
        }
    }

    @Test
    void aChangedPasswordWorksOnceTheCacheExpiresAndTheOldOneStops() throws Exception {
        Pgmux pgmux = start("scram-sha-256", "1s");
        try (Connection c = pgmux.jdbc(ROTATED_USER, "rotated-1", Map.of())) {
            assertEquals(ROTATED_USER, TestSql.scalar(c, "SELECT session_user"));
        }

        TestPostgres.get().execute("ALTER ROLE " + ROTATED_USER + " PASSWORD 'rotated-2'");
        Thread.sleep(1500); // past auth_cache_ttl

        // a new server connection is needed too: the pool's idle one was logged in with the old key
        try (Connection c1 = pgmux.jdbc(ROTATED_USER, "rotated-2", Map.of());
             Connection c2 = pgmux.jdbc(ROTATED_USER, "rotated-2", Map.of())) {
            c1.setAutoCommit(false);
            c2.setAutoCommit(false);
            assertEquals(ROTATED_USER, TestSql.scalar(c1, "SELECT session_user"));
            assertEquals(ROTATED_USER, TestSql.scalar(c2, "SELECT session_user"));
            c1.rollback();
            c2.rollback();
        }
        ServerErrorMessage old = TestSql.serverError(() -> pgmux.jdbc(ROTATED_USER, "rotated-1", Map.of()));
        assertEquals("28P01", old.getSQLState());
    }

    @Test
    void concurrentLoginsOfOneRoleShareOneLookup() throws Exception {
        Pgmux pgmux = start("scram-sha-256", "60s");
        ExecutorService threads = Executors.newFixedThreadPool(20);
        try {
            List<Future<String>> logins = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Callable<String> login = () -> {
                    try (Connection c = pgmux.jdbc(SCRAM_USER, SCRAM_PASSWORD, Map.of())) {
                        return TestSql.scalar(c, "SELECT session_user");
                    }
                };
                logins.add(threads.submit(login));
            }
            for (Future<String> login : logins) {
                assertEquals(SCRAM_USER, login.get());
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(1, lookups(SCRAM_USER));
    }

    @Test
    void aStormOfFiveThousandLoginsOfOneRoleCostsOneLookup() throws Exception {
        Pgmux pgmux = start("password", "10m");

        try (ClientStorm storm = ClientStorm.start(pgmux.host(), pgmux.port(), 5_000, DATABASE, STORM_USER,
                Map.of(ClientStorm.PASSWORD, "storm-pw"))) {
            ClientStorm.Result logins = storm.awaitLogins();
            assertEquals(5_000, logins.ok(), logins.firstFailure());
        }
        assertEquals(1, lookups(STORM_USER));
    }

    @Test
    void anAuthQueryThatFailsGivesTheClientAClearError() {
        Pgmux pgmux = start("scram-sha-256", "SELECT * FROM authq.no_such_function($1)", "60s");

        ServerErrorMessage error = TestSql.serverError(() -> pgmux.jdbc(SCRAM_USER, SCRAM_PASSWORD, Map.of()));

        assertEquals("08006", error.getSQLState());
        assertTrue(error.getMessage().contains("auth_query failed") && error.getMessage().contains("does not exist"),
                error.getMessage());
    }

    @Test
    void aSlowAuthQueryFailsWithinServerConnectTimeout() {
        Pgmux pgmux = start("scram-sha-256", "SELECT * FROM authq.slow_lookup($1)", "60s");

        long started = System.nanoTime();
        ServerErrorMessage error = TestSql.serverError(() -> pgmux.jdbc(SCRAM_USER, SCRAM_PASSWORD, Map.of()));
        long millis = (System.nanoTime() - started) / 1_000_000;

        assertEquals("08006", error.getSQLState());
        assertTrue(error.getMessage().contains("did not answer within 2s"), error.getMessage());
        assertTrue(millis < 4_900, "failed after " + millis + " ms, before the 5 s query could answer");
    }
}
