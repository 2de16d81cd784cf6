package io.pgmux.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * PostgreSQL's MD5 password method.
 *
 * <p>The stored secret is {@code "md5" + hex(md5(password + user))}; in answer to
 * {@code AuthenticationMD5Password} a client sends {@code "md5" + hex(md5(hex-of-secret + salt))}.
 * Strings are taken as UTF-8, which matches a server whose encoding is UTF8.
 */
public final class Md5Password {

    private static final String PREFIX = "md5";
    private static final int HEX_LENGTH = 32;
    private static final int SALT_LENGTH = 4;
    private static final HexFormat HEX = HexFormat.of();

    private Md5Password() {
    }

    /** The secret Postgres stores in {@code pg_authid.rolpassword} for this user and password. */
    public static String secret(String user, String password) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        return PREFIX + HEX.formatHex(md5(
                password.getBytes(StandardCharsets.UTF_8), user.getBytes(StandardCharsets.UTF_8)));
    }

    /** Whether {@code s} has the form of an MD5 secret: {@code md5} and 32 lowercase hex digits. */
    public static boolean isSecret(String s) {
        if (s == null || s.length() != PREFIX.length() + HEX_LENGTH || !s.startsWith(PREFIX)) {
            return false;
        }
        for (int i = PREFIX.length(); i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /**
     * What a client sends in its PasswordMessage in answer to {@code AuthenticationMD5Password}.
     *
     * @throws IllegalArgumentException if {@code md5Secret} is not an MD5 secret or the salt is
     *     not 4 bytes
     */
    public static String challengeResponse(String md5Secret, byte[] salt) {
        if (!isSecret(md5Secret)) {
            throw new IllegalArgumentException(
                    "not an MD5 password secret: expected 'md5' followed by 32 lowercase hex digits");
        }
        Objects.requireNonNull(salt, "salt");
        if (salt.length != SALT_LENGTH) {
            throw new IllegalArgumentException(
                    "MD5 salt must be " + SALT_LENGTH + " bytes, got " + salt.length);
        }
        byte[] hexPart = md5Secret.substring(PREFIX.length()).getBytes(StandardCharsets.US_ASCII);
        return PREFIX + HEX.formatHex(md5(hexPart, salt));
    }

    /**
     * Whether {@code clientResponse} is the right answer to the challenge with {@code salt}. The
     * comparison takes the same time wherever the first difference is.
     */
    public static boolean verify(String md5Secret, byte[] salt, String clientResponse) {
        if (clientResponse == null) {
            return false;
        }
        byte[] expected = challengeResponse(md5Secret, salt).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, clientResponse.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] md5(byte[] first, byte[] second) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update(first);
            md5.update(second);
            return md5.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime must provide MD5", e);
        }
    }
}
