package io.pgmux.proxy.config;

import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a password in the config is stored, recognised the way Postgres recognises
 * {@code pg_authid.rolpassword}: {@code md5} followed by 32 lowercase hex digits is an MD5 hash,
 * {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>} a SCRAM verifier, anything else
 * is the password itself.
 */
public enum PasswordFormat {
    PLAINTEXT,
    /** {@code "md5" + md5(password + username)} in hex. */
    MD5,
    /** A SCRAM-SHA-256 verifier; cannot answer an MD5 challenge nor log in to a server. */
    SCRAM_SHA_256;

    static final String SCRAM_PREFIX = "SCRAM-SHA-256$";
    private static final Pattern MD5_HASH = Pattern.compile("md5[0-9a-f]{32}");
    private static final Pattern SCRAM_VERIFIER = Pattern.compile(
            "SCRAM-SHA-256\\$([0-9]{1,9}):([A-Za-z0-9+/=]+)\\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)");

    public static PasswordFormat of(String password) {
        if (MD5_HASH.matcher(password).matches()) {
            return MD5;
        }
        if (password.startsWith(SCRAM_PREFIX)) {
            return SCRAM_SHA_256;
        }
        return PLAINTEXT;
    }

    /** True if a string that claims to be a SCRAM verifier (by its prefix) is well-formed. */
    static boolean isWellFormedScramVerifier(String password) {
        Matcher m = SCRAM_VERIFIER.matcher(password);
        if (!m.matches() || Integer.parseInt(m.group(1)) < 1) {
            return false;
        }
        try {
            Base64.Decoder base64 = Base64.getDecoder();
            return base64.decode(m.group(2)).length > 0
                    && base64.decode(m.group(3)).length == 32
                    && base64.decode(m.group(4)).length == 32;
        } catch (IllegalArgumentException notBase64) {
            return false;
        }
    }
}
