package io.pgmux.protocol.auth;

import java.security.SecureRandom;
import java.util.Base64;

/** SCRAM nonces: printable ASCII without commas (RFC 5802 section 7, {@code c-nonce}). */
final class ScramNonce {

    /** Raw random bytes per nonce, as Postgres and libpq use; 24 characters once in base64. */
    private static final int RANDOM_BYTES = 18;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ScramNonce() {
    }

    static String random() {
        byte[] bytes = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    static boolean isValid(String nonce) {
        if (nonce.isEmpty()) {
            return false;
        }
        for (int i = 0; i < nonce.length(); i++) {
            char c = nonce.charAt(i);
            if (c < 0x21 || c > 0x7E || c == ',') {
                return false;
            }
        }
        return true;
    }

    /** For nonces handed in by tests: fail early rather than send a message the peer rejects. */
    static String requireValid(String nonce) {
        if (!isValid(nonce)) {
            throw new IllegalArgumentException("a SCRAM nonce must be non-empty printable ASCII without ','");
        }
        return nonce;
    }
}
