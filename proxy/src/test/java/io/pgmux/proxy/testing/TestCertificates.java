package io.pgmux.proxy.testing;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Certificates for TLS tests, made with BouncyCastle and written as PEM files into a temp directory:
 * a CA, server certificates for {@code localhost} and {@code 127.0.0.1}, client certificates whose CN
 * is a user name, an expired one, and ones from another CA.
 *
 * <pre>{@code
 * TestCertificates certs = TestCertificates.get();           // made once per JVM
 * certs.caFile();                                            // ca.crt: the CA that signs everything below
 * certs.server();                                            // RSA server certificate, key in PKCS#8
 * certs.serverPkcs1();  certs.serverEc();                    // same name, key in PKCS#1 / EC key in SEC1
 * certs.newServer("rotated");                                // another server certificate (a reload test's)
 * certs.client("alice");                                     // CN=alice, signed by the CA (key also as DER .pk8, for pgJDBC)
 * certs.expiredClient("alice");  certs.untrustedClient("alice");  certs.expiredServer();
 * certs.otherCaFile();                                       // the CA of the untrusted ones
 * }</pre>
 *
 * <p>Certificates are world-readable; keys are mode 0600, owned by whoever runs the test: a Postgres
 * running as another OS user needs its own copy ({@link Pair#copyTo}).
 */
public final class TestCertificates {
    /** A certificate file and its key file (PEM), and the same key as DER PKCS#8 ({@code .pk8}, pgJDBC's {@code sslkey}). */
    public record Pair(Path certFile, Path keyFile, Path keyDerFile, X509Certificate certificate) {
        /** Copies both files into {@code dir} under {@code name}.crt and {@code name}.key (key mode 0600); the copy. */
        public Pair copyTo(Path dir, String name) {
            try {
                Path cert = Files.copy(certFile, dir.resolve(name + ".crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Path key = Files.copy(keyFile, dir.resolve(name + ".key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
                return new Pair(cert, key, keyDerFile, certificate);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final Duration VALIDITY = Duration.ofDays(30);
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());
    private static TestCertificates shared;

    private final Path dir;
    private final Issuer ca;
    private final Issuer otherCa;
    private final Path caFile;
    private final Path otherCaFile;
    private final Pair server;
    private final Pair serverPkcs1;
    private final Pair serverEc;

    private record Issuer(X500Name name, KeyPair keys, X509Certificate certificate) {
    }

    private TestCertificates(Path dir) throws Exception {
        this.dir = dir;
        ca = newCa("pgmux test CA");
        otherCa = newCa("some other CA");
        caFile = writeText("ca.crt", pem("CERTIFICATE", ca.certificate().getEncoded()), false);
        otherCaFile = writeText("other-ca.crt", pem("CERTIFICATE", otherCa.certificate().getEncoded()), false);
        KeyPair serverKeys = rsa();
        X509Certificate serverCert = sign(ca, "localhost", serverKeys, true, Instant.now(), VALIDITY);
        server = write("server", serverCert, serverKeys.getPrivate(), KeyFormat.PKCS8);
        serverPkcs1 = write("server-pkcs1", serverCert, serverKeys.getPrivate(), KeyFormat.PKCS1);
        KeyPair ecKeys = ec();
        serverEc = write("server-ec", sign(ca, "localhost", ecKeys, true, Instant.now(), VALIDITY), ecKeys.getPrivate(), KeyFormat.SEC1);
    }

    /** The JVM-wide set, in a temp directory made on first use. */
    public static synchronized TestCertificates get() {
        if (shared == null) {
            shared = create();
        }
        return shared;
    }

    /** A new set (new CA and keys) in a new temp directory. */
    public static TestCertificates create() {
        try {
            Path dir = Files.createTempDirectory("pgmux-test-certs-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            return new TestCertificates(dir);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make test certificates", e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** The CA (PEM) that signs the server and client certificates. */
    public Path caFile() {
        return caFile;
    }

    /** Another CA (PEM): what signed {@link #untrustedClient}. */
    public Path otherCaFile() {
        return otherCaFile;
    }

    /** RSA 2048, CN and SAN {@code localhost}, SAN IP {@code 127.0.0.1}; key in PKCS#8. */
    public Pair server() {
        return server;
    }

    /** The certificate of {@link #server()}, its key in PKCS#1 ({@code BEGIN RSA PRIVATE KEY}). */
    public Pair serverPkcs1() {
        return serverPkcs1;
    }

    /** An EC P-256 server certificate for the same names; key in SEC1 ({@code BEGIN EC PRIVATE KEY}). */
    public Pair serverEc() {
        return serverEc;
    }

    /** A further RSA server certificate for the same names, signed by the CA, with CN {@code name}'s own serial. */
    public Pair newServer(String name) {
        return make(name, "localhost", true, Instant.now(), VALIDITY, ca);
    }

    /** A server certificate that expired yesterday. */
    public Pair expiredServer() {
        return make("server-expired", "localhost", true, Instant.now().minus(Duration.ofDays(10)), Duration.ofDays(9), ca);
    }

    /** A client certificate with CN {@code user}, signed by the CA. */
    public Pair client(String user) {
        return make("client-" + user, user, false, Instant.now(), VALIDITY, ca);
    }

    /** A client certificate with CN {@code user}, signed by the CA, that expired yesterday. */
    public Pair expiredClient(String user) {
        return make("client-expired-" + user, user, false, Instant.now().minus(Duration.ofDays(10)), Duration.ofDays(9), ca);
    }

    /** A client certificate with CN {@code user} signed by {@link #otherCaFile()}. */
    public Pair untrustedClient(String user) {
        return make("client-untrusted-" + user, user, false, Instant.now(), VALIDITY, otherCa);
    }

    private Pair make(String fileName, String commonName, boolean server, Instant notBefore, Duration validity, Issuer issuer) {
        try {
            KeyPair keys = rsa();
            return write(fileName, sign(issuer, commonName, keys, server, notBefore, validity), keys.getPrivate(), KeyFormat.PKCS8);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make certificate " + fileName, e);
        }
    }

    // ---------------------------------------------------------------- making

    private enum KeyFormat { PKCS8, PKCS1, SEC1 }

    private static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    private static KeyPair ec() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static Issuer newCa(String commonName) throws Exception {
        KeyPair keys = rsa();
        X500Name name = new X500Name("CN=" + commonName);
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), name, keys.getPublic());
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
        X509Certificate certificate = new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
        return new Issuer(name, keys, certificate);
    }

    private static X509Certificate sign(Issuer issuer, String commonName, KeyPair keys, boolean server, Instant notBefore,
                                        Duration validity) throws Exception {
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer.name(), BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(notBefore.minus(Duration.ofHours(1))), Date.from(notBefore.plus(validity)),
                new X500Name("CN=" + commonName), keys.getPublic());
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(issuer.certificate()));
        builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
        boolean ec = keys.getPrivate().getAlgorithm().equals("EC");
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | (ec ? KeyUsage.keyAgreement : KeyUsage.keyEncipherment)));
        if (server) {
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        } else {
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        }
        return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuer.keys().getPrivate())));
    }

    // ---------------------------------------------------------------- writing

    private Pair write(String name, X509Certificate certificate, PrivateKey key, KeyFormat format) throws Exception {
        Path cert = writeText(name + ".crt", pem("CERTIFICATE", certificate.getEncoded()), false);
        String keyPem = switch (format) {
            case PKCS8 -> pem("PRIVATE KEY", key.getEncoded());
            case PKCS1 -> pem("RSA PRIVATE KEY", PrivateKeyInfo.getInstance(key.getEncoded()).parsePrivateKey().toASN1Primitive().getEncoded());
            case SEC1 -> pem("EC PRIVATE KEY", sec1(key));
        };
        Path keyFile = writeText(name + ".key", keyPem, true);
        Path keyDer = dir.resolve(name + ".pk8");
        Files.write(keyDer, key.getEncoded());
        Files.setPosixFilePermissions(keyDer, PosixFilePermissions.fromString("rw-------"));
        return new Pair(cert, keyFile, keyDer, certificate);
    }

    /** SEC1 ECPrivateKey with its named curve, as {@code openssl ecparam -genkey} writes it (the JDK's encoding omits the curve). */
    private static byte[] sec1(PrivateKey key) throws IOException {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
        ASN1Encodable curve = info.getPrivateKeyAlgorithm().getParameters();
        ECPrivateKey ecKey = (ECPrivateKey) key;
        return new org.bouncycastle.asn1.sec.ECPrivateKey(ecKey.getParams().getOrder().bitLength(), ecKey.getS(), null, curve).getEncoded();
    }

    static String pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    private Path writeText(String name, String text, boolean secret) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--"));
        return file;
    }
}
