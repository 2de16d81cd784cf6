package io.pgmux.proxy.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** client_tls: what the loader accepts, and errors that name the key (the files are checked when read). */
class ClientTlsConfigTest {
    private static final String CERT = "src/test/resources/tls/config-test.crt";
    private static final String KEY = "src/test/resources/tls/config-test.key";

    private static List<String> errors(String yaml) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, Map.of())).errors();
    }

    @Test
    void aWorkingSetIsReadAsWritten() throws ConfigException {
        ClientTlsConfig tls = ConfigLoader.parse("client_tls: {mode: require, cert_file: " + CERT + ", key_file: " + KEY
                + ", protocols: \"tlsv1.3\"}\n", Map.of()).clientTls();

        assertEquals(new ClientTlsConfig(ClientTlsMode.REQUIRE, CERT, KEY, "", ClientCertVerify.NONE, List.of("TLSv1.3"), List.of()), tls);
    }

    @Test
    void filesAreNotNeededWhileTlsIsDisabled() throws ConfigException {
        assertEquals(ClientTlsMode.DISABLE, ConfigLoader.parse("client_tls: {cert_file: /nowhere.crt}\n", Map.of()).clientTls().mode());
    }

    @Test
    void missingFilesAndSettingsAreErrorsNamingTheirKey() {
        assertEquals(List.of("client_tls.cert_file: must be set when client_tls.mode is prefer"),
                errors("client_tls: {mode: prefer}\n"));
        assertEquals(List.of("client_tls.cert_file: /nowhere.crt: no such file"),
                errors("client_tls: {mode: allow, cert_file: /nowhere.crt, key_file: " + KEY + "}\n"));
        assertEquals(List.of("client_tls.key_file: " + CERT + ": no PEM private key in the file (expected -----BEGIN PRIVATE KEY-----, "
                        + "-----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----)"),
                errors("client_tls: {mode: allow, cert_file: " + CERT + ", key_file: " + CERT + "}\n"));
        assertEquals(List.of("client_tls.ca_file: must be set when client_tls.verify is verify-ca"),
                errors("client_tls: {mode: require, cert_file: " + CERT + ", key_file: " + KEY + ", verify: verify-ca}\n"));
    }

    @Test
    void unknownModesProtocolsAndCiphersAreErrors() {
        assertEquals(List.of("client_tls.mode: must be one of disable, allow, prefer, require (got \"on\")"),
                errors("client_tls: {mode: on}\n"));
        assertEquals(List.of("client_tls.protocols: unknown TLS protocol \"SSLv3\" (choose from TLSv1.2, TLSv1.3)"),
                errors("client_tls: {protocols: [SSLv3]}\n"));
        List<String> cipher = errors("client_tls: {ciphers: [NOT_A_CIPHER]}\n");
        assertEquals(1, cipher.size());
        assertEquals(true, cipher.get(0).startsWith("client_tls.ciphers: unknown cipher suite \"NOT_A_CIPHER\""), cipher.get(0));
        assertEquals(List.of("client_tls.verfy: unknown key"), errors("client_tls: {verfy: none}\n"));
    }
}
