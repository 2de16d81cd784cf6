package io.pgmux.proxy.it;

import io.pgmux.protocol.message.ErrorResponse;
import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Http;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestCertificates;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import io.pgmux.proxy.tls.PemFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS between clients and pgmux ({@code client_tls}), with real clients: psql, pgJDBC, and raw TLS
 * sockets for what drivers do not do on purpose (direct TLS, bytes behind an SSLRequest, garbage).
 */
class ClientTlsIT {
    private static final String USER = "tls_user";
    private static final TestCertificates CERTS = TestCertificates.get();

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().role(USER);

    private static String tlsConfig(String mode, TestCertificates.Pair server, String extra) {
        return "client_tls:\n  mode: " + mode + "\n  cert_file: \"" + server.certFile() + "\"\n  key_file: \"" + server.keyFile()
                + "\"\n" + extra;
    }

    // ---------------------------------------------------------------- real clients

    @Test
    void psqlLogsInWithSslmodeRequireAndVerifyFullAndNotWithAnotherCa() throws Exception {
        Pgmux pgmux = fixture.start(tlsConfig("require", CERTS.server(), ""));

        assertEquals("42", psql(pgmux, USER, "sslmode=require", "select 42").orFail("psql sslmode=require").output().strip());
        assertEquals("t", psql(pgmux, USER, "sslmode=verify-full sslrootcert=" + CERTS.caFile(),
                "select current_user = '" + USER + "'").orFail("psql verify-full").output().strip());

        ExternalClient.Result wrongCa = psql(pgmux, USER, "sslmode=verify-full sslrootcert=" + CERTS.otherCaFile(), "select 1");
        assertTrue(wrongCa.exitCode() != 0 && wrongCa.output().contains("certificate verify failed"), wrongCa.output());
    }

    @Test
    void psycopgAndAsyncpgVerifyPgmuxsCertificate() throws Exception {
        ExternalClient.requirePythonModule("psycopg", "python3-psycopg");
        ExternalClient.requirePythonModule("asyncpg", "python3-asyncpg");
        Pgmux pgmux = fixture.start(tlsConfig("require", CERTS.server(), ""));

        ExternalClient.Result result = ExternalClient.run(120, ExternalClient.PYTHON, ExternalClient.script("tls_clients.py"),
                "127.0.0.1", Integer.toString(pgmux.port()), USER, TestPostgres.DATABASE, CERTS.caFile().toString()).orFail("python");

        assertTrue(result.output().matches("(?s)psycopg ssl_in_use\nasyncpg TLSv1\\.[23]\nok\n"), result.output());
    }

    @Test
    void aPlainLoginIsRefusedUnderRequireWithFatal28000() throws Exception {
        Pgmux pgmux = fixture.start(tlsConfig("require", CERTS.server(), ""));

        try (RawClient plain = RawClient.open(pgmux.host(), pgmux.port())) {
            plain.send(new io.pgmux.protocol.message.StartupMessage(io.pgmux.protocol.Frontend.PROTOCOL_3_0,
                    Map.of("user", USER, "database", TestPostgres.DATABASE))).flush();
            ErrorResponse error = plain.read().error();
            assertEquals("FATAL", error.severity());
            assertEquals("28000", error.sqlState());
            assertEquals("SSL/TLS is required to connect to pgmux", error.message());
            assertTrue(plain.isClosedByPeer());
        }
        ExternalClient.Result psql = psql(pgmux, USER, "sslmode=disable", "select 1");
        assertTrue(psql.exitCode() != 0 && psql.output().contains("SSL/TLS is required"), psql.output());
        assertEquals(0, pgmux.server().pools().all().size(), "nothing was made for the refused logins");
    }

    @Test
    void pgJdbcVerifyFullWorksAndShowClientsNamesTheProtocolAndCipher() throws Exception {
        Pgmux pgmux = fixture.start(tlsConfig("prefer", CERTS.serverEc(), "") + "admin_users: [" + USER + "]\n");

        try (Connection tls = pgmux.jdbc(USER, null, Map.of("sslmode", "verify-full", "sslrootcert", CERTS.caFile().toString()));
             Connection plain = pgmux.jdbc(USER, null, Map.of("sslmode", "disable"));
             RawClient console = RawClient.connect(pgmux.host(), pgmux.port(), "pgmux", USER, Map.of())) {
            assertEquals(7, TestSql.intScalar(tls, "select 7"));
            assertEquals(8, TestSql.intScalar(plain, "select 8"));

            List<Map<String, String>> clients = Console.show(console, "SHOW CLIENTS").maps(row -> row.get("database").equals(TestPostgres.DATABASE));
            assertEquals(2, clients.size(), clients.toString());
            List<String> shown = new ArrayList<>(clients.stream().map(row -> row.get("tls")).sorted().toList());
            assertEquals("", shown.get(0), "the plain client");
            assertTrue(shown.get(1).matches("TLSv1\\.[23]/TLS_\\w+"), shown.get(1));
        }
    }

    @Test
    void psqlAndPgJdbcLogInWithClientCertificatesAndBadOnesAreRefused() throws Exception {
        Pgmux pgmux = fixture.start(tlsConfig("require", CERTS.server(),
                "  ca_file: \"" + CERTS.caFile() + "\"\n  verify: verify-full\n"));
        TestCertificates.Pair mine = CERTS.client(USER);

        assertEquals("1", psql(pgmux, USER, clientCert(mine), "select 1").orFail("psql with a client certificate").output().strip());
        try (Connection c = pgmux.jdbc(USER, null, Map.of("sslmode", "verify-full", "sslrootcert", CERTS.caFile().toString(),
                "sslcert", mine.certFile().toString(), "sslkey", mine.keyDerFile().toString()))) {
            assertEquals(2, TestSql.intScalar(c, "select 2"));
        }

        ExternalClient.Result none = psql(pgmux, USER, "sslmode=require", "select 1");
        assertTrue(none.exitCode() != 0, none.output());
        ExternalClient.Result expired = psql(pgmux, USER, clientCert(CERTS.expiredClient(USER)), "select 1");
        assertTrue(expired.exitCode() != 0 && expired.output().contains("certificate"), expired.output());
        ExternalClient.Result untrusted = psql(pgmux, USER, clientCert(CERTS.untrustedClient(USER)), "select 1");
        assertTrue(untrusted.exitCode() != 0, untrusted.output());
        ExternalClient.Result someoneElses = psql(pgmux, USER, clientCert(CERTS.client("someone_else")), "select 1");
        assertTrue(someoneElses.output().contains("certificate authentication failed for user \"" + USER + "\""), someoneElses.output());

        String metrics = Http.get(pgmux.http(), "/metrics").body();
        assertTrue(metrics.contains("pgmux_client_tls_handshakes_total{result=\"success\",reason=\"\"} 3"), metrics);
        assertTrue(metricValue(metrics, "certificate") >= 3, metrics);
        assertEquals("1", psql(pgmux, USER, clientCert(mine), "select 1").orFail("still serving").output().strip());
    }

    @Test
    void scramSha256PlusIsOfferedOnTlsConnectionsOnly() throws Exception {
        Pgmux pgmux = fixture.start(tlsConfig("prefer", CERTS.server(), "") + "client_auth: scram-sha-256\n"
                + "users: {" + TestPostgres.SCRAM_USER + ": {password: \"" + TestPostgres.SCRAM_PASSWORD + "\"}}\n");
        Map<String, String> password = Map.of("PGPASSWORD", TestPostgres.SCRAM_PASSWORD);

        assertEquals("3", psql(pgmux, TestPostgres.SCRAM_USER, "sslmode=require channel_binding=require", "select 3", password)
                .orFail("psql with channel_binding=require").output().strip());
        ExternalClient.Result plain = psql(pgmux, TestPostgres.SCRAM_USER, "sslmode=disable channel_binding=require", "select 3", password);
        assertTrue(plain.exitCode() != 0 && plain.output().contains("channel binding"), plain.output());
        try (Connection c = pgmux.jdbc(TestPostgres.SCRAM_USER, TestPostgres.SCRAM_PASSWORD,
                Map.of("sslmode", "require", "channelBinding", "require"))) {
            assertEquals(4, TestSql.intScalar(c, "select 4"));
        }
        ExternalClient.Result wrong = psql(pgmux, TestPostgres.SCRAM_USER, "sslmode=require channel_binding=require", "select 3",
                Map.of("PGPASSWORD", "wrong"));
        assertTrue(wrong.output().contains("password authentication failed"), wrong.output());
    }

    // ---------------------------------------------------------------- raw TLS

    @Test
    void directTlsWithAlpnPostgresqlLogsInAndWithoutAlpnIsRefused() throws Exception {
        Pgmux pgmux = fixture.start(tlsConfig("require", CERTS.server(), ""));

        try (SSLSocket socket = tls(new Socket(pgmux.host(), pgmux.port()), List.of("postgresql"), null)) {
            assertEquals("postgresql", socket.getApplicationProtocol());
            RawClient client = RawClient.over(socket).login(TestPostgres.DATABASE, USER, Map.of());
            assertEquals("5", TestSql.value(client, "select 5"));
        }
        try (SSLSocket socket = tls(new Socket(pgmux.host(), pgmux.port()), List.of(), null)) {
            ErrorResponse error = RawClient.over(socket).read().error();
            assertEquals("08P01", error.sqlState());
            assertEquals("received direct SSL connection request without ALPN protocol negotiation extension", error.message());
        }
    }

    @Test
    void bytesPipelinedBehindAnSslRequestAreRefusedNotReadAsEncrypted() throws Exception {
        Pgmux pgmux = fixture.start(tlsConfig("prefer", CERTS.server(), ""));

        try (RawClient client = RawClient.open(pgmux.host(), pgmux.port())) {
            byte[] startup = startupPacket(USER);
            byte[] both = new byte[8 + startup.length];
            System.arraycopy(SSL_REQUEST, 0, both, 0, 8);
            System.arraycopy(startup, 0, both, 8, startup.length);
            client.sendRaw(both).flush();

            ErrorResponse error = client.read().error();
            assertEquals("08P01", error.sqlState());
            assertEquals("received unencrypted data after SSL request", error.message());
            assertTrue(client.isClosedByPeer());
        }
        assertTrue(metricValue(Http.get(pgmux.http(), "/metrics").body(), "plaintext_after_sslrequest") >= 1);
    }

    @Test
    void garbagePlaintextAndSilenceAfterSCostOnlyTheirConnection() throws Exception {
        Pgmux pgmux = fixture.start(tlsConfig("prefer", CERTS.server(), "") + "client_login_timeout: 3s\n");
        try (Connection bystander = pgmux.jdbc(USER, null, Map.of("sslmode", "require"))) {
            // garbage where a ClientHello should be
            try (Socket socket = sslRequested(pgmux)) {
                socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5, 6, 7, 8});
                assertClosed(socket);
            }
            // a plaintext startup packet after 'S'
            try (Socket socket = sslRequested(pgmux)) {
                socket.getOutputStream().write(startupPacket(USER));
                assertClosed(socket);
            }
            // nothing after 'S': the handshake times out
            try (Socket socket = sslRequested(pgmux)) {
                long start = System.nanoTime();
                assertClosed(socket);
                assertTrue(System.nanoTime() - start < 20_000_000_000L, "closed by the handshake timeout");
            }
            assertEquals(9, TestSql.intScalar(bystander, "select 9"));
        }
        String metrics = Http.get(pgmux.http(), "/metrics").body();
        assertTrue(metricValue(metrics, "not_tls") >= 1, metrics);
        assertTrue(metricValue(metrics, "protocol") >= 1, metrics);
        assertTrue(metricValue(metrics, "timeout") >= 1, metrics);
    }

    @Test
    void gssEncRequestIsStillAnsweredN() throws Exception {
        Pgmux pgmux = fixture.start(tlsConfig("prefer", CERTS.server(), ""));
        try (RawClient client = RawClient.open(pgmux.host(), pgmux.port())) {
            client.sendRaw(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x30}).flush();
            assertEquals('N', client.readByte());
            client.login(TestPostgres.DATABASE, USER, Map.of());
            assertTrue(TestSql.value(client, "select 1").equals("1"));
        }
    }

    // ---------------------------------------------------------------- reload

    @Test
    void aReloadedCertificateServesNewConnectionsWhileOpenOnesGoOnAndABrokenOneChangesNothing() throws Exception {
        Path dir = Files.createTempDirectory("pgmux-tls-reload-");
        TestCertificates.Pair live = CERTS.server().copyTo(dir, "live");
        Pgmux pgmux = fixture.start(tlsConfig("require", live, ""));
        TestCertificates.Pair rotated = CERTS.newServer("rotated");

        try (Connection before = pgmux.jdbc(USER, null, Map.of("sslmode", "verify-full", "sslrootcert", CERTS.caFile().toString()))) {
            assertEquals(CERTS.server().certificate(), peerCertificate(pgmux));

            rotated.copyTo(dir, "live");
            assertTrue(pgmux.server().reload().get().errors().isEmpty());

            assertEquals(rotated.certificate(), peerCertificate(pgmux), "a new connection gets the new certificate");
            assertEquals(1, TestSql.intScalar(before, "select 1"), "the open connection goes on");

            // a key that does not match: the reload fails and changes nothing
            Files.copy(CERTS.client("x").keyFile(), live.keyFile(), StandardCopyOption.REPLACE_EXISTING);
            List<String> errors = pgmux.server().reload().get().errors();
            assertEquals(1, errors.size(), errors.toString());
            assertTrue(errors.get(0).startsWith("client_tls.key_file: " + live.keyFile() + ": the private key does not match"),
                    errors.get(0));
            assertEquals(rotated.certificate(), peerCertificate(pgmux));
            Files.delete(live.certFile());
            assertTrue(pgmux.server().reload().get().errors().get(0).contains("client_tls.cert_file: " + live.certFile() + ": no such file"));
            assertEquals(rotated.certificate(), peerCertificate(pgmux));
            assertEquals(2, TestSql.intScalar(before, "select 2"));
        }
    }

    @Test
    void consoleSetOfPgBouncersClientTlsNamesTurnsTlsOnForNewConnectionsAndChangesTheCertificateAsAPair() throws Exception {
        Pgmux pgmux = fixture.start("admin_users: [" + USER + "]\n");
        TestCertificates.Pair rotated = CERTS.newServer("set-rotated");
        String verifyFull = "sslmode=verify-full sslrootcert=" + CERTS.caFile();

        try (RawClient console = RawClient.connect(pgmux.host(), pgmux.port(), "pgmux", USER, Map.of())) {
            // given a pgmux without client TLS, when the files and then PgBouncer's client_tls_sslmode are SET
            assertSetQuietly(console, "SET client_tls_key_file = '" + CERTS.server().keyFile() + "'");
            assertSetQuietly(console, "SET client_tls_cert_file = '" + CERTS.server().certFile() + "'");
            assertSetQuietly(console, "SET client_tls_ca_file = '" + CERTS.caFile() + "'");
            assertEquals("disable", Console.show(console, "SHOW CONFIG").one("key", "client_tls.mode").get("value"));
            assertSetQuietly(console, "SET client_tls_sslmode = require");

            // then new connections must use TLS, with pgmux's certificate (verify-full checks it)
            assertEquals("1", psql(pgmux, USER, verifyFull, "select 1").orFail("psql verify-full").output().strip());
            assertEquals(CERTS.server().certificate(), peerCertificate(pgmux));
            ExternalClient.Result plain = psql(pgmux, USER, "sslmode=disable", "select 1");
            assertTrue(plain.exitCode() != 0 && plain.output().contains("SSL/TLS is required"), plain.output());

            try (Connection open = pgmux.jdbc(USER, null, Map.of("sslmode", "verify-full", "sslrootcert", CERTS.caFile().toString()))) {
                // when a new key is SET before its certificate: kept, with a notice, and the old pair goes on
                Console.Result keyFirst = Console.show(console, "SET client_tls_key_file = '" + rotated.keyFile() + "'");
                assertEquals(null, keyFirst.error());
                assertEquals("SET", keyFirst.tag());
                assertEquals(1, keyFirst.notices().size(), keyFirst.notices().toString());
                String notice = keyFirst.notices().get(0).message();
                assertTrue(notice.startsWith("SET client_tls_key_file is kept but not in effect: ")
                        && notice.contains("the private key does not match the certificate"), notice);
                assertEquals(CERTS.server().certificate(), peerCertificate(pgmux));

                // then its certificate completes the pair: new connections get it, the open one goes on
                assertSetQuietly(console, "SET client_tls_cert_file = '" + rotated.certFile() + "'");
                assertEquals(rotated.certificate(), peerCertificate(pgmux));
                assertEquals(3, TestSql.intScalar(open, "select 3"));
                Map<String, String> keyRow = Console.show(console, "SHOW CONFIG").one("key", "client_tls.key_file");
                assertEquals(rotated.keyFile().toString(), keyRow.get("value"));
            }

            // a mode that is not PgBouncer's is refused and changes nothing
            Console.Result bad = Console.show(console, "SET client_tls_sslmode = sometimes");
            assertEquals("22023", bad.error().sqlState());
            assertTrue(bad.error().message().contains("\"sometimes\" is not one of disable, allow, prefer, require, verify-ca,"
                    + " verify-full"), bad.error().message());
            assertEquals(rotated.certificate(), peerCertificate(pgmux));

            // verify-full asks every client for a certificate whose CN is its user
            assertSetQuietly(console, "SET client_tls_sslmode = 'verify-full'");
            ExternalClient.Result noCertificate = psql(pgmux, USER, verifyFull, "select 1");
            assertTrue(noCertificate.exitCode() != 0, noCertificate.output());
            assertEquals("4", psql(pgmux, USER, clientCert(CERTS.client(USER)), "select 4").orFail("with a certificate")
                    .output().strip());

            // and disable turns TLS off for new connections
            assertSetQuietly(console, "SET client_tls_sslmode = disable");
            assertEquals("5", psql(pgmux, USER, "sslmode=disable", "select 5").orFail("plain after disable").output().strip());
            ExternalClient.Result tls = psql(pgmux, USER, "sslmode=require", "select 1");
            assertTrue(tls.exitCode() != 0, tls.output());
        }
    }

    @Test
    void aReloadDropsAKeptTlsFileSetAndPutsTheFilesValuesBack() throws Exception {
        Pgmux pgmux = fixture.start(tlsConfig("prefer", CERTS.server(), "") + "admin_users: [" + USER + "]\n");
        TestCertificates.Pair rotated = CERTS.newServer("set-dropped");

        try (RawClient console = RawClient.connect(pgmux.host(), pgmux.port(), "pgmux", USER, Map.of())) {
            // given a new key kept, waiting for its certificate
            assertEquals(1, Console.show(console, "SET client_tls_key_file = '" + rotated.keyFile() + "'").notices().size());

            // when RELOAD reads the file again
            assertEquals("RELOAD", Console.show(console, "RELOAD").tag());

            // then the new certificate alone does not match the file's key: it is kept in turn, and nothing changed
            Console.Result certificate = Console.show(console, "SET client_tls_cert_file = '" + rotated.certFile() + "'");
            assertEquals(1, certificate.notices().size(), certificate.notices().toString());
            assertTrue(certificate.notices().get(0).message().contains("(waiting: client_tls_cert_file)"),
                    certificate.notices().get(0).message());
            assertEquals(CERTS.server().certificate(), peerCertificate(pgmux));
        }
    }

    private static void assertSetQuietly(RawClient console, String set) throws IOException {
        Console.Result result = Console.show(console, set);
        assertEquals(null, result.error(), set);
        assertEquals(List.of(), result.notices(), set);
        assertEquals("SET", result.tag(), set);
    }

    @Test
    void aBadFileAtStartIsAConfigErrorNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fixture.start("client_tls:\n  mode: require\n  cert_file: \"" + CERTS.server().certFile()
                        + "\"\n  key_file: \"" + CERTS.serverEc().keyFile() + "\"\n"));
        assertTrue(e.getMessage().contains("client_tls.key_file: " + CERTS.serverEc().keyFile()
                + ": the private key does not match the certificate"), e.getMessage());
    }

    // ---------------------------------------------------------------- helpers

    private static final byte[] SSL_REQUEST = {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f};

    private static String clientCert(TestCertificates.Pair pair) {
        return "sslmode=verify-full sslrootcert=" + CERTS.caFile() + " sslcert=" + pair.certFile() + " sslkey=" + pair.keyFile();
    }

    private static ExternalClient.Result psql(Pgmux pgmux, String user, String tls, String sql) throws Exception {
        return psql(pgmux, user, tls, sql, Map.of());
    }

    private static ExternalClient.Result psql(Pgmux pgmux, String user, String tls, String sql, Map<String, String> env) throws Exception {
        String conninfo = "host=localhost hostaddr=127.0.0.1 port=" + pgmux.port() + " dbname=" + TestPostgres.DATABASE
                + " user=" + user + " connect_timeout=10 " + tls;
        return ExternalClient.run(60, env, List.of(TestPostgres.get().binDir().resolve("psql").toString(), "-X", "-At",
                "-d", conninfo, "-c", sql));
    }

    private static byte[] startupPacket(String user) throws IOException {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(body);
        out.writeInt(196608);
        for (String s : new String[] {"user", user, "database", TestPostgres.DATABASE}) {
            out.write(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.write(0);
        }
        out.write(0);
        byte[] packet = new byte[4 + body.size()];
        java.nio.ByteBuffer.wrap(packet).putInt(packet.length).put(body.toByteArray());
        return packet;
    }

    /** A plain socket whose SSLRequest pgmux answered 'S'. */
    private static Socket sslRequested(Pgmux pgmux) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(pgmux.host(), pgmux.port()), 5000);
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        out.write(SSL_REQUEST);
        assertEquals('S', socket.getInputStream().read());
        return socket;
    }

    private static void assertClosed(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        try {
            while (in.read() >= 0) {
                // an alert, perhaps: anything until the end
            }
        } catch (java.net.SocketException e) {
            assertTrue(e.getMessage().contains("reset"), e.getMessage());
        }
    }

    private static double metricValue(String metrics, String reason) {
        String prefix = "pgmux_client_tls_handshakes_total{result=\"failure\",reason=\"" + reason + "\"} ";
        return metrics.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
                .findFirst().orElse(-1);
    }

    /** The certificate pgmux presents to a new connection (SSLRequest, then the handshake). */
    private static X509Certificate peerCertificate(Pgmux pgmux) throws Exception {
        try (Socket plain = sslRequested(pgmux); SSLSocket socket = tls(plain, List.of(), null)) {
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    /** A TLS client trusting the test CA over {@code socket} (direct TLS when nothing was sent on it yet), handshake done. */
    private static SSLSocket tls(Socket socket, List<String> alpn, TestCertificates.Pair clientCert) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", PemFiles.certificates(CERTS.caFile()).get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (clientCert != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("me", PemFiles.privateKey(clientCert.keyFile()), new char[0],
                    new java.security.cert.Certificate[] {clientCert.certificate()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, "localhost", socket.getPort(), true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (!alpn.isEmpty()) {
            parameters.setApplicationProtocols(alpn.toArray(String[]::new));
        }
        tls.setSSLParameters(parameters);
        tls.setSoTimeout(30_000);
        tls.startHandshake();
        return tls;
    }
}
