package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Http;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.PrometheusTextParser;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestCertificates;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import io.pgmux.proxy.tls.TlsIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.security.KeyStore;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.pgmux.proxy.testing.TestPostgres.CERT_USER;
import static io.pgmux.proxy.testing.TestPostgres.DATABASE;
import static io.pgmux.proxy.testing.TestPostgres.SCRAM_PASSWORD;
import static io.pgmux.proxy.testing.TestPostgres.SCRAM_USER;
import static io.pgmux.proxy.testing.TestPostgres.SUPERUSER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * pgmux → Postgres over TLS ({@code server_tls}), against {@link TestPostgres#withTls()}, which takes
 * TCP logins only over TLS ({@code hostssl} lines), and against the plain {@link TestPostgres#get()}
 * (ssl off). Each database of the shared pgmux is one way of connecting; clients reach pgmux in
 * plaintext and read {@code pg_stat_ssl} of the backend they got.
 */
class ServerTlsIT {
    private static final TestPostgres TLS_PG = TestPostgres.withTls();
    private static final TestCertificates CERTS = TestCertificates.get();
    private static final String CLIENT = "stls_client";
    private static final String ADMIN = "stls_admin";
    private static final String WRONG_NAME = "db.example.com";

    @RegisterExtension
    static final PgmuxFixture pgmux = PgmuxFixture.withConfig("admin_users: [" + ADMIN + "]\n"
            + "server_login_retry: 200ms\n"
            + "databases:\n"
            + tlsDb("stls_require", "127.0.0.1", SUPERUSER, null, "{sslmode: require}")
            + tlsDb("stls_verify_ca", "127.0.0.1", SUPERUSER, null, "{sslmode: verify-ca, root_cert: \"" + CERTS.caFile() + "\"}")
            + tlsDb("stls_verify_full_ip", "127.0.0.1", SUPERUSER, null,
                    "{sslmode: verify-full, root_cert: \"" + CERTS.caFile() + "\"}")
            + tlsDb("stls_verify_full_localhost", "localhost", SUPERUSER, null,
                    "{sslmode: verify-full, root_cert: \"" + CERTS.caFile() + "\"}")
            + tlsDb("stls_wrong_name", "127.0.0.1", SUPERUSER, null,
                    "{sslmode: verify-full, root_cert: \"" + CERTS.caFile() + "\", host_name: " + WRONG_NAME + "}")
            + tlsDb("stls_wrong_ca", "127.0.0.1", SUPERUSER, null,
                    "{sslmode: verify-ca, root_cert: \"" + CERTS.otherCaFile() + "\"}")
            + tlsDb("stls_prefer", "127.0.0.1", SUPERUSER, null, "{sslmode: prefer}")
            + tlsDb("stls_allow", "127.0.0.1", SUPERUSER, null, "{sslmode: allow}")
            + tlsDb("stls_disable", "127.0.0.1", SUPERUSER, null, "{sslmode: disable}")
            + tlsDb("stls_cert_login", "127.0.0.1", CERT_USER, null, "{sslmode: verify-full, root_cert: \""
                    + CERTS.caFile() + "\", cert_file: \"" + CERTS.client(CERT_USER).certFile() + "\", key_file: \""
                    + CERTS.client(CERT_USER).keyFile() + "\"}")
            + tlsDb("stls_scram_plus", "127.0.0.1", SCRAM_USER, SCRAM_PASSWORD, "{sslmode: require, channel_binding: require}")
            + tlsDb("stls_binding_without_scram", "127.0.0.1", SUPERUSER, null, "{sslmode: require, channel_binding: require}")
            + tlsDb("stls_direct", "127.0.0.1", SUPERUSER, null,
                    "{sslmode: verify-full, root_cert: \"" + CERTS.caFile() + "\", sslnegotiation: direct}")
            + "  stls_plain_prefer: {host: 127.0.0.1, port: ${PG_PORT}, dbname: " + DATABASE + ", user: " + SUPERUSER + "}\n"
            + "  stls_plain_require: {host: 127.0.0.1, port: ${PG_PORT}, dbname: " + DATABASE + ", user: " + SUPERUSER
            + ", server_tls: {sslmode: require}}\n");

    private static String tlsDb(String name, String host, String user, String password, String serverTls) {
        return "  " + name + ": {host: " + host + ", port: " + TLS_PG.port() + ", dbname: " + DATABASE + ", user: " + user
                + (password != null ? ", password: \"" + password + "\"" : "") + ", server_tls: " + serverTls + "}\n";
    }

    @Test
    void requireVerifyCaAndVerifyFullLogInOverTls() throws SQLException {
        for (String db : List.of("stls_require", "stls_verify_ca", "stls_verify_full_ip", "stls_verify_full_localhost")) {
            try (Connection c = pgmux.jdbcTo(db, CLIENT)) {
                assertEquals("t", ssl(c), db);
                assertTrue(TestSql.scalar(c, "SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").startsWith("TLSv1."), db);
                assertEquals(SUPERUSER, TestSql.scalar(c, "SELECT session_user"), db);
            }
        }
    }

    @Test
    void aCancelReachesAServerPgmuxTalksToOverTls() throws Exception {
        try (Connection c = pgmux.jdbcTo("stls_verify_full_ip", CLIENT); java.sql.Statement s = c.createStatement()) {
            CompletableFuture<Void> cancel = CompletableFuture.runAsync(() -> {
                TestSql.await("the sleep runs on the TLS server", () -> {
                    try (Connection direct = TLS_PG.connect(DATABASE, SUPERUSER, null)) {
                        return "1".equals(TestSql.scalar(direct,
                                "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'"));
                    } catch (SQLException notYet) {
                        return false;
                    }
                });
                try {
                    s.cancel();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });

            PSQLException e = assertThrows(PSQLException.class, () -> s.execute("SELECT pg_sleep(60)"));

            cancel.get();
            assertEquals("57014", e.getSQLState());
        }
    }

    @Test
    void verifyFullAgainstAWrongHostNameFailsNamingTheHostAndTheCheck() {
        ServerErrorMessage error = loginError("stls_wrong_name");

        assertEquals("08001", error.getSQLState());
        assertTrue(error.getMessage().contains("host name \"" + WRONG_NAME + "\"")
                && error.getMessage().contains("does not name the host"), error::getMessage);
    }

    @Test
    void aCertificateFromAnotherCaFailsAsUntrusted() {
        ServerErrorMessage error = loginError("stls_wrong_ca");

        assertEquals("08001", error.getSQLState());
        assertTrue(error.getMessage().contains("127.0.0.1:" + TLS_PG.port())
                && error.getMessage().contains("not signed by a trusted CA"), error::getMessage);
    }

    @Test
    void preferUsesTlsWhereOfferedAndPlaintextWhereNot() throws SQLException {
        try (Connection tls = pgmux.jdbcTo("stls_prefer", CLIENT); Connection plain = pgmux.jdbcTo("stls_plain_prefer", CLIENT)) {
            assertEquals("t", ssl(tls));
            assertEquals("f", ssl(plain));
        }
    }

    @Test
    void requireAgainstAServerWithoutTlsFailsClearly() {
        ServerErrorMessage error = loginError("stls_plain_require");

        assertEquals("08001", error.getSQLState());
        assertTrue(error.getMessage().contains("does not support TLS") && error.getMessage().contains("sslmode require"),
                error::getMessage);
    }

    @Test
    void disableAgainstAHostsslOnlyServerGetsPostgresOwnErrorAndAllowRetriesWithTls() throws SQLException {
        ServerErrorMessage error = loginError("stls_disable");

        assertEquals("28000", error.getSQLState());
        assertTrue(error.getMessage().contains("no pg_hba.conf entry") && error.getMessage().contains("no encryption"),
                error::getMessage);
        try (Connection c = pgmux.jdbcTo("stls_allow", CLIENT)) {
            assertEquals("t", ssl(c));
        }
    }

    @Test
    void aClientCertificateLogsInWithPostgresCertMethod() throws SQLException {
        try (Connection c = pgmux.jdbcTo("stls_cert_login", CLIENT)) {
            assertEquals(CERT_USER, TestSql.scalar(c, "SELECT session_user"));
            assertEquals(CERT_USER, TestSql.scalar(c, "SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                    .replace("/CN=", "").replace("CN=", ""));
        }
    }

    @Test
    void channelBindingRequireLogsInWithScramPlusAndRefusesALoginWithoutIt() throws SQLException {
        try (Connection c = pgmux.jdbcTo("stls_scram_plus", CLIENT)) {
            assertEquals(SCRAM_USER, TestSql.scalar(c, "SELECT session_user"));
            assertEquals("t", ssl(c));
        }
        ServerErrorMessage error = loginError("stls_binding_without_scram");

        assertEquals("28000", error.getSQLState());
        assertTrue(error.getMessage().contains("channel_binding is require") && error.getMessage().contains("without channel binding"),
                error::getMessage);
    }

    @Test
    void directNegotiationOnPostgres17() throws SQLException {
        int version = TLS_PG.majorVersion();
        assumeTrue(version >= 17, "direct TLS (sslnegotiation: direct) needs Postgres 17; the test server is " + version);

        try (Connection c = pgmux.jdbcTo("stls_direct", CLIENT)) {
            assertEquals("t", ssl(c));
        }
    }

    @Test
    void directNegotiationWithAlpnReachesAPgmuxThatRequiresTlsFromItsClients() throws Exception {
        // given a second pgmux that takes clients only over TLS (direct TLS with ALPN postgresql on the same port)
        TestCertificates.Pair serverCert = CERTS.server();
        try (var front = pgmux.start("client_tls: {mode: require, cert_file: \"" + serverCert.certFile() + "\", key_file: \""
                + serverCert.keyFile() + "\"}\n");
             var chained = pgmux.start("databases:\n  stls_chained: {host: 127.0.0.1, port: " + front.port() + ", dbname: "
                     + DATABASE + ", user: " + SUPERUSER + ", server_tls: {sslmode: verify-full, root_cert: \"" + CERTS.caFile()
                     + "\", sslnegotiation: direct}}\n");
             Connection c = chained.jdbcTo("stls_chained", CLIENT)) {
            // when a client goes through pgmux to it, then the query runs and the first pgmux's server connection is TLS
            assertEquals(SUPERUSER, TestSql.scalar(c, "SELECT session_user"));
            assertEquals(1.0, PrometheusTextParser.parse(Http.get(chained.http(), "/metrics").body())
                    .value("pgmux_server_tls_handshakes_total").orElseThrow());
        }
        // and what pgmux sends first is a TLS handshake record, not an SSLRequest
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            CompletableFuture<Integer> firstByte = CompletableFuture.supplyAsync(() -> {
                try (Socket s = probe.accept()) {
                    return s.getInputStream().read();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (var own = pgmux.start("databases:\n  stls_probe: {host: 127.0.0.1, port: " + probe.getLocalPort()
                    + ", dbname: x, server_tls: {sslmode: require, sslnegotiation: direct}}\n")) {
                assertThrows(PSQLException.class, () -> own.jdbcTo("stls_probe", CLIENT).close());
                assertEquals(0x16, firstByte.get());
            }
        }
    }

    @Test
    void showServersHasTheTlsColumnAndMetricsCountHandshakesAndFailures() throws Exception {
        loginError("stls_wrong_name");
        try (Connection c = pgmux.jdbcTo("stls_verify_ca", CLIENT); Connection plain = pgmux.jdbcTo("stls_plain_prefer", CLIENT);
             RawClient console = pgmux.console(ADMIN)) {
            c.setAutoCommit(false);
            plain.setAutoCommit(false);
            String cipher = TestSql.scalar(c, "SELECT version || '/' || cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
            TestSql.scalar(plain, "SELECT 1");

            Console.Result servers = Console.show(console, "SHOW SERVERS");

            assertEquals(cipher, servers.one("database", "stls_verify_ca").get("tls"));
            assertEquals("", servers.one("database", "stls_plain_prefer").get("tls"));
            c.rollback();
            plain.rollback();
        }
        PrometheusTextParser.Exposition metrics = PrometheusTextParser.parse(Http.get(pgmux.http(), "/metrics").body());
        assertTrue(metrics.value("pgmux_server_tls_handshakes_total").orElseThrow() >= 1);
        assertTrue(metrics.value("pgmux_server_tls_failures_total", "reason", "host_name_mismatch").orElseThrow() >= 1);
    }

    @Test
    void bytesAfterTheServersAnswerToTheSslRequestCostTheConnection() throws Exception {
        try (ServerSocket fake = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            // given a "server" that answers the SSLRequest with 'S' and, in the same packet, bytes that are not TLS
            CompletableFuture<byte[]> request = CompletableFuture.supplyAsync(() -> {
                try (Socket s = fake.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    byte[] bytes = in.readNBytes(8);
                    out.write("SE\0\0\0\u0004".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    out.flush();
                    in.read(); // until pgmux closes
                    return bytes;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (var own = pgmux.start("databases:\n  stls_fake: {host: 127.0.0.1, port: " + fake.getLocalPort()
                    + ", dbname: x, server_tls: {sslmode: require}}\n")) {
                PSQLException e = assertThrows(PSQLException.class, () -> own.jdbcTo("stls_fake", CLIENT).close());

                assertArrayEquals(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f}, request.get());
                assertNotNull(e.getServerErrorMessage(), e::toString);
                assertEquals("08P01", e.getServerErrorMessage().getSQLState());
                assertTrue(e.getServerErrorMessage().getMessage().contains("more bytes after its answer to the SSLRequest"),
                        e::getMessage);
            }
        }
    }

    @Test
    void aServerThatSaysSAndThenNothingIsGivenUpAfterServerConnectTimeout() throws Exception {
        try (ServerSocket fake = new ServerSocket(0, 4, InetAddress.getByName("127.0.0.1"))) {
            // given a "server" that answers 'S' to every SSLRequest and then never answers the ClientHello
            Thread silent = new Thread(() -> {
                List<Socket> open = new java.util.ArrayList<>();
                try {
                    while (true) {
                        Socket s = fake.accept();
                        open.add(s);
                        s.getInputStream().readNBytes(8);
                        s.getOutputStream().write('S');
                        s.getOutputStream().flush();
                    }
                } catch (java.io.IOException closed) {
                    open.forEach(s -> {
                        try {
                            s.close();
                        } catch (java.io.IOException ignored) {
                            // closing anyway
                        }
                    });
                }
            }, "stls-silent-server");
            silent.start();
            try (var own = pgmux.start("server_connect_timeout: 500ms\nserver_login_retry: 100ms\nquery_wait_timeout: 30s\n"
                    + "databases:\n  stls_silent: {host: 127.0.0.1, port: " + fake.getLocalPort()
                    + ", dbname: x, server_tls: {sslmode: require}}\n")) {
                PSQLException e = assertThrows(PSQLException.class, () -> own.jdbcTo("stls_silent", CLIENT).close());

                assertNotNull(e.getServerErrorMessage(), e::toString);
                assertEquals("08006", e.getServerErrorMessage().getSQLState());
                assertTrue(e.getServerErrorMessage().getMessage().contains("did not finish in time"), e::getMessage);
                PrometheusTextParser.Exposition metrics = PrometheusTextParser.parse(Http.get(own.http(), "/metrics").body());
                assertTrue(metrics.value("pgmux_server_tls_failures_total", "reason", "timeout").orElseThrow() >= 1);
            }
        }
    }

    @Test
    void anExpiredServerCertificateFailsAsExpired() throws Exception {
        TestCertificates.Pair expired = CERTS.expiredServer();
        try (ServerSocket fake = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            // given a server that says 'S' and shows a certificate of the trusted CA that expired yesterday
            CompletableFuture<Void> server = CompletableFuture.runAsync(() -> {
                try (Socket s = fake.accept()) {
                    s.getInputStream().readNBytes(8);
                    s.getOutputStream().write('S');
                    s.getOutputStream().flush();
                    SSLSocket tls = (SSLSocket) serverContext(expired).getSocketFactory().createSocket(s, null, s.getPort(), false);
                    tls.setUseClientMode(false);
                    try {
                        tls.startHandshake();
                    } catch (java.io.IOException refused) {
                        // pgmux refuses the certificate: expected
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (var own = pgmux.start("databases:\n  stls_expired: {host: 127.0.0.1, port: " + fake.getLocalPort()
                    + ", dbname: x, server_tls: {sslmode: verify-ca, root_cert: \"" + CERTS.caFile() + "\"}}\n")) {
                PSQLException e = assertThrows(PSQLException.class, () -> own.jdbcTo("stls_expired", CLIENT).close());
                server.get();

                assertNotNull(e.getServerErrorMessage(), e::toString);
                assertEquals("08001", e.getServerErrorMessage().getSQLState());
                assertTrue(e.getServerErrorMessage().getMessage().contains("has expired"), e::getMessage);
            }
        }
    }

    @Test
    void aReloadAppliesNewTlsSettingsToNewServerConnectionsAndABadFileChangesNothing() throws Exception {
        String database = "  stls_reload: {host: 127.0.0.1, port: " + TLS_PG.port() + ", dbname: " + DATABASE + ", user: "
                + SUPERUSER + ", server_tls: {sslmode: %s}}\n";
        try (var own = pgmux.start("server_login_retry: 100ms\ndatabases:\n" + database.formatted("disable"))) {
            // given sslmode disable, which the hostssl-only server refuses
            assertEquals("28000", loginError(own, "stls_reload").getSQLState());

            // when a file with a root_cert that does not exist is reloaded: refused, naming the key
            own.rewriteConfig("server_login_retry: 100ms\ndatabases:\n"
                    + database.formatted("verify-ca, root_cert: /nonexistent/ca.pem"));
            var refused = own.server().reload().get();
            assertTrue(!refused.ok() && refused.errors().get(0).startsWith("databases.stls_reload.server_tls.root_cert: "),
                    refused::toString);
            assertEquals("28000", loginError(own, "stls_reload").getSQLState());

            // when verify-full with the right CA is reloaded
            own.rewriteConfig("server_login_retry: 100ms\ndatabases:\n"
                    + database.formatted("verify-full, root_cert: \"" + CERTS.caFile() + "\""));
            assertTrue(own.server().reload().get().ok());

            // then the next server connection (once the wait after the last failure is over) uses TLS
            TestSql.await("a login over TLS after the reload", () -> {
                try (Connection c = own.jdbcTo("stls_reload", CLIENT)) {
                    return "t".equals(ssl(c));
                } catch (SQLException stillWaiting) {
                    return false;
                }
            });
        }
    }

    @Test
    void consoleSetOfServerTlsNamesClosesTheServersMadeBeforeAndACertificatesKeyWaitsForTheCertificate() throws Exception {
        String config = "admin_users: [" + ADMIN + "]\nserver_login_retry: 100ms\nserver_tls: {sslmode: require}\ndatabases:\n"
                + "  stls_set: {host: 127.0.0.1, port: " + TLS_PG.port() + ", dbname: " + DATABASE + ", user: " + SUPERUSER
                + ", pool_size: 1, pool_mode: transaction}\n";
        TestCertificates.Pair mine = CERTS.client(CERT_USER);
        try (var own = pgmux.start(config); RawClient console = own.console(ADMIN); Connection client = own.jdbcTo("stls_set", CLIENT)) {
            // given the pool's one server, made under sslmode require and idle between transactions
            String underRequire = TestSql.scalar(client, "SELECT pg_backend_pid()");

            // when PgBouncer's names SET verify-full with the test CA
            assertSetQuietly(console, "SET server_tls_ca_file = '" + CERTS.caFile() + "'");
            assertSetQuietly(console, "SET server_tls_sslmode = 'verify-full'");

            // then that server is closed and the next transaction gets a new one, over TLS
            awaitGone(client, underRequire);
            String underVerifyFull = TestSql.scalar(client, "SELECT pg_backend_pid()");
            assertEquals("t", ssl(client));

            // when a client certificate's key is SET before the certificate: kept with a notice, nothing closed
            Console.Result keyFirst = Console.show(console, "SET server_tls_key_file = '" + mine.keyFile() + "'");
            assertEquals(null, keyFirst.error());
            assertEquals(1, keyFirst.notices().size(), keyFirst.notices().toString());
            assertTrue(keyFirst.notices().get(0).message().contains("server_tls.cert_file: required with key_file"),
                    keyFirst.notices().get(0).message());
            assertEquals(underVerifyFull, TestSql.scalar(client, "SELECT pg_backend_pid()"));

            // then the certificate completes the pair, and the server made without it is closed in turn
            assertSetQuietly(console, "SET server_tls_cert_file = '" + mine.certFile() + "'");
            awaitGone(client, underVerifyFull);
            assertEquals("t", ssl(client));

            // and RELOAD puts the file's server_tls back (require, no files): a change, so that server closes too
            String withCertificate = TestSql.scalar(client, "SELECT pg_backend_pid()");
            assertEquals("RELOAD", Console.show(console, "RELOAD").tag());
            awaitGone(client, withCertificate);

            // while a RELOAD that changes nothing about TLS leaves the server alone
            String afterReload = TestSql.scalar(client, "SELECT pg_backend_pid()");
            assertEquals("RELOAD", Console.show(console, "RELOAD").tag());
            assertEquals(afterReload, TestSql.scalar(client, "SELECT pg_backend_pid()"));
        }
    }

    private static void awaitGone(Connection client, String pid) {
        TestSql.await("backend " + pid + " closed", () -> {
            try {
                return "0".equals(TestSql.scalar(client, "SELECT count(*) FROM pg_stat_activity WHERE pid = " + Integer.parseInt(pid)));
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static void assertSetQuietly(RawClient console, String set) throws java.io.IOException {
        Console.Result result = Console.show(console, set);
        assertEquals(null, result.error(), set);
        assertEquals(List.of(), result.notices(), set);
        assertEquals("SET", result.tag(), set);
    }

    private static ServerErrorMessage loginError(io.pgmux.proxy.testing.Pgmux own, String database) {
        PSQLException e = assertThrows(PSQLException.class, () -> own.jdbcTo(database, CLIENT).close());
        assertNotNull(e.getServerErrorMessage(), e::toString);
        return e.getServerErrorMessage();
    }

    /** A JDK server-side TLS context presenting {@code pair}. */
    private static SSLContext serverContext(TestCertificates.Pair pair) throws Exception {
        TlsIdentity identity = TlsIdentity.load(pair.certFile(), pair.keyFile());
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", identity.key(), new char[0], identity.chain().toArray(new java.security.cert.Certificate[0]));
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    private static String ssl(Connection c) throws SQLException {
        return TestSql.scalar(c, "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()").substring(0, 1);
    }

    private static ServerErrorMessage loginError(String database) {
        PSQLException e = assertThrows(PSQLException.class, () -> pgmux.jdbcTo(database, CLIENT).close());
        assertNotNull(e.getServerErrorMessage(), e::toString);
        return e.getServerErrorMessage();
    }
}
