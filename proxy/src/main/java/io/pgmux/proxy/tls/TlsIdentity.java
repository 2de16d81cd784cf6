package io.pgmux.proxy.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.util.List;

/**
 * A certificate chain and the private key of its first certificate, read from two PEM files and
 * checked to belong together, so that a wrong pair fails when it is loaded (at start, or on reload
 * without changing anything) rather than at the first handshake.
 */
public record TlsIdentity(Path certFile, Path keyFile, List<X509Certificate> chain, PrivateKey key) {

    public TlsIdentity {
        chain = List.copyOf(chain);
    }

    public static TlsIdentity load(Path certFile, Path keyFile) throws TlsFileException {
        List<X509Certificate> chain = PemFiles.certificates(certFile);
        PrivateKey key = PemFiles.privateKey(keyFile);
        if (!matches(chain.get(0).getPublicKey(), key)) {
            throw new TlsFileException(keyFile, "the private key does not match the certificate in " + certFile
                    + " (" + chain.get(0).getSubjectX500Principal().getName() + ")");
        }
        return new TlsIdentity(certFile, keyFile, chain, key);
    }

    /** The certificate this side presents. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** Null when the certificate is valid now, else why not ("expired on ..."), for a warning. */
    public String validityProblem() {
        try {
            certificate().checkValidity();
            return null;
        } catch (CertificateExpiredException e) {
            return "the certificate in " + certFile + " expired on " + certificate().getNotAfter().toInstant();
        } catch (CertificateNotYetValidException e) {
            return "the certificate in " + certFile + " is not valid before " + certificate().getNotBefore().toInstant();
        }
    }

    /** Whether {@code key} is the private half of {@code publicKey}: RSA by modulus, others by a signature. */
    static boolean matches(PublicKey publicKey, PrivateKey key) {
        if (publicKey instanceof RSAPublicKey rsa && key instanceof RSAPrivateCrtKey rsaKey) {
            return rsa.getModulus().equals(rsaKey.getModulus()) && rsa.getPublicExponent().equals(rsaKey.getPublicExponent());
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "Ed448", "EdDSA" -> "EdDSA";
            default -> null;
        };
        if (algorithm == null || !publicKey.getAlgorithm().equals(key.getAlgorithm())
                && !(publicKey.getAlgorithm().startsWith("Ed") && key.getAlgorithm().startsWith("Ed"))) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
