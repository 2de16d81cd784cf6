package io.pgmux.proxy.it;

import io.pgmux.proxy.testing.Console;
import io.pgmux.proxy.testing.Pgmux;
import io.pgmux.proxy.testing.PgmuxFixture;
import io.pgmux.proxy.testing.RawClient;
import io.pgmux.proxy.testing.TestCertificates;
import io.pgmux.proxy.testing.TestPostgres;
import io.pgmux.proxy.testing.TestSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.ServerErrorMessage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.pgmux.proxy.testing.TestPostgres.DATABASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HBA's {@code cert} method: a TLS client whose certificate (signed by {@code client_tls.ca_file})
 * names the user, directly or through a user name map, logs in without a password, with psql and
 * pgJDBC; a wrong name, no certificate and a plain connection are refused with Postgres's words.
 */
class CertAuthIT {
    private static final String CERT_USER = "cert_user";
    private static final String MAPPED = "cert_mapped";
    private static final String ADMIN = "cert_admin";
    private static final TestCertificates CERTS = TestCertificates.get();

    @RegisterExtension
    static final PgmuxFixture fixture = PgmuxFixture.withoutPgmux().roles(CERT_USER, MAPPED, ADMIN);

    @TempDir
    Path dir;

    /** TLS allowed (prefer), client certificates asked for but not required: the HBA rules decide. */
    private static String tls() {
        return "client_tls:\n  mode: prefer\n  cert_file: \"" + CERTS.server().certFile() + "\"\n  key_file: \""
                + CERTS.server().keyFile() + "\"\n  ca_file: \"" + CERTS.caFile() + "\"\n"
                + "admin_users: [" + ADMIN + "]\n";
    }

    private static final String RULES = "hba:\n"
            + "  - {database: pgbouncer, user: " + ADMIN + ", address: 127.0.0.1/32, method: trust}\n"
            + "  - {type: hostssl, user: " + CERT_USER + ", method: cert}\n"
            + "  - {type: hostssl, user: " + MAPPED + ", method: cert, map: people}\n"
            + "ident_maps:\n"
            + "  - {map: people, system: \"/^(.*)@example\\\\.com$\", user: \"\\\\1\"}\n";

    @Test
    void aCertificateWhoseCnIsTheUserLogsInWithPsqlAndPgJdbcAndShowClientsSaysCert() throws Exception {
        Pgmux pgmux = fixture.start(tls() + RULES);
        TestCertificates.Pair mine = CERTS.client(CERT_USER);

        assertEquals(CERT_USER, psql(pgmux, CERT_USER, withCertificate(mine), "select current_user")
                .orFail("psql with its certificate").output().strip());
        try (Connection c = pgmux.jdbc(CERT_USER, null, jdbcCertificate(mine));
             RawClient console = pgmux.console(ADMIN)) {
            assertEquals(CERT_USER, TestSql.scalar(c, "SELECT session_user"));

            Console.Result clients = Console.show(console, "SHOW CLIENTS");
            Map<String, String> row = clients.one("user", CERT_USER);
            assertEquals("cert (hba[1])", row.get("auth"));
            assertTrue(row.get("tls").startsWith("TLSv1."), row.toString());
        }
    }

    @Test
    void aCnMappedThroughAMapLogsInAsTheUserTheMapNames() throws Exception {
        Pgmux pgmux = fixture.start(tls() + RULES);
        TestCertificates.Pair alice = CERTS.client(MAPPED + "@example.com");

        assertEquals(MAPPED, psql(pgmux, MAPPED, withCertificate(alice), "select current_user")
                .orFail("psql with a mapped certificate").output().strip());
        try (Connection c = pgmux.jdbc(MAPPED, null, jdbcCertificate(alice))) {
            assertEquals(MAPPED, TestSql.scalar(c, "SELECT session_user"));
        }
        // the same certificate does not map to another user
        ServerErrorMessage other = TestSql.serverError(() -> pgmux.jdbc(CERT_USER, null, jdbcCertificate(alice)));
        assertEquals("28000", other.getSQLState());
        assertEquals("certificate authentication failed for user \"" + CERT_USER + "\"", other.getMessage());
    }

    @Test
    void aWrongCnNoCertificateAndAPlainConnectionAreRefusedAsPostgresRefusesThem() throws Exception {
        Pgmux pgmux = fixture.start(tls() + RULES + "auth_failure_delay: 0\n");

        ServerErrorMessage wrongCn = TestSql.serverError(() -> pgmux.jdbc(CERT_USER, null, jdbcCertificate(CERTS.client("someone_else"))));
        assertEquals("FATAL", wrongCn.getSeverity());
        assertEquals("28000", wrongCn.getSQLState());
        assertEquals("certificate authentication failed for user \"" + CERT_USER + "\"", wrongCn.getMessage());
        ExternalClient.Result psqlWrongCn = psql(pgmux, MAPPED, withCertificate(CERTS.client(MAPPED + "@example.org")), "select 1");
        assertNotEquals(0, psqlWrongCn.exitCode());
        assertTrue(psqlWrongCn.output().contains("certificate authentication failed for user \"" + MAPPED + "\""), psqlWrongCn.output());

        ServerErrorMessage none = TestSql.serverError(() -> pgmux.jdbc(CERT_USER, null, Map.of("sslmode", "require")));
        assertEquals("28000", none.getSQLState());
        assertEquals("connection requires a valid client certificate", none.getMessage());

        // a cert rule matches TLS connections only: a plain one finds no rule
        ServerErrorMessage plain = TestSql.serverError(() -> pgmux.jdbc(CERT_USER, null, Map.of("sslmode", "disable")));
        assertEquals("28000", plain.getSQLState());
        assertEquals("no pg_hba.conf entry for host \"127.0.0.1\", user \"" + CERT_USER + "\", database \"" + DATABASE
                + "\", no encryption", plain.getMessage());

        // a certificate from another CA fails the handshake itself
        ExternalClient.Result untrusted = psql(pgmux, CERT_USER, withCertificate(CERTS.untrustedClient(CERT_USER)), "select 1");
        assertNotEquals(0, untrusted.exitCode(), untrusted.output());

        // and none of it cost the next client anything
        assertEquals(CERT_USER, psql(pgmux, CERT_USER, withCertificate(CERTS.client(CERT_USER)), "select current_user")
                .orFail("still serving").output().strip());
    }

    @Test
    void anHbaFileWithMapAndClientnameAndAnIdentFileDoTheSame() throws Exception {
        Path identFile = dir.resolve("pg_ident.conf");
        Files.writeString(identFile, "# MAP   SYSTEM                 DATABASE\n"
                + "people  /^CN=(cert_[a-z]+)$  \\1\n");
        Path hbaFile = dir.resolve("pg_hba.conf");
        Files.writeString(hbaFile, "host    pgbouncer " + ADMIN + " 127.0.0.1/32 trust\n"
                + "hostssl all all all cert map=people clientname=DN\n");
        Pgmux pgmux = fixture.start(tls() + "hba_file: \"" + hbaFile + "\"\nident_file: \"" + identFile + "\"\n");

        try (Connection c = pgmux.jdbc(MAPPED, null, jdbcCertificate(CERTS.client(MAPPED)));
             RawClient console = pgmux.console(ADMIN)) {
            assertEquals(MAPPED, TestSql.scalar(c, "SELECT session_user"));
            assertEquals("cert (" + hbaFile + ":2)", Console.show(console, "SHOW CLIENTS").one("user", MAPPED).get("auth"));
        }
        ServerErrorMessage other = TestSql.serverError(() -> pgmux.jdbc(CERT_USER, null, jdbcCertificate(CERTS.client(MAPPED))));
        assertEquals("certificate authentication failed for user \"" + CERT_USER + "\"", other.getMessage());
    }

    @Test
    void clientcertVerifyCaAsksForACertificateBeforeTheRulesOwnMethod() throws Exception {
        Pgmux pgmux = fixture.start(tls() + "hba:\n"
                + "  - {type: hostssl, user: " + CERT_USER + ", method: trust, clientcert: verify-ca}\n");

        // any certificate of the CA will do, whatever its CN
        try (Connection c = pgmux.jdbc(CERT_USER, null, jdbcCertificate(CERTS.client("someone_else")))) {
            assertEquals(CERT_USER, TestSql.scalar(c, "SELECT session_user"));
        }
        ServerErrorMessage none = TestSql.serverError(() -> pgmux.jdbc(CERT_USER, null, Map.of("sslmode", "require")));
        assertEquals("connection requires a valid client certificate", none.getMessage());
    }

    private static Map<String, String> jdbcCertificate(TestCertificates.Pair pair) {
        Map<String, String> properties = new HashMap<>();
        properties.put("sslmode", "verify-full");
        properties.put("sslrootcert", CERTS.caFile().toString());
        properties.put("sslcert", pair.certFile().toString());
        properties.put("sslkey", pair.keyDerFile().toString());
        return properties;
    }

    private static String withCertificate(TestCertificates.Pair pair) {
        return "sslmode=verify-full sslrootcert=" + CERTS.caFile() + " sslcert=" + pair.certFile() + " sslkey=" + pair.keyFile();
    }

    private static ExternalClient.Result psql(Pgmux pgmux, String user, String tls, String sql) throws Exception {
        String conninfo = "host=localhost hostaddr=127.0.0.1 port=" + pgmux.port() + " dbname=" + DATABASE
                + " user=" + user + " connect_timeout=10 " + tls;
        return ExternalClient.run(60, Map.of(), List.of(TestPostgres.get().binDir().resolve("psql").toString(), "-X", "-At",
                "-d", conninfo, "-c", sql));
    }
}
