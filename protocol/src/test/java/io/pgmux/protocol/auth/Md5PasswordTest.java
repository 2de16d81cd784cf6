package io.pgmux.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Md5PasswordTest {

    private static final String SECRET = "md598e973e56f4f5cf45bc0d4d959226a44"; // pgmux_vec_tmp / secret
    private static final byte[] SALT = HexFormat.of().parseHex("deadbeef");
    /**
     * Computed by Postgres:
     * {@code SELECT 'md5' || md5(convert_to('98e973e56f4f5cf45bc0d4d959226a44','UTF8') || '\xdeadbeef'::bytea)}.
     */
    private static final String RESPONSE = "md53b2d55fd5c6ad53d50624c228f953623";

    @Test
    void challengeResponseMatchesPostgresArithmetic() {
        assertEquals(RESPONSE, Md5Password.challengeResponse(SECRET, SALT));
    }

    @Test
    void verifyAcceptsTheRightResponseOnly() {
        assertTrue(Md5Password.verify(SECRET, SALT, RESPONSE));
        assertFalse(Md5Password.verify(SECRET, SALT, "md53b2d55fd5c6ad53d50624c228f953624"));
        assertFalse(Md5Password.verify(SECRET, HexFormat.of().parseHex("deadbeee"), RESPONSE));
        assertFalse(Md5Password.verify(SECRET, SALT, RESPONSE.toUpperCase()));
        assertFalse(Md5Password.verify(SECRET, SALT, ""));
        assertFalse(Md5Password.verify(SECRET, SALT, null));
    }

    @Test
    void secretIsMd5OfPasswordThenUser() {
        assertEquals("md5" + "5f4dcc3b5aa765d61d8327deb882cf99", Md5Password.secret("", "password"));
    }

    @Test
    void isSecretWantsMd5AndThirtyTwoLowercaseHexDigits() {
        assertTrue(Md5Password.isSecret(SECRET));
        assertFalse(Md5Password.isSecret(SECRET.toUpperCase()));
        assertFalse(Md5Password.isSecret("md598E973e56f4f5cf45bc0d4d959226a44"));
        assertFalse(Md5Password.isSecret(SECRET.substring(0, 34)));
        assertFalse(Md5Password.isSecret(SECRET + "0"));
        assertFalse(Md5Password.isSecret("md598e973e56f4f5cf45bc0d4d959226a4g"));
        assertFalse(Md5Password.isSecret("xyz98e973e56f4f5cf45bc0d4d959226a44"));
        assertFalse(Md5Password.isSecret(null));
    }

    @Test
    void challengeResponseRejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> Md5Password.challengeResponse("secret", SALT));
        assertThrows(IllegalArgumentException.class, () -> Md5Password.challengeResponse(SECRET, new byte[3]));
        assertThrows(IllegalArgumentException.class, () -> Md5Password.verify(SECRET, new byte[5], RESPONSE));
    }
}
