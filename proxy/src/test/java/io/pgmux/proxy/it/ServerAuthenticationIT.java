package io.pgmux.proxy.it;

import io.pgmux.protocol.auth.Md5Password;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.stream.Stream;

import static io.pgmux.proxy.testing.TestPostgres.CLEARTEXT_PASSWORD;
import static io.pgmux.proxy.testing.TestPostgres.CLEARTEXT_USER;
import static io.pgmux.proxy.testing.TestPostgres.DATABASE;
import static io.pgmux.proxy.testing.TestPostgres.MD5_PASSWORD;
import static io.pgmux.proxy.testing.TestPostgres.MD5_USER;
import static io.pgmux.proxy.testing.TestPostgres.SCRAM_PASSWORD;
import static io.pgmux.proxy.testing.TestPostgres.SCRAM_USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pgmux logs in to Postgres with the password from its config, answering whatever the server asks
 * for: the test Postgres asks {@value TestPostgres#MD5_USER} for md5, {@value TestPostgres#SCRAM_USER}
 * for SCRAM-SHA-256 and {@value TestPostgres#CLEARTEXT_USER} for a cleartext password. Clients are
 * trusted by pgmux here; what they see of a failed server login is what Postgres said.
 */
class ServerAuthenticationIT {
    /** A client name that is no role on the server: only a database's fixed user can log it in. */
    private static final String CLIENT = "sauth_client";
    private static final String WRONG_PASSWORD_DB = "sauth_wrong_password";
    private static final String MD5_SECRET_DB = "sauth_md5_secret";
    private static final String MD5_SECRET_FOR_SCRAM_DB = "sauth_md5_secret_for_scram";
    private static final String MISSING_DB = "sauth_missing";
    private static final String NOT_ON_SERVER = "sauth_not_on_server";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("upstream: \"127.0.0.1:${PG_PORT}\"\n"
                    + "users:\n"
                    + "  " + MD5_USER + ":\n    password: \"" + MD5_PASSWORD + "\"\n"
                    + "  " + SCRAM_USER + ":\n    password: \"" + SCRAM_PASSWORD + "\"\n"
                    + "  " + CLEARTEXT_USER + ":\n    password: \"" + CLEARTEXT_PASSWORD + "\"\n"
                    + "databases:\n"
                    + database("sauth_as_" + MD5_USER, DATABASE, MD5_USER, MD5_PASSWORD)
                    + database("sauth_as_" + SCRAM_USER, DATABASE, SCRAM_USER, SCRAM_PASSWORD)
                    + database("sauth_as_" + CLEARTEXT_USER, DATABASE, CLEARTEXT_USER, CLEARTEXT_PASSWORD)
                    + database(WRONG_PASSWORD_DB, DATABASE, MD5_USER, "not-" + MD5_PASSWORD)
                    + database(MD5_SECRET_DB, DATABASE, MD5_USER, Md5Password.secret(MD5_USER, MD5_PASSWORD))
                    + database(MD5_SECRET_FOR_SCRAM_DB, DATABASE, SCRAM_USER, Md5Password.secret(SCRAM_USER, SCRAM_PASSWORD))
                    + database(MISSING_DB, NOT_ON_SERVER, SCRAM_USER, SCRAM_PASSWORD)
                    + "server_login_retry: 1s\n");

    private static String database(String name, String dbname, String user, String password) {
        return "  " + name + ":\n"
                + "    host: 127.0.0.1\n"
                + "    port: ${PG_PORT}\n"
                + "    dbname: " + dbname + "\n"
                + "    user: " + user + "\n"
                + "    password: \"" + password + "\"\n";
    }

    static Stream<Arguments> serverUsers() {
        return Stream.of(Arguments.of(MD5_USER), Arguments.of(SCRAM_USER), Arguments.of(CLEARTEXT_USER));
    }

    @ParameterizedTest
    @MethodSource("serverUsers")
    void aClientLogsInToTheServerAsItselfWithThePasswordUnderUsers(String user) throws SQLException {
        try (Connection c = pgmux.jdbcTo(DATABASE, user)) {
            assertEquals(user, TestSql.scalar(c, "SELECT current_user"));
            assertEquals(DATABASE, TestSql.scalar(c, "SELECT current_database()"));
        }
    }

    @ParameterizedTest
    @MethodSource("serverUsers")
    void aDatabaseWithItsOwnUserAndPasswordLogsEveryClientInAsThatUser(String user) throws SQLException {
        try (Connection c = pgmux.jdbcTo("sauth_as_" + user, CLIENT)) {
            assertEquals(user, TestSql.scalar(c, "SELECT session_user"));
            assertEquals(DATABASE, TestSql.scalar(c, "SELECT current_database()"));
        }
    }

    @Test
    void anMd5SecretLogsInToAServerThatAsksForMd5() throws SQLException {
        try (Connection c = pgmux.jdbcTo(MD5_SECRET_DB, CLIENT)) {
            assertEquals(MD5_USER, TestSql.scalar(c, "SELECT session_user"));
        }
    }

    @Test
    void anMd5SecretCannotAnswerScramAndTheClientIsToldWhy() {
        ServerErrorMessage error = serverError(() -> pgmux.jdbcTo(MD5_SECRET_FOR_SCRAM_DB, CLIENT));

        assertEquals("FATAL", error.getSeverity());
        assertEquals("28P01", error.getSQLState());
        assertTrue(error.getMessage().contains("SCRAM-SHA-256") && error.getMessage().contains(SCRAM_USER)
                && error.getMessage().contains("no plaintext password"), error::getMessage);
    }

    @Test
    void aWrongServerPasswordReachesTheClientAsPostgresSentItAndOtherPoolsGoOn() throws SQLException {
        ServerErrorMessage direct = serverError(() -> TestPostgres.get().connect(DATABASE, MD5_USER, "not-" + MD5_PASSWORD));

        ServerErrorMessage first = serverError(() -> pgmux.jdbcTo(WRONG_PASSWORD_DB, CLIENT));
        ServerErrorMessage again = serverError(() -> pgmux.jdbcTo(WRONG_PASSWORD_DB, CLIENT));

        for (ServerErrorMessage viaPgmux : new ServerErrorMessage[] {first, again}) {
            assertEquals("FATAL", viaPgmux.getSeverity());
            assertEquals("28P01", viaPgmux.getSQLState());
            assertEquals("password authentication failed for user \"" + MD5_USER + "\"", viaPgmux.getMessage());
            assertEquals(direct.getMessage(), viaPgmux.getMessage());
        }
        try (Connection other = pgmux.jdbcTo("sauth_as_" + MD5_USER, CLIENT);
             Connection upstream = pgmux.jdbcTo(DATABASE, SCRAM_USER)) {
            assertEquals(MD5_USER, TestSql.scalar(other, "SELECT session_user"));
            assertEquals(SCRAM_USER, TestSql.scalar(upstream, "SELECT session_user"));
        }
    }

    @Test
    void aDatabaseMissingOnTheServerReachesTheClientAsPostgresSentIt() {
        ServerErrorMessage direct = serverError(() -> TestPostgres.get().connect(NOT_ON_SERVER, SCRAM_USER, SCRAM_PASSWORD));

        ServerErrorMessage listed = serverError(() -> pgmux.jdbcTo(MISSING_DB, CLIENT));
        ServerErrorMessage upstream = serverError(() -> pgmux.jdbcTo(NOT_ON_SERVER, SCRAM_USER));

        assertEquals("3D000", direct.getSQLState());
        for (ServerErrorMessage viaPgmux : new ServerErrorMessage[] {listed, upstream}) {
            assertEquals("FATAL", viaPgmux.getSeverity());
            assertEquals("3D000", viaPgmux.getSQLState());
            assertEquals("database \"" + NOT_ON_SERVER + "\" does not exist", viaPgmux.getMessage());
            assertEquals(direct.getMessage(), viaPgmux.getMessage());
        }
    }

    private interface Login {
        Connection open() throws SQLException;
    }

    private static ServerErrorMessage serverError(Login login) {
        PSQLException e = assertThrows(PSQLException.class, () -> login.open().close());
        ServerErrorMessage error = e.getServerErrorMessage();
        assertNotNull(error, () -> "not an error from the server: " + e);
        return error;
    }
}
