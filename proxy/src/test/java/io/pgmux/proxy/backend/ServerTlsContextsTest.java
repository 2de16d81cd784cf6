package io.pgmux.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslContext;
import io.pgmux.proxy.config.ConfigException;
import io.pgmux.proxy.config.ConfigLoader;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.testing.TestCertificates;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The files of {@code server_tls} are read when pgmux starts, reloads or checks its config; problems name the YAML path. */
class ServerTlsContextsTest {
    private static final TestCertificates CERTS = TestCertificates.get();

    @Test
    void eachSettingInUseGetsAClientContextAndDisableNone() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse("server_tls: {sslmode: verify-full, root_cert: \"" + CERTS.caFile() + "\"}\n"
                + "databases:\n"
                + "  certs: {server_tls: {cert_file: \"" + CERTS.client("app").certFile() + "\", key_file: \""
                + CERTS.client("app").keyFile() + "\"}}\n"
                + "  plain: {server_tls: {sslmode: disable}}\n"
                + "  same: {}\n", Map.of());

        Map<?, SslContext> contexts = ServerTlsContexts.build(config);

        assertEquals(2, contexts.size());
        assertTrue(contexts.values().stream().allMatch(SslContext::isClient));
    }

    @Test
    void unreadableFilesMismatchedKeysAndRefusedCombinationsAreNamedByTheirPath() throws ConfigException {
        PgmuxConfig config = ConfigLoader.parse("server_tls: {sslmode: verify-ca, root_cert: /nonexistent/ca.pem}\n"
                + "databases:\n"
                + "  wrong_key: {server_tls: {sslmode: require, cert_file: \"" + CERTS.client("app").certFile()
                + "\", key_file: \"" + CERTS.client("other").keyFile() + "\"}}\n"
                + "  half: {server_tls: {sslmode: prefer, cert_file: /c.pem, sslnegotiation: direct}}\n", Map.of());

        List<String> errors = assertThrows(ConfigException.class, () -> ServerTlsContexts.build(config)).errors();

        assertEquals(4, errors.size(), errors::toString);
        assertTrue(errors.get(0).startsWith("server_tls.root_cert: /nonexistent/ca.pem"), errors::toString);
        assertTrue(errors.get(1).startsWith("databases.wrong_key.server_tls.key_file: ")
                && errors.get(1).contains("does not match the certificate"), errors::toString);
        assertEquals("databases.half.server_tls.key_file: required with cert_file (the private key of that certificate)",
                errors.get(2));
        assertTrue(errors.get(3).startsWith("databases.half.server_tls.sslnegotiation: direct needs sslmode require"),
                errors::toString);
    }
}
