package io.pgmux.proxy.tls;

import io.netty.handler.ssl.SslContext;
import io.pgmux.proxy.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TlsFilesTest {
    private final TestCertificates certs = TestCertificates.get();

    @Test
    void readsPkcs8Pkcs1AndSec1KeysAndMatchesThemToTheirCertificates() throws Exception {
        TlsIdentity pkcs8 = TlsIdentity.load(certs.server().certFile(), certs.server().keyFile());
        TlsIdentity pkcs1 = TlsIdentity.load(certs.serverPkcs1().certFile(), certs.serverPkcs1().keyFile());
        TlsIdentity ec = TlsIdentity.load(certs.serverEc().certFile(), certs.serverEc().keyFile());

        assertArrayEquals(pkcs8.key().getEncoded(), pkcs1.key().getEncoded(), "PKCS#1 becomes the same PKCS#8 key");
        assertEquals("EC", ec.key().getAlgorithm());
        assertEquals(certs.server().certificate(), pkcs8.certificate());
        assertTrue(Files.readString(certs.serverPkcs1().keyFile()).contains("BEGIN RSA PRIVATE KEY"));
        assertTrue(Files.readString(certs.serverEc().keyFile()).contains("BEGIN EC PRIVATE KEY"));
        assertNull(pkcs8.validityProblem());
    }

    @Test
    void aKeyOfAnotherCertificateIsRefusedNamingBothFiles() {
        TlsFileException e = assertThrows(TlsFileException.class,
                () -> TlsIdentity.load(certs.server().certFile(), certs.serverEc().keyFile()));
        assertEquals(certs.serverEc().keyFile(), e.file());
        assertTrue(e.getMessage().contains("does not match the certificate in " + certs.server().certFile()), e.getMessage());
        TlsFileException rsa = assertThrows(TlsFileException.class,
                () -> TlsIdentity.load(certs.server().certFile(), certs.client("alice").keyFile()));
        assertTrue(rsa.getMessage().contains("does not match"), rsa.getMessage());
    }

    @Test
    void missingEmptyEncryptedAndSwappedFilesSayWhatIsWrong(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing.crt");
        assertEquals(missing + ": no such file", assertThrows(TlsFileException.class, () -> PemFiles.certificates(missing)).getMessage());

        Path empty = Files.writeString(dir.resolve("empty.pem"), "hello\n");
        assertTrue(assertThrows(TlsFileException.class, () -> PemFiles.certificates(empty)).getMessage()
                .contains("no PEM certificate"));
        assertTrue(assertThrows(TlsFileException.class, () -> PemFiles.privateKey(empty)).getMessage()
                .contains("no PEM private key"));
        assertTrue(assertThrows(TlsFileException.class, () -> PemFiles.privateKey(certs.server().certFile())).getMessage()
                .contains("no PEM private key"), "a certificate given as the key");

        Path encrypted = Files.writeString(dir.resolve("enc.key"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertTrue(assertThrows(TlsFileException.class, () -> PemFiles.privateKey(encrypted)).getMessage().contains("encrypted"));
        Path legacyEncrypted = Files.writeString(dir.resolve("legacy.key"), "-----BEGIN RSA PRIVATE KEY-----\n"
                + "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertTrue(assertThrows(TlsFileException.class, () -> PemFiles.privateKey(legacyEncrypted)).getMessage().contains("encrypted"));

        Path truncated = Files.writeString(dir.resolve("cut.crt"), "-----BEGIN CERTIFICATE-----\nMIIB\n");
        assertTrue(assertThrows(TlsFileException.class, () -> PemFiles.certificates(truncated)).getMessage().contains("no END line"));
        Path garbage = Files.writeString(dir.resolve("garbage.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertTrue(assertThrows(TlsFileException.class, () -> PemFiles.privateKey(garbage)).getMessage().contains("cannot be read"));
    }

    @Test
    void aChainFileKeepsItsOrderAndSkipsOtherBlocks(@TempDir Path dir) throws Exception {
        Path chain = dir.resolve("chain.crt");
        Files.writeString(chain, Files.readString(certs.server().certFile()) + "junk between\n" + Files.readString(certs.caFile()));
        assertEquals(2, PemFiles.certificates(chain).size());
        assertEquals(certs.server().certificate(), PemFiles.certificates(chain).get(0));

        Path withParameters = dir.resolve("ec.key");
        Files.writeString(withParameters, "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
                + Files.readString(certs.serverEc().keyFile()));
        PrivateKey key = PemFiles.privateKey(withParameters);
        assertEquals("EC", key.getAlgorithm());
    }

    @Test
    void anExpiredCertificateLoadsButSaysSo() throws Exception {
        TestCertificates.Pair expired = certs.expiredServer();
        String problem = TlsIdentity.load(expired.certFile(), expired.keyFile()).validityProblem();
        assertNotNull(problem);
        assertTrue(problem.contains("expired on"), problem);
    }

    @Test
    void buildsServerAndClientContexts() throws Exception {
        TlsIdentity identity = TlsIdentity.load(certs.server().certFile(), certs.server().keyFile());
        SslContext server = TlsContexts.server(new TlsContexts.ServerSide(identity, PemFiles.certificates(certs.caFile()), true,
                null, null));
        assertTrue(server.isServer());
        SslContext client = TlsContexts.client(new TlsContexts.ClientSide(PemFiles.certificates(certs.caFile()), true,
                TlsIdentity.load(certs.client("alice").certFile(), certs.client("alice").keyFile()), List.of("TLSv1.3"), null,
                List.of(TlsContexts.ALPN_POSTGRESQL)));
        assertTrue(client.isClient());
        assertNotNull(TlsEngine.describe());
    }

    @Test
    void openSslIsTheEngineOnLinuxX86() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux")
                && System.getProperty("os.arch").equals("amd64") && System.getProperty(TlsEngine.PROPERTY) == null);
        assertEquals(io.netty.handler.ssl.SslProvider.OPENSSL, TlsEngine.provider(), TlsEngine.describe());
        assertTrue(TlsEngine.supportsCipher("TLS_AES_128_GCM_SHA256"));
        assertTrue(!TlsEngine.supportsCipher("TLS_NO_SUCH_CIPHER"));
    }

    @Test
    void channelBindingHashesWithTheSignaturesHashAndSha256ForWeakOnes() throws Exception {
        assertEquals("SHA-256", ChannelBinding.digestOf("SHA1withRSA"));
        assertEquals("SHA-256", ChannelBinding.digestOf("MD5withRSA"));
        assertEquals("SHA-384", ChannelBinding.digestOf("SHA384withECDSA"));
        assertEquals("SHA-512", ChannelBinding.digestOf("SHA512withRSA"));
        assertNull(ChannelBinding.digestOf("Ed25519"));
        byte[] expected = java.security.MessageDigest.getInstance("SHA-256").digest(certs.server().certificate().getEncoded());
        assertArrayEquals(expected, ChannelBinding.tlsServerEndPoint(certs.server().certificate()));
    }
}
