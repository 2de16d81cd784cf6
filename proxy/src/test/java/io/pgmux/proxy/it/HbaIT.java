package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.ServerErrorMessage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Map;

import static io.pgmux.proxy.testing.TestPostgres.DATABASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * HBA rules decide, in order, how each client proves who it is or that it may not log in; a
 * connection no rule admits gets Postgres's own 28000 message. {@code +group} membership is asked
 * of Postgres as {@code auth_user}.
 */
class HbaIT {
    private static final String TRUSTED = "hba_trusted";
    private static final String REJECTED = "hba_rejected";
    private static final String MEMBER = "hba_member";
    private static final String GROUP = "hba_group";
    private static final String MD5_USER = "hba_md5";
    private static final String ADMIN = "hba_admin";
    private static final String STRANGER = "hba_stranger";

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(GROUP, "NOLOGIN")
            .roles(TRUSTED, REJECTED, MD5_USER, STRANGER, ADMIN)
            .role(MEMBER, "LOGIN IN ROLE " + GROUP);

    @TempDir
    Path dir;

    private static final String RULES = "hba:\n"
            + "  - {user: " + REJECTED + ", method: reject}\n"
            + "  - {database: pgbouncer, user: " + ADMIN + ", address: 127.0.0.1/32, method: trust}\n"
            + "  - {user: +" + GROUP + ", method: reject}\n"
            + "  - {database: " + DATABASE + ", user: \"" + TRUSTED + ", " + MEMBER + "\", address: 127.0.0.1/32, method: trust}\n"
            + "  - {user: " + MD5_USER + ", method: md5}\n"
            + "  - {address: 10.0.0.0/8, method: trust}\n";

    private static final String BASE = "auth_user: postgres\n"
            + "admin_users: [" + ADMIN + "]\n"
            + "users:\n  " + MD5_USER + ":\n    password: md5-pw\n  " + ADMIN + ":\n    password: admin-pw\n";

    @Test
    void theFirstMatchingRuleDecidesAndRejectAndNoMatchSayWhatPostgresSays() throws Exception {
        Pgmux pgmux = fixture.start(BASE + RULES);

        try (Connection c = pgmux.jdbc(TRUSTED)) {
            assertEquals(TRUSTED, TestSql.scalar(c, "SELECT session_user"));
        }
        try (Connection c = pgmux.jdbc(MD5_USER, "md5-pw", Map.of())) {
            assertEquals(MD5_USER, TestSql.scalar(c, "SELECT session_user"));
        }
        assertEquals("28P01", TestSql.serverError(() -> pgmux.jdbc(MD5_USER, "wrong", Map.of())).getSQLState());

        ServerErrorMessage rejected = TestSql.serverError(() -> pgmux.jdbc(REJECTED));
        assertEquals("28000", rejected.getSQLState());
        assertEquals("pg_hba.conf rejects connection for host \"127.0.0.1\", user \"" + REJECTED + "\", database \""
                + DATABASE + "\", no encryption", rejected.getMessage());

        // the group rule comes before the rule naming the member: membership, asked of Postgres, rejects it
        ServerErrorMessage member = TestSql.serverError(() -> pgmux.jdbc(MEMBER));
        assertEquals("28000", member.getSQLState());
        assertEquals("pg_hba.conf rejects connection for host \"127.0.0.1\", user \"" + MEMBER + "\", database \""
                + DATABASE + "\", no encryption", member.getMessage());

        ServerErrorMessage stranger = TestSql.serverError(() -> pgmux.jdbc(STRANGER));
        assertEquals("FATAL", stranger.getSeverity());
        assertEquals("28000", stranger.getSQLState());
        assertEquals("no pg_hba.conf entry for host \"127.0.0.1\", user \"" + STRANGER + "\", database \"" + DATABASE
                + "\", no encryption", stranger.getMessage());
    }

    @Test
    void showClientsSaysWhichRuleAdmittedEachClientAndTheConsoleIsMatchedToo() throws Exception {
        Pgmux pgmux = fixture.start(BASE + RULES);

        try (RawClient client = pgmux.raw(TRUSTED); RawClient console = pgmux.console(ADMIN)) {
            Console.Result clients = Console.show(console, "SHOW CLIENTS");

            assertEquals("trust (hba[3])", clients.one("port", Integer.toString(client.localPort())).get("auth"));
            assertEquals("trust (hba[1])", clients.one("user", ADMIN).get("auth"));
        }
        // pgmux's admin console database needs a rule like any other: only hba[1] admits it
        ServerErrorMessage console = TestSql.serverError(() -> pgmux.jdbcTo("pgmux", TRUSTED));
        assertEquals("28000", console.getSQLState());
    }

    @Test
    void anHbaFileIsReadAgainAtReload() throws Exception {
        Path file = dir.resolve("pg_hba.conf");
        Files.writeString(dir.resolve("admins"), ADMIN + "\n");
        Files.writeString(file, "host pgbouncer @admins 127.0.0.1/32 trust\n"
                + "host all \"" + TRUSTED + "\" 127.0.0.1/32 trust\n");
        Pgmux pgmux = fixture.start(BASE + "hba_file: " + file + "\n");
        try (Connection c = pgmux.jdbc(TRUSTED)) {
            assertEquals(TRUSTED, TestSql.scalar(c, "SELECT session_user"));
        }
        assertEquals("28000", TestSql.serverError(() -> pgmux.jdbc(STRANGER)).getSQLState());

        Files.writeString(file, "host pgbouncer @admins 127.0.0.1/32 trust\n"
                + "host all " + TRUSTED + " all reject\n"
                + "host all all 127.0.0.1/32 trust\n");
        try (RawClient console = pgmux.console(ADMIN)) {
            Console.Result reload = Console.show(console, "RELOAD");
            assertNull(reload.error());
        }

        assertEquals("28000", TestSql.serverError(() -> pgmux.jdbc(TRUSTED)).getSQLState());
        try (Connection c = pgmux.jdbc(STRANGER)) {
            assertEquals(STRANGER, TestSql.scalar(c, "SELECT session_user"));
        }
    }
}
