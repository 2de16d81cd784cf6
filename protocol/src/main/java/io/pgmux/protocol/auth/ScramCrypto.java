package io.pgmux.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The SCRAM-SHA-256 functions of RFC 5802 section 2.2 and the keys of section 3. */
final class ScramCrypto {

    /** Length of every SHA-256 output: StoredKey, ServerKey, proofs, signatures. */
    static final int KEY_LENGTH = 32;

    private static final String HMAC = "HmacSHA256";
    private static final byte[] FIRST_BLOCK = {0, 0, 0, 1};
    /**
     * HMAC pads its key with zero bytes to the block size, so an empty key and a single zero byte
     * are the same key. {@link SecretKeySpec} refuses empty keys, hence this stand-in.
     */
    private static final byte[] EMPTY_KEY_EQUIVALENT = {0};

    private ScramCrypto() {
    }

    /** {@code SaltedPassword := Hi(Normalize(password), salt, i)}: PBKDF2 with HMAC-SHA-256. */
    static byte[] saltedPassword(byte[] normalizedPassword, byte[] salt, int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("iteration count must be at least 1, got " + iterations);
        }
        Mac mac = hmac(normalizedPassword);
        mac.update(salt);
        mac.update(FIRST_BLOCK);
        byte[] u = mac.doFinal();
        byte[] result = u.clone();
        for (int i = 1; i < iterations; i++) {
            u = mac.doFinal(u);
            xorInto(result, u);
        }
        return result;
    }

    static byte[] clientKey(byte[] saltedPassword) {
        return hmac(saltedPassword, "Client Key");
    }

    static byte[] serverKey(byte[] saltedPassword) {
        return hmac(saltedPassword, "Server Key");
    }

    static byte[] hmac(byte[] key, String text) {
        return hmac(key).doFinal(text.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime must provide SHA-256", e);
        }
    }

    static byte[] xor(byte[] a, byte[] b) {
        byte[] result = a.clone();
        xorInto(result, b);
        return result;
    }

    private static void xorInto(byte[] target, byte[] other) {
        if (target.length != other.length) {
            throw new IllegalArgumentException("lengths differ: " + target.length + " and " + other.length);
        }
        for (int i = 0; i < target.length; i++) {
            target[i] ^= other[i];
        }
    }

    private static Mac hmac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key.length == 0 ? EMPTY_KEY_EQUIVALENT : key, HMAC));
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every Java runtime must provide " + HMAC, e);
        }
    }
}
