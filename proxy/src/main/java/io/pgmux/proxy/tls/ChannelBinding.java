package io.pgmux.proxy.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Locale;

/**
 * SCRAM channel binding {@code tls-server-end-point} (RFC 5929 section 4.1): the hash of the
 * server's certificate, with the hash of the certificate's own signature algorithm, SHA-256 where
 * that is MD5 or SHA-1. Null where the signature names no single hash (Ed25519, RSASSA-PSS): Postgres
 * offers no channel binding then, and neither does pgmux.
 */
public final class ChannelBinding {
    public static final String TLS_SERVER_END_POINT = "tls-server-end-point";

    private ChannelBinding() {
    }

    /** The binding data of {@code certificate}, or null when it has none (see the class comment). */
    public static byte[] tlsServerEndPoint(X509Certificate certificate) {
        String digest = digestOf(certificate.getSigAlgName());
        if (digest == null) {
            return null;
        }
        try {
            return MessageDigest.getInstance(digest).digest(certificate.getEncoded());
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            return null;
        }
    }

    /** "SHA384withECDSA" → "SHA-384"; MD5 and SHA-1 → "SHA-256"; null for signatures without a hash in their name. */
    static String digestOf(String signatureAlgorithm) {
        String name = signatureAlgorithm.toUpperCase(Locale.ROOT);
        int with = name.indexOf("WITH");
        if (with < 0) {
            return null;
        }
        String hash = name.substring(0, with);
        return switch (hash) {
            case "MD5", "SHA1", "SHA-1", "SHA256", "SHA-256" -> "SHA-256";
            case "SHA224", "SHA-224" -> "SHA-224";
            case "SHA384", "SHA-384" -> "SHA-384";
            case "SHA512", "SHA-512" -> "SHA-512";
            default -> null;
        };
    }
}
