package io.pgmux.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** {@code server_tls}, globally and per database: a database's section starts from the global one. */
class ServerTlsConfigTest {

    @Test
    void byDefaultTlsIsPreferredWithoutFilesAndWithChannelBindingWhereOffered() {
        ServerTlsConfig tls = PgmuxConfig.defaults().serverTls();

        assertEquals(new ServerTlsConfig(ServerSslMode.PREFER, null, null, null, null, SslNegotiation.POSTGRES,
                ChannelBindingMode.PREFER), tls);
        assertEquals("db.internal", tls.verifiedName("db.internal"));
    }

    @Test
    void aDatabaseChangesOnlyTheKeysItSetsAndAnotherKeepsTheGlobalSection() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse("""
                server_tls: {sslmode: verify-full, root_cert: /etc/ca.pem, channel_binding: require}
                databases:
                  managed: {host: db.cloud.example, server_tls: {root_cert: /etc/provider.pem, host_name: primary.example}}
                  local: {host: 127.0.0.1}
                  plain: {server_tls: {sslmode: disable, root_cert: null, channel_binding: disable}}
                """, Map.of());

        DatabaseConfig managed = config.databases().get("managed");
        assertEquals(new ServerTlsConfig(ServerSslMode.VERIFY_FULL, "/etc/provider.pem", null, null, "primary.example",
                SslNegotiation.POSTGRES, ChannelBindingMode.REQUIRE), config.serverTls(managed));
        assertEquals("primary.example", config.serverTls(managed).verifiedName(managed.server().host()));
        assertNull(config.databases().get("local").serverTls());
        assertEquals(config.serverTls(), config.serverTls(config.databases().get("local")));
        ServerTlsConfig plain = config.serverTls(config.databases().get("plain"));
        assertEquals(ServerSslMode.DISABLE, plain.sslmode());
        assertNull(plain.rootCert());
    }

    @Test
    void wrongValuesAreNamedByTheirPath() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("""
                server_tls: {sslmode: verify, sslnegotiaton: direct}
                databases:
                  app: {server_tls: {channel_binding: always}}
                """, Map.of()));

        assertEquals(List.of(
                "server_tls.sslmode: must be one of disable, allow, prefer, require, verify-ca, verify-full (got \"verify\")",
                "databases.app.server_tls.channel_binding: must be one of disable, prefer, require (got \"always\")",
                "server_tls.sslnegotiaton: unknown key"),
                e.errors());
    }

    @Test
    void combinationsLibpqRefusesAreProblemsOfTheKeyToChange() {
        ServerTlsConfig tls = new ServerTlsConfig(ServerSslMode.PREFER, null, "/c.pem", null, null, SslNegotiation.DIRECT,
                ChannelBindingMode.PREFER);
        ServerTlsConfig disabled = new ServerTlsConfig(ServerSslMode.DISABLE, null, null, "/k.pem", null,
                SslNegotiation.POSTGRES, ChannelBindingMode.REQUIRE);

        assertEquals(List.of("key_file", "sslnegotiation"), List.copyOf(tls.problems().keySet()));
        assertEquals(List.of("cert_file", "channel_binding"), List.copyOf(disabled.problems().keySet()));
    }
}
