package io.pgmux.proxy.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PendingTlsFilesTest {

    @Test
    void fileNamesArePgBouncersAndPgmuxsInAnyCaseAndModesAreNot() {
        assertTrue(PendingTlsFiles.isFileName("client_tls_key_file"));
        assertTrue(PendingTlsFiles.isFileName("SERVER_TLS_CA_FILE"));
        assertTrue(PendingTlsFiles.isFileName("server_tls.root_cert"));
        assertTrue(PendingTlsFiles.isFileName("client_tls.cert_file"));
        assertFalse(PendingTlsFiles.isFileName("client_tls_sslmode"));
        assertFalse(PendingTlsFiles.isFileName("server_tls.sslmode"));
        assertFalse(PendingTlsFiles.isFileName("pool_size"));
    }

    @Test
    void keptSetsAreTriedFirstInTheOrderTheyWereLastSetAndClearedAtOnce() {
        PendingTlsFiles pending = new PendingTlsFiles();
        pending.keep("client_tls_key_file", "/a.key");
        pending.keep("Client_TLS_CA_File", "/ca.pem");
        pending.keep("client_tls_key_file", "/b.key");

        assertEquals(List.of(new OnlineSettings.Change("client_tls_ca_file", "/ca.pem"),
                new OnlineSettings.Change("client_tls_key_file", "/b.key"),
                new OnlineSettings.Change("client_tls_cert_file", "/b.crt")), pending.with("client_tls_cert_file", "/b.crt"));
        assertEquals(List.of("client_tls_ca_file", "client_tls_key_file"), pending.names());

        pending.clear();
        assertEquals(List.of(new OnlineSettings.Change("client_tls_cert_file", "/c.crt")), pending.with("client_tls_cert_file", "/c.crt"));
    }

    @Test
    void aSetOfAnotherKeyIsTriedAloneWhileTlsFilesAreKept() {
        PendingTlsFiles pending = new PendingTlsFiles();
        pending.keep("client_tls_key_file", "/a.key");

        assertEquals(List.of(new OnlineSettings.Change("pool_size", "10")), pending.with("pool_size", "10"));
        assertEquals(List.of("client_tls_key_file"), pending.names());
    }
}
