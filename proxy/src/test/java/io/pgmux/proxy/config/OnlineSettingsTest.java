package io.pgmux.proxy.config;

import io.pgmux.proxy.testing.TestCertificates;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnlineSettingsTest {
    private static final String YAML = """
            pool_size: 5
            admin_users: [admin]
            users:
              admin: {password: secret}
            databases:
              inherits: {host: db1, port: 5432}
              own: {host: db2, port: 5432, pool_size: 9, pool_mode: session}
            """;

    @Test
    void poolSizeChangesTheGlobalValueAndTheDatabasesThatTakeItButNotThoseWithTheirOwn() throws Exception {
        PgmuxConfig running = ConfigLoader.parse(YAML, Map.of());

        PgmuxConfig changed = OnlineSettings.set(running, "default_pool_size", "12");

        assertEquals(12, changed.poolSize());
        assertEquals(12, changed.databases().get("inherits").poolSize());
        assertEquals(9, changed.databases().get("own").poolSize());
        assertEquals(5, running.poolSize()); // the running config is not touched
    }

    @Test
    void pgBouncersServerTlsNamesChangePgmuxsServerTlsKeys() throws Exception {
        PgmuxConfig running = ConfigLoader.parse(YAML, Map.of());
        assertEquals(ServerSslMode.PREFER, running.serverTls().sslmode());

        assertEquals(ServerSslMode.DISABLE, OnlineSettings.set(running, "server_tls_sslmode", "disable").serverTls().sslmode());
        assertEquals(ServerSslMode.VERIFY_FULL, OnlineSettings.set(running, "SERVER_TLS_SSLMODE", "verify-full").serverTls().sslmode());
        assertEquals("/etc/ca.pem", OnlineSettings.set(running, "server_tls_ca_file", "/etc/ca.pem").serverTls().rootCert());
        OnlineSettings.RefusedException e = assertThrows(OnlineSettings.RefusedException.class,
                () -> OnlineSettings.set(running, "server_tls_sslmode", "sometimes"));
        assertEquals(OnlineSettings.Refusal.INVALID_VALUE, e.refusal());
    }

    @Test
    void pgBouncersClientTlsSslmodeSetsPgmuxsModeAndVerifyTogether() throws Exception {
        TestCertificates certs = TestCertificates.get();
        PgmuxConfig running = ConfigLoader.parse(YAML + "client_tls:\n  cert_file: \"" + certs.server().certFile()
                + "\"\n  key_file: \"" + certs.server().keyFile() + "\"\n  ca_file: \"" + certs.caFile() + "\"\n", Map.of());
        assertEquals(ClientTlsMode.DISABLE, running.clientTls().mode());

        ClientTlsConfig verifyFull = OnlineSettings.set(running, "client_tls_sslmode", "verify-full").clientTls();
        assertEquals(ClientTlsMode.REQUIRE, verifyFull.mode());
        assertEquals(ClientCertVerify.VERIFY_FULL, verifyFull.verify());
        PgmuxConfig verifyCa = OnlineSettings.set(running, "client_tls_sslmode", "verify-ca");
        assertEquals(ClientCertVerify.VERIFY_CA, verifyCa.clientTls().verify());
        ClientTlsConfig require = OnlineSettings.set(verifyCa, "CLIENT_TLS_SSLMODE", "Require").clientTls();
        assertEquals(ClientTlsMode.REQUIRE, require.mode());
        assertEquals(ClientCertVerify.NONE, require.verify(), "require checks a certificate only when one is sent");
        assertEquals(ClientTlsMode.ALLOW, OnlineSettings.set(verifyCa, "client_tls_sslmode", "allow").clientTls().mode());

        assertRefused(running, "client_tls_sslmode", "sometimes", OnlineSettings.Refusal.INVALID_VALUE,
                "\"sometimes\" is not one of disable, allow, prefer, require, verify-ca, verify-full");
        PgmuxConfig noCa = OnlineSettings.set(running, "client_tls_ca_file", "");
        assertRefused(noCa, "client_tls_sslmode", "verify-ca", OnlineSettings.Refusal.INVALID_VALUE, "client_tls.ca_file");
    }

    @Test
    void aCertificateAndItsKeySetTogetherAreCheckedAsAPairAndEachAloneIsRefused() throws Exception {
        TestCertificates certs = TestCertificates.get();
        PgmuxConfig running = ConfigLoader.parse(YAML + "client_tls:\n  mode: require\n  cert_file: \"" + certs.server().certFile()
                + "\"\n  key_file: \"" + certs.server().keyFile() + "\"\n", Map.of());
        TestCertificates.Pair other = certs.serverEc();

        assertRefused(running, "client_tls_key_file", other.keyFile().toString(), OnlineSettings.Refusal.INVALID_VALUE,
                "the private key does not match the certificate");
        PgmuxConfig changed = OnlineSettings.set(running, List.of(
                new OnlineSettings.Change("client_tls_key_file", other.keyFile().toString()),
                new OnlineSettings.Change("client_tls_cert_file", other.certFile().toString())));

        assertEquals(other.certFile().toString(), changed.clientTls().certFile());
        assertEquals(other.keyFile().toString(), changed.clientTls().keyFile());
        assertEquals(certs.server().keyFile().toString(), running.clientTls().keyFile(), "the running config is not touched");
    }

    @Test
    void pgBouncersMaxPreparedStatementsZeroTurnsNamedStatementsOffAndANumberTurnsThemBackOn() throws Exception {
        PgmuxConfig transaction = ConfigLoader.parse(YAML + "pool_mode: transaction\n", Map.of());

        PgmuxConfig off = OnlineSettings.set(transaction, "max_prepared_statements", "0");
        assertEquals(PreparedStatementMode.REJECT, off.preparedStatements().mode(), "servers are shared: refused, not leaked");
        assertEquals(200, off.preparedStatements().maxPerServer());
        PgmuxConfig on = OnlineSettings.set(off, "max_prepared_statements", "10");
        assertEquals(null, on.preparedStatements().mode(), "auto again");
        assertEquals(10, on.preparedStatements().maxPerServer());

        PgmuxConfig session = ConfigLoader.parse(YAML + "pool_mode: session\n", Map.of());
        assertEquals(null, OnlineSettings.set(session, "max_prepared_statements", "0").preparedStatements().mode(),
                "auto is passthrough in session mode, which is PgBouncer's 0");
        assertRefused(transaction, "max_prepared_statements", "-1", OnlineSettings.Refusal.INVALID_VALUE, "max_prepared_statements");
    }

    @Test
    void poolModeFollowsTheSameRule() throws Exception {
        PgmuxConfig changed = OnlineSettings.set(ConfigLoader.parse(YAML, Map.of()), "POOL_MODE", "statement");

        assertEquals(PoolMode.STATEMENT, changed.poolMode());
        assertEquals(PoolMode.STATEMENT, changed.databases().get("inherits").poolMode());
        assertEquals(PoolMode.SESSION, changed.databases().get("own").poolMode());
    }

    @Test
    void valuesAreReadAsTheFileWouldReadThem() throws Exception {
        PgmuxConfig running = ConfigLoader.parse(YAML, Map.of());

        assertEquals(Duration.ofSeconds(42), OnlineSettings.set(running, "server_idle_timeout", "42").serverIdleTimeout());
        assertEquals(Duration.ofMillis(1500), OnlineSettings.set(running, "server_idle_timeout", "1500ms").serverIdleTimeout());
        assertEquals("SELECT 2", OnlineSettings.set(running, "server_check_query", "SELECT 2").timeouts().serverCheckQuery());
        assertEquals(false, OnlineSettings.set(running, "tcp_keepalive", "off").timeouts().keepalive().enabled());
        // a key whose reader checks other keys sees the running ones: admin is a listed user
        assertEquals(List.of("admin"), OnlineSettings.set(running, "stats_users", "admin").observability().statsUsers());
        assertEquals(AuthMethod.PASSWORD, OnlineSettings.set(running, "auth_type", "plain").clientAuth(), "PgBouncer's name");
        assertEquals(LogLevel.DEBUG, OnlineSettings.set(running, "verbose", "1").observability().logLevel(), "PgBouncer's verbose");
        assertEquals(LogLevel.TRACE, OnlineSettings.set(running, "verbose", "2").observability().logLevel());
        assertEquals(LogLevel.INFO, OnlineSettings.set(running, "verbose", "0").observability().logLevel());
    }

    @Test
    void sessionSetupKeysChangeOnlineWherePgBouncerAllowsIt() throws Exception {
        PgmuxConfig running = ConfigLoader.parse(YAML, Map.of());

        assertEquals(List.of("options", "extra_float_digits"),
                OnlineSettings.set(running, "ignore_startup_parameters", "options, extra_float_digits").sessionSetup().ignoreStartupParameters());
        assertEquals(true, OnlineSettings.set(running, "server_fast_close", "1").sessionSetup().serverFastClose());
        assertEquals(Duration.ofSeconds(2), OnlineSettings.set(running, "query_wait_notify", "2").sessionSetup().queryWaitNotify());
        assertEquals("SET jit = off", OnlineSettings.set(running, "connect_query", "SET jit = off").sessionSetup().connectQuery());
        // PgBouncer reads track_extra_parameters at start only
        assertRefused(running, "track_extra_parameters", "search_path", OnlineSettings.Refusal.NOT_CHANGEABLE, "restart");
    }

    @Test
    void refusalsSayWhy() throws Exception {
        PgmuxConfig running = ConfigLoader.parse(YAML, Map.of());

        assertRefused(running, "nope", "1", OnlineSettings.Refusal.UNKNOWN_KEY, "unknown setting: nope");
        assertRefused(running, "listen", "127.0.0.1:7000", OnlineSettings.Refusal.NOT_CHANGEABLE, "restart");
        assertRefused(running, "listen_port", "7000", OnlineSettings.Refusal.NOT_CHANGEABLE, "listen_port (pgmux's listen)");
        assertRefused(running, "users", "x", OnlineSettings.Refusal.NOT_CHANGEABLE, "config file only");
        assertRefused(running, "pool_size", "0", OnlineSettings.Refusal.INVALID_VALUE, "pool_size");
        assertRefused(running, "pool_size", "many", OnlineSettings.Refusal.INVALID_VALUE, "pool_size");
        assertRefused(running, "client_auth", "kerberos", OnlineSettings.Refusal.INVALID_VALUE, "client_auth");
    }

    private static void assertRefused(PgmuxConfig running, String key, String value, OnlineSettings.Refusal refusal,
                                      String inMessage) {
        OnlineSettings.RefusedException e = assertThrows(OnlineSettings.RefusedException.class,
                () -> OnlineSettings.set(running, key, value));
        assertEquals(refusal, e.refusal(), e.getMessage());
        assertTrue(e.getMessage().contains(inMessage), e.getMessage());
    }
}
