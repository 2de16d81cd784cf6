package io.pgmux.proxy.it;

import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.ServerErrorMessage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
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
    private static final String PEER_MAPPED = "hba_peer_mapped";
    /** The OS user running the tests: what peer authentication reports for our own socket connections. */
    private static final String OS_USER = System.getProperty("user.name");

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux()
            .role(GROUP, "NOLOGIN")
            .roles(TRUSTED, REJECTED, MD5_USER, STRANGER, ADMIN, PEER_MAPPED)
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

    @Test
    void localRulesDecideForUnixSocketClientsWithTrustAndPeerThroughAMap() throws Exception {
        // given local rules for the socket, and a user name map taking the OS user to a database user
        Pgmux pgmux = fixture.start(BASE + "unix_socket_dir: \"" + dir + "\"\n"
                + "hba:\n"
                + "  - {database: pgbouncer, user: " + ADMIN + ", address: 127.0.0.1/32, method: trust}\n"
                + "  - {type: local, database: " + DATABASE + ", user: " + TRUSTED + ", method: trust}\n"
                + "  - {type: local, user: \"" + PEER_MAPPED + ", " + STRANGER + "\", method: peer, map: os}\n"
                + "ident_maps:\n  - {map: os, system: \"" + OS_USER + "\", user: " + PEER_MAPPED + "}\n"
                + "auth_failure_delay: 0\n");
        Path socket = pgmux.server().unixSocketPath();

        // psql over the socket, admitted by the local trust rule
        ExternalClient.Result psql = ExternalClient.run(60, TestPostgres.get().binDir().resolve("psql").toString(),
                "-h", dir.toString(), "-p", Integer.toString(pgmux.port()), "-U", TRUSTED, "-d", DATABASE,
                "-Atc", "SELECT current_user").orFail("psql over the socket");
        assertEquals(TRUSTED, psql.output().strip());

        // the OS user maps to PEER_MAPPED only; SHOW CLIENTS says which rule let it in
        try (RawClient mapped = RawClient.openUnix(socket).login(DATABASE, PEER_MAPPED, Map.of());
             RawClient console = pgmux.console(ADMIN)) {
            assertEquals(PEER_MAPPED, TestSql.value(mapped, "SELECT current_user::text"));
            assertEquals("peer (hba[2])", Console.show(console, "SHOW CLIENTS").one("user", PEER_MAPPED).get("auth"));
        }
        try (RawClient stranger = RawClient.openUnix(socket)) {
            ErrorResponse refused = last(TestSql.loginRefusal(stranger, Map.of("user", STRANGER, "database", DATABASE)));
            assertEquals("28000", refused.sqlState());
            assertEquals("Peer authentication failed for user \"" + STRANGER + "\"", refused.message());
        }
        // a socket client no local rule admits, and a TCP client, which local rules never admit
        try (RawClient md5 = RawClient.openUnix(socket)) {
            ErrorResponse refused = last(TestSql.loginRefusal(md5, Map.of("user", MD5_USER, "database", DATABASE)));
            assertEquals("no pg_hba.conf entry for host \"[local]\", user \"" + MD5_USER + "\", database \"" + DATABASE
                    + "\", no encryption", refused.message());
        }
        assertEquals("no pg_hba.conf entry for host \"127.0.0.1\", user \"" + TRUSTED + "\", database \"" + DATABASE
                + "\", no encryption", TestSql.serverError(() -> pgmux.jdbc(TRUSTED)).getMessage());
    }

    @Test
    void samehostIsThisMachinesOwnAddressAndSamenetItsSubnets() throws Exception {
        // given: from this machine's own address trust, from elsewhere on its subnets (lo is 127.0.0.0/8) reject
        Pgmux pgmux = fixture.start(BASE + "hba:\n"
                + "  - {address: samehost, user: " + TRUSTED + ", method: trust}\n"
                + "  - {address: samenet, user: " + TRUSTED + ", method: reject}\n"
                + "  - {address: samenet, user: " + STRANGER + ", method: trust}\n"
                + "auth_failure_delay: 0\n");
        Map<String, String> from127002 = Map.of("localSocketAddress", "127.0.0.2");

        try (Connection c = pgmux.jdbc(TRUSTED)) {
            assertEquals(TRUSTED, TestSql.scalar(c, "SELECT session_user"));
        }
        ServerErrorMessage elsewhere = TestSql.serverError(() -> pgmux.jdbc(TRUSTED, null, from127002));
        assertEquals("pg_hba.conf rejects connection for host \"127.0.0.2\", user \"" + TRUSTED + "\", database \""
                + DATABASE + "\", no encryption", elsewhere.getMessage());
        try (Connection c = pgmux.jdbc(STRANGER, null, from127002)) {
            assertEquals(STRANGER, TestSql.scalar(c, "SELECT session_user"));
        }
    }

    private static ErrorResponse last(List<RawClient.Reply> replies) {
        return replies.get(replies.size() - 1).error();
    }
}
