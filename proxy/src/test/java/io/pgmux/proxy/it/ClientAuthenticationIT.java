package io.pgmux.proxy.it;

import io.pgmux.protocol.Backend;
import io.pgmux.protocol.Frontend;
import io.pgmux.protocol.auth.Md5Password;
import io.pgmux.protocol.auth.ScramSecret;
import io.pgmux.protocol.message.AuthenticationRequest;
import io.pgmux.protocol.message.SaslInitialResponse;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.protocol.message.StartupMessage;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients prove who they are to pgmux with {@code client_auth} against the {@code users} it is
 * configured with. The roles are trusted by the test Postgres, so only pgmux checks passwords here.
 */
class ClientAuthenticationIT {
    private static final String PLAIN_USER = "cauth_plain";
    private static final String PLAIN_PASSWORD = "plain-pw";
    private static final String MD5_USER = "cauth_md5";
    private static final String MD5_PASSWORD = "md5-pw";
    private static final String SCRAM_USER = "cauth_scram";
    private static final String SCRAM_PASSWORD = "scram-pw";
    private static final String ENV_USER = "cauth_env";
    private static final String ENV_VARIABLE = "CAUTH_ENV_PASSWORD";
    private static final String ENV_PASSWORD = "env-pw";
    private static final String UNKNOWN_USER = "cauth_nobody";
    private static final List<String> PASSWORD_METHODS = List.of("password", "md5", "scram-sha-256");

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .roles(PLAIN_USER, MD5_USER, SCRAM_USER, ENV_USER);

    private static final Map<String, Pgmux> pgmuxByMethod = new LinkedHashMap<>();

    @BeforeAll
    static void startOnePgmuxPerMethod() {
        for (String method : List.of("trust", "password", "md5", "scram-sha-256")) {
            pgmuxByMethod.put(method, Pgmux.start("client_auth: " + method + "\n" + users(!method.equals("scram-sha-256")),
                    Map.of(ENV_VARIABLE, ENV_PASSWORD)));
        }
    }

    @AfterAll
    static void stopPgmux() {
        pgmuxByMethod.values().forEach(Pgmux::close);
    }

    /** Every kind of stored password; an md5 hash only where the method can check it. */
    private static String users(boolean withMd5Secret) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        StringBuilder yaml = new StringBuilder("users:\n");
        yaml.append("  ").append(PLAIN_USER).append(":\n    password: \"").append(PLAIN_PASSWORD).append("\"\n");
        if (withMd5Secret) {
            yaml.append("  ").append(MD5_USER).append(":\n    password: \"").append(Md5Password.secret(MD5_USER, MD5_PASSWORD)).append("\"\n");
        }
        yaml.append("  ").append(SCRAM_USER).append(":\n    password: \"")
                .append(ScramSecret.fromPassword(SCRAM_PASSWORD, salt, 4096).encode()).append("\"\n");
        yaml.append("  ").append(ENV_USER).append(":\n    password: \"${").append(ENV_VARIABLE).append("}\"\n");
        return yaml.toString();
    }

    /** (method, user, password) for every stored password form the method can check. */
    static Stream<Arguments> allowedLogins() {
        return Stream.of(
                Arguments.of("password", PLAIN_USER, PLAIN_PASSWORD),
                Arguments.of("password", MD5_USER, MD5_PASSWORD),
                Arguments.of("password", SCRAM_USER, SCRAM_PASSWORD),
                Arguments.of("md5", PLAIN_USER, PLAIN_PASSWORD),
                Arguments.of("md5", MD5_USER, MD5_PASSWORD),
                Arguments.of("md5", SCRAM_USER, SCRAM_PASSWORD),
                Arguments.of("scram-sha-256", PLAIN_USER, PLAIN_PASSWORD),
                Arguments.of("scram-sha-256", SCRAM_USER, SCRAM_PASSWORD));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("allowedLogins")
    void theRightPasswordLogsInAndRunsAQuery(String method, String user, String password) throws SQLException {
        try (Connection c = pgmuxByMethod.get(method).jdbc(user, password, Map.of())) {
            assertEquals(user, TestSql.scalar(c, "SELECT current_user"));
            assertEquals("42", TestSql.scalar(c, "SELECT 6 * 7"));
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("allowedLogins")
    void aWrongPasswordIsRefusedWithInvalidPassword(String method, String user, String password) {
        PSQLException e = assertThrows(PSQLException.class,
                () -> pgmuxByMethod.get(method).jdbc(user, password + "-wrong", Map.of()).close());

        assertPasswordFailed(user, e);
    }

    @ParameterizedTest
    @ValueSource(strings = {"password", "md5", "scram-sha-256"})
    void anUnknownUserIsAskedAndRefusedExactlyLikeAKnownUserWithAWrongPassword(String method) throws Exception {
        Pgmux pgmux = pgmuxByMethod.get(method);

        // the exchange starts the same way for both
        assertEquals(describeAuthenticationRequest(pgmux, PLAIN_USER), describeAuthenticationRequest(pgmux, UNKNOWN_USER));

        // and ends with the same error, but for the name
        PSQLException known = assertThrows(PSQLException.class, () -> pgmux.jdbc(PLAIN_USER, "guess", Map.of()).close());
        PSQLException unknown = assertThrows(PSQLException.class, () -> pgmux.jdbc(UNKNOWN_USER, "guess", Map.of()).close());
        assertPasswordFailed(PLAIN_USER, known);
        assertPasswordFailed(UNKNOWN_USER, unknown);
        ServerErrorMessage k = known.getServerErrorMessage();
        ServerErrorMessage u = unknown.getServerErrorMessage();
        assertEquals(k.getMessage().replace(PLAIN_USER, UNKNOWN_USER), u.getMessage());
        assertEquals(k.getDetail(), u.getDetail());
        assertEquals(k.getHint(), u.getHint());
    }

    @Test
    void md5FallsBackToScramForAUserWhoseOnlySecretIsAScramOne() throws Exception {
        Pgmux md5 = pgmuxByMethod.get("md5");

        assertEquals("md5", describeAuthenticationRequest(md5, PLAIN_USER));
        assertEquals("md5", describeAuthenticationRequest(md5, MD5_USER));
        assertEquals("sasl [SCRAM-SHA-256]", describeAuthenticationRequest(md5, SCRAM_USER));
        try (Connection c = md5.jdbc(SCRAM_USER, SCRAM_PASSWORD, Map.of())) {
            assertEquals(SCRAM_USER, TestSql.scalar(c, "SELECT current_user"));
        }
    }

    /* As Postgres: a SCRAM message that breaks the grammar is a protocol violation, not a wrong password. */
    @Test
    void aMalformedScramMessageIsAProtocolViolation() throws Exception {
        Pgmux scram = pgmuxByMethod.get("scram-sha-256");
        try (RawClient raw = RawClient.open(scram.host(), scram.port())) {
            raw.send(new StartupMessage(Frontend.PROTOCOL_3_0, Map.of("user", SCRAM_USER, "database", TestPostgres.DATABASE)))
                    .flush();
            assertEquals(Backend.AUTHENTICATION, raw.read().type());

            raw.send(new SaslInitialResponse("SCRAM-SHA-256", "x,,n=,r=abc".getBytes(StandardCharsets.US_ASCII))).flush();

            ErrorResponse error = raw.read().error();
            assertEquals("FATAL", error.severity(), error::toString);
            assertEquals("08P01", error.sqlState(), error::toString);
            assertEquals("malformed SCRAM message", error.message());
            assertTrue(raw.isClosedByPeer());
        }
    }

    @Test
    void eachMethodAsksForItsOwnKindOfPassword() throws Exception {
        assertEquals("ok", describeAuthenticationRequest(pgmuxByMethod.get("trust"), PLAIN_USER));
        assertEquals("cleartext", describeAuthenticationRequest(pgmuxByMethod.get("password"), PLAIN_USER));
        assertEquals("md5", describeAuthenticationRequest(pgmuxByMethod.get("md5"), PLAIN_USER));
        assertEquals("sasl [SCRAM-SHA-256]", describeAuthenticationRequest(pgmuxByMethod.get("scram-sha-256"), PLAIN_USER));
    }

    @Test
    void trustLetsAClientInWhateverPasswordItHas() throws SQLException {
        Pgmux trust = pgmuxByMethod.get("trust");

        try (Connection none = trust.jdbc(PLAIN_USER, null, Map.of());
             Connection wrong = trust.jdbc(SCRAM_USER, "not-the-password", Map.of())) {
            assertEquals(PLAIN_USER, TestSql.scalar(none, "SELECT current_user"));
            assertEquals(SCRAM_USER, TestSql.scalar(wrong, "SELECT current_user"));
        }
    }

    @Test
    void trustLeavesAnUnknownRoleToPostgresWhichRefusesIt() {
        PSQLException e = assertThrows(PSQLException.class, () -> pgmuxByMethod.get("trust").jdbc(UNKNOWN_USER).close());

        ServerErrorMessage error = e.getServerErrorMessage();
        assertNotNull(error, e::getMessage);
        assertEquals("FATAL", error.getSeverity());
        assertEquals("28000", error.getSQLState());
        assertEquals("role \"" + UNKNOWN_USER + "\" does not exist", error.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"password", "md5", "scram-sha-256"})
    void aPasswordIsReadFromTheEnvironmentVariableTheConfigNames(String method) throws SQLException {
        Pgmux pgmux = pgmuxByMethod.get(method);

        try (Connection c = pgmux.jdbc(ENV_USER, ENV_PASSWORD, Map.of())) {
            assertEquals(ENV_USER, TestSql.scalar(c, "SELECT current_user"));
        }
        assertPasswordFailed(ENV_USER, assertThrows(PSQLException.class,
                () -> pgmux.jdbc(ENV_USER, "${" + ENV_VARIABLE + "}", Map.of()).close()));
    }

    @Test
    void aMissingEnvironmentVariableIsAConfigErrorNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pgmux.start(
                "client_auth: md5\nusers:\n  " + ENV_USER + ":\n    password: \"${CAUTH_NOT_SET}\"\n", Map.of()).close());

        assertTrue(e.getMessage().contains("users." + ENV_USER + ".password: environment variable CAUTH_NOT_SET is not set"),
                e::getMessage);
    }

    /*
     * As Postgres and PgBouncer: the password is checked before the database, so a client that
     * cannot log in learns nothing of which databases pgmux serves (ImperfectUserEntriesIT has the
     * md5 hash under scram-sha-256 that used to refuse the whole config).
     */
    @ParameterizedTest
    @ValueSource(strings = {"password", "md5", "scram-sha-256"})
    void aWrongPasswordGetsTheSameErrorForAServedAndAnUnknownDatabase(String method) throws SQLException {
        try (Pgmux listedOnly = Pgmux.start("client_auth: " + method + "\nupstream: null\n" + users(!method.equals("scram-sha-256"))
                + "databases:\n  " + TestPostgres.DATABASE + ":\n    host: 127.0.0.1\n    port: ${PG_PORT}\n",
                Map.of(ENV_VARIABLE, ENV_PASSWORD))) {
            PSQLException served = assertThrows(PSQLException.class,
                    () -> listedOnly.jdbcTo(TestPostgres.DATABASE, PLAIN_USER, "wrong", Map.of()).close());
            PSQLException unknown = assertThrows(PSQLException.class,
                    () -> listedOnly.jdbcTo("cauth_nosuchdb", PLAIN_USER, "wrong", Map.of()).close());
            PSQLException unknownUser = assertThrows(PSQLException.class,
                    () -> listedOnly.jdbcTo("cauth_nosuchdb", UNKNOWN_USER, "wrong", Map.of()).close());

            assertPasswordFailed(PLAIN_USER, served);
            assertPasswordFailed(PLAIN_USER, unknown);
            assertPasswordFailed(UNKNOWN_USER, unknownUser);
            assertEquals(served.getServerErrorMessage().toString(), unknown.getServerErrorMessage().toString());

            // the right password learns that the database is not served, and the served one works
            PSQLException afterLogin = assertThrows(PSQLException.class,
                    () -> listedOnly.jdbcTo("cauth_nosuchdb", PLAIN_USER, PLAIN_PASSWORD, Map.of()).close());
            assertEquals("3D000", afterLogin.getSQLState());
            assertTrue(afterLogin.getMessage().contains("no such database: cauth_nosuchdb"), afterLogin::getMessage);
            try (Connection c = listedOnly.jdbcTo(TestPostgres.DATABASE, PLAIN_USER, PLAIN_PASSWORD, Map.of())) {
                assertEquals("42", TestSql.scalar(c, "SELECT 6 * 7"));
            }
        }
    }

    @Test
    void psqlLogsInWithScramAndRunsAQuery() throws Exception {
        Pgmux scram = pgmuxByMethod.get("scram-sha-256");

        PsqlResult ok = psql(scram, SCRAM_USER, SCRAM_PASSWORD, "SELECT current_user || ' ' || 6 * 7");
        PsqlResult wrong = psql(scram, SCRAM_USER, "wrong", "SELECT 1");

        assertEquals(0, ok.exitCode(), ok.output());
        assertEquals(SCRAM_USER + " 42", ok.output().strip());
        assertEquals(2, wrong.exitCode(), wrong.output());
        assertTrue(wrong.output().contains("password authentication failed for user \"" + SCRAM_USER + "\""), wrong.output());
    }

    private record PsqlResult(int exitCode, String output) {}

    private static PsqlResult psql(Pgmux pgmux, String user, String password, String sql) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(TestPostgres.get().binDir().resolve("psql").toString(),
                "-h", pgmux.host(), "-p", Integer.toString(pgmux.port()), "-U", user, "-d", TestPostgres.DATABASE,
                "-X", "-w", "-tA", "-c", sql)
                .redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("PG"));
        env.put("PGPASSWORD", password);
        env.put("PGPASSFILE", "/dev/null");
        env.put("PGCONNECT_TIMEOUT", "10");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("psql did not finish: " + output);
        }
        return new PsqlResult(process.exitValue(), output);
    }

    /** What pgmux asks a client logging in as {@code user} for first: "ok", "cleartext", "md5" or "sasl [mechanisms]". */
    private static String describeAuthenticationRequest(Pgmux pgmux, String user) throws Exception {
        try (RawClient raw = RawClient.open(pgmux.host(), pgmux.port())) {
            Map<String, String> startup = new HashMap<>();
            startup.put("user", user);
            startup.put("database", TestPostgres.DATABASE);
            raw.send(new StartupMessage(Frontend.PROTOCOL_3_0, startup)).flush();
            RawClient.Reply reply = raw.read();
            assertEquals(Backend.AUTHENTICATION, reply.type(), reply::toString);
            AuthenticationRequest request = AuthenticationRequest.decode(reply.buf());
            switch (request.code()) {
                case Backend.AUTH_OK:
                    return "ok";
                case Backend.AUTH_CLEARTEXT_PASSWORD:
                    return "cleartext";
                case Backend.AUTH_MD5_PASSWORD:
                    return "md5";
                case Backend.AUTH_SASL:
                    return "sasl " + request.saslMechanisms();
                default:
                    return "code " + request.code();
            }
        }
    }

    /** FATAL 28P01 "password authentication failed for user ..." from pgmux, as Postgres words it. */
    static void assertPasswordFailed(String user, PSQLException e) {
        ServerErrorMessage error = e.getServerErrorMessage();
        assertNotNull(error, () -> "not an error from the server: " + e);
        assertEquals("FATAL", error.getSeverity());
        assertEquals("28P01", error.getSQLState());
        assertEquals("password authentication failed for user \"" + user + "\"", error.getMessage());
    }
}
