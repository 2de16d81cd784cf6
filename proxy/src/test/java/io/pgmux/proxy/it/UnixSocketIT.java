package io.pgmux.proxy.it;

import io.pgmux.protocol.SqlState;
import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.net.Transport;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.RawClient.Reply;
import io.pgmux.proxy.testing.TestCertificates;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Unix domain socket {@code <unix_socket_dir>/.s.PGSQL.<port>}, as PgBouncer's: psql finds it
 * with {@code -h DIR -p PORT}, SHOW CLIENTS shows its clients as "unix", {@code unix_socket_auth: peer}
 * lets in only the OS user's own name, a stale socket file is replaced and a live one is not.
 */
class UnixSocketIT {
    private static final String USER = "unix_socket_user";
    /** The OS user running the tests: what peer authentication reports for our own connections. */
    private static final String OS_USER = System.getProperty("user.name");

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(USER)
            .sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + OS_USER + "') THEN "
                    + "CREATE ROLE \"" + OS_USER + "\" LOGIN; END IF; END $$");

    @TempDir
    Path dir;

    @Test
    void psqlConnectsWithTheDirectoryAsHost() throws Exception {
        // given pgmux with its socket in a directory of its own, mode 0700
        Pgmux pgmux = fixture.start("unix_socket_dir: \"" + dir + "\"\nunix_socket_mode: \"0700\"\n");
        Path socket = dir.resolve(".s.PGSQL." + pgmux.port());
        assertEquals(socket, pgmux.server().unixSocketPath());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));

        // when psql connects as Postgres clients do, with the directory as its host
        ExternalClient.Result psql = ExternalClient.run(60, TestPostgres.get().binDir().resolve("psql").toString(),
                "-h", dir.toString(), "-p", Integer.toString(pgmux.port()), "-U", USER, "-d", TestPostgres.DATABASE,
                "-Atc", "SELECT 'via socket', current_user").orFail("psql");

        // then it ran its query through pgmux
        assertEquals("via socket|" + USER, psql.output().strip());
    }

    @Test
    void clientTlsRequireAsksTcpClientsForTlsButNotSocketClientsAsPgBouncer() throws Exception {
        // given client_tls.mode require (the local console must stay reachable after SET client_tls_sslmode = require)
        TestCertificates.Pair server = TestCertificates.get().server();
        Pgmux pgmux = fixture.start("unix_socket_dir: \"" + dir + "\"\nclient_tls:\n  mode: require\n  cert_file: \""
                + server.certFile() + "\"\n  key_file: \"" + server.keyFile() + "\"\n");
        String psql = TestPostgres.get().binDir().resolve("psql").toString();

        // when psql connects over the socket, and over TCP without TLS
        ExternalClient.Result socket = ExternalClient.run(60, psql, "-h", dir.toString(), "-p", Integer.toString(pgmux.port()),
                "-U", USER, "-d", TestPostgres.DATABASE, "-Atc", "SELECT 'via socket'").orFail("psql over the socket");
        ExternalClient.Result plainTcp = ExternalClient.run(60, psql, "-d", "host=127.0.0.1 port=" + pgmux.port()
                + " sslmode=disable user=" + USER + " dbname=" + TestPostgres.DATABASE, "-Atc", "SELECT 1");

        // then the socket client is served and the plain TCP one refused
        assertEquals("via socket", socket.output().strip());
        assertTrue(plainTcp.exitCode() != 0 && plainTcp.output().contains("SSL/TLS is required"), plainTcp.output());
    }

    @Test
    void showClientsShowsSocketClientsAsUnix() throws Exception {
        Pgmux pgmux = fixture.start("unix_socket_dir: \"" + dir + "\"\nadmin_users: [postgres]\n");
        try (RawClient client = RawClient.openUnix(pgmux.server().unixSocketPath()).login(TestPostgres.DATABASE, USER, Map.of());
             RawClient console = pgmux.console("postgres")) {
            assertEquals("1", TestSql.value(client, "SELECT 1::text"));

            Map<String, String> row = Console.show(console, "SHOW CLIENTS").one("user", USER);

            assertEquals("unix", row.get("addr"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring"})
    void peerAuthenticationLetsInOnlyTheOsUsersOwnName(String transport) throws Exception {
        assumeTrue(transport.equals("epoll") || Transport.ioUringAvailable(), "io_uring is not available here");
        // given socket clients authenticated by peer (SO_PEERCRED, read through the transport's channel), TCP clients by trust
        Pgmux pgmux = fixture.start("transport: " + transport + "\nunix_socket_dir: \"" + dir + "\"\nunix_socket_auth: peer\n");
        assertEquals(transport, pgmux.server().transportName());
        Path socket = pgmux.server().unixSocketPath();

        // when the OS user logs in as itself, it gets in without a password
        try (RawClient self = RawClient.openUnix(socket).login(TestPostgres.DATABASE, OS_USER, Map.of())) {
            assertEquals(OS_USER, TestSql.value(self, "SELECT current_user::text"));
        }
        // when it asks for another user, it gets Postgres's peer failure
        try (RawClient other = RawClient.openUnix(socket)) {
            List<Reply> replies = TestSql.loginRefusal(other, Map.of("user", USER, "database", TestPostgres.DATABASE));
            ErrorResponse refused = replies.get(replies.size() - 1).error();
            assertEquals(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, refused.sqlState());
            assertEquals("Peer authentication failed for user \"" + USER + "\"", refused.message());
        }
        // and TCP clients still log in by client_auth
        try (RawClient tcp = pgmux.raw(USER)) {
            assertEquals(USER, TestSql.value(tcp, "SELECT current_user::text"));
        }
    }

    @Test
    void pgmuxsOwnOsUserLogsInToTheConsoleAsUnixSocketAdminUserAndNobodyElseDoes() throws Exception {
        // given rules that reject every client, and PgBouncer's console rule for the name "pgbouncer"
        // (the test runs in pgmux's process, so its socket connections are pgmux's own OS user's)
        Pgmux pgmux = fixture.start("unix_socket_dir: \"" + dir + "\"\nunix_socket_admin_user: pgbouncer\n"
                + "hba:\n  - {type: local, method: reject}\n  - {type: host, method: reject}\n");
        Path socket = pgmux.server().unixSocketPath();

        // when it logs in to the console as pgbouncer over the socket, no rule is asked and no password
        try (RawClient console = RawClient.openUnix(socket).login("pgbouncer", "pgbouncer", Map.of())) {
            // then it is an admin, though admin_users is empty
            assertEquals(null, Console.show(console, "RELOAD").error());
            assertEquals(1, Console.show(console, "SHOW VERSION").rows().size());
        }
        // when the same name comes over TCP, or asks for a database, or another name asks for the console, the rules apply
        ErrorResponse overTcp = TestSql.loginError("127.0.0.1", pgmux.port(), Map.of("user", "pgbouncer", "database", "pgbouncer"));
        assertTrue(overTcp.message().startsWith("pg_hba.conf rejects"), overTcp.message());
        for (Map<String, String> startup : List.of(Map.of("user", "pgbouncer", "database", TestPostgres.DATABASE),
                Map.of("user", OS_USER, "database", "pgbouncer"))) {
            try (RawClient other = RawClient.openUnix(socket)) {
                List<Reply> replies = TestSql.loginRefusal(other, startup);
                ErrorResponse refused = replies.get(replies.size() - 1).error();
                assertTrue(refused.message().startsWith("pg_hba.conf rejects"), startup + ": " + refused.message());
            }
        }
    }

    @Test
    void aStaleSocketFileIsReplacedAndALiveOneRefusedAndItGoesAtShutdown() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path socket = dir.resolve(".s.PGSQL." + port);
        // given a socket file left by a process that is gone (Java leaves the file when it closes)
        try (ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            gone.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket));

        // when pgmux starts on that port, it takes the socket over
        Pgmux first = Pgmux.start("listen: \"127.0.0.1:" + port + "\"\nunix_socket_dir: \"" + dir + "\"\n");
        try (RawClient client = RawClient.openUnix(socket).login(TestPostgres.DATABASE, USER, Map.of())) {
            assertEquals("1", TestSql.value(client, "SELECT 1::text"));

            // when a second pgmux wants the same socket while the first answers on it, it does not start
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> Pgmux.start("listen: \"127.0.0.2:" + port + "\"\nunix_socket_dir: \"" + dir + "\"\n"));
            assertTrue(String.valueOf(refused.getCause()).contains("another process is listening on it"),
                    String.valueOf(refused.getCause()));
            // and the first one's socket still serves
            assertEquals("2", TestSql.value(client, "SELECT 2::text"));
        } finally {
            first.close();
        }
        // then shutdown removed the socket file
        assertFalse(Files.exists(socket), "the socket file is removed at shutdown");
    }

    @Test
    void anEmptyDirectoryMeansNoSocket() {
        Pgmux pgmux = fixture.start("unix_socket_dir: \"\"\n");
        assertEquals(null, pgmux.server().unixSocketPath());
    }
}
