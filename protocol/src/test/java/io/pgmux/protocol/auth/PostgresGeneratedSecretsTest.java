package io.pgmux.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Secrets written by PostgreSQL 15.20 (server encoding UTF8) into {@code pg_authid.rolpassword} for
 * a role {@code pgmux_vec_tmp}, reproduced exactly. Made with
 * {@code SET password_encryption='scram-sha-256' (or 'md5'); CREATE ROLE pgmux_vec_tmp PASSWORD ...;
 * SELECT rolpassword FROM pg_authid WHERE rolname='pgmux_vec_tmp'; DROP ROLE pgmux_vec_tmp;}
 */
class PostgresGeneratedSecretsTest {

    /** PASSWORD 'secret'. */
    private static final String SCRAM_SECRET = "SCRAM-SHA-256$4096:dNWCAWxUETGxcESVfsiFvQ==$"
            + "xlfp7XbpDG1ovHXSLkHOO1oWGhKi5VP7ZFsl0BxXerc=:xfQ5H9S7IJkvy5ZJvy3Wt0AUV4uh/w0a1ToFvv0rFsQ=";
    /** PASSWORD 'secret' with password_encryption = 'md5'. */
    private static final String MD5_SECRET = "md598e973e56f4f5cf45bc0d4d959226a44";

    /** PASSWORD U&'pass\00A0word': the no-break space is mapped to a space. */
    private static final String NO_BREAK_SPACE_SECRET = "SCRAM-SHA-256$4096:PH6hoCjGheeufe3ah2egtA==$"
            + "rUZ6Voj+79fcC6Utxhl0+P+OOB9N6uyvWMBEE6lfIFw=:l2xb0PjqhyNgkOGy8Uh8d5lS06rCq1DBj4T9foY9ti8=";
    /** PASSWORD U&'\FF53\FF45\FF43\FF52\FF45\FF54' (fullwidth "secret"): NFKC makes it ASCII. */
    private static final String FULLWIDTH_SECRET = "SCRAM-SHA-256$4096:KXa9OkyC7SN8P6BnvdyHwA==$"
            + "6j6pzxVelZGmNKnGWgsxomH4fP8b04qQqKdqMwlIBAw=:oWdK6puMjGJSyhHrnkRs0/lQ//UzEiADfDRuMuUTxPk=";
    /** PASSWORD U&'soft\00ADhyphen': the soft hyphen is mapped to nothing. */
    private static final String SOFT_HYPHEN_SECRET = "SCRAM-SHA-256$4096:tQLZF5PgNI2DPYRDD4F7iA==$"
            + "0fVkV9cFEGexkbDpDkUWz/d+6PDlVVZUPYmH8GPqQl0=:L3eVfBCjUKUPzQfw0xAS5/eioICa6fQKikGpJPFhixI=";
    /** PASSWORD U&'\E000\00A0x': private use is prohibited, so Postgres hashes the raw UTF-8. */
    private static final String PROHIBITED_SECRET = "SCRAM-SHA-256$4096:bplXXr/N2G7G+bO7LCt3SA==$"
            + "/XNCRUMS0+zuSBY7FWY/6A1Taxp9L8t/RRoIvX94k90=:+DscJKYG5wUf6WrdK/RR+JkXGfPQglXoGjddFaJRqo0=";

    @Test
    void fromPasswordReproducesPostgresScramSecret() {
        assertReproduced(SCRAM_SECRET, "secret");
    }

    @Test
    void parseAndEncodeRoundTripPostgresScramSecret() {
        ScramSecret parsed = ScramSecret.parse(SCRAM_SECRET);

        assertEquals(4096, parsed.iterations());
        assertEquals(16, parsed.salt().length);
        assertEquals(SCRAM_SECRET, parsed.encode());
        assertTrue(ScramSecret.isSecret(SCRAM_SECRET));
    }

    @Test
    void md5SecretMatchesPostgres() {
        assertEquals(MD5_SECRET, Md5Password.secret("pgmux_vec_tmp", "secret"));
        assertTrue(Md5Password.isSecret(MD5_SECRET));
    }

    @Test
    void saslPrepMapsNoBreakSpaceLikePostgres() {
        assertReproduced(NO_BREAK_SPACE_SECRET, "pass\u00A0word");
        assertReproduced(NO_BREAK_SPACE_SECRET, "pass word");
    }

    @Test
    void saslPrepNormalizesFullwidthLettersLikePostgres() {
        assertReproduced(FULLWIDTH_SECRET, "\uFF53\uFF45\uFF43\uFF52\uFF45\uFF54");
        assertReproduced(FULLWIDTH_SECRET, "secret");
    }

    @Test
    void saslPrepRemovesSoftHyphenLikePostgres() {
        assertReproduced(SOFT_HYPHEN_SECRET, "soft\u00ADhyphen");
    }

    @Test
    void prohibitedCharacterFallsBackToRawBytesLikePostgres() {
        assertReproduced(PROHIBITED_SECRET, "\uE000\u00A0x");
        byte[] salt = ScramSecret.parse(PROHIBITED_SECRET).salt();
        assertNotEquals(ScramSecret.parse(PROHIBITED_SECRET), ScramSecret.fromPassword("\uE000 x", salt, 4096));
    }

    @Test
    void clientLogsInWithThePasswordBehindPostgresSecret() throws ScramException {
        ScramServer server = new ScramServer(ScramSecret.parse(SCRAM_SECRET));
        ScramClient client = new ScramClient("secret");

        byte[] clientFinal = client.clientFinalMessage(server.serverFirstMessage(client.clientFirstMessage()));
        client.verifyServerFinal(server.serverFinalMessage(clientFinal));

        assertArrayEquals(ScramSecret.parse(SCRAM_SECRET).storedKey(), ScramCrypto.sha256(server.clientKey()));
    }

    private static void assertReproduced(String postgresSecret, String password) {
        ScramSecret parsed = ScramSecret.parse(postgresSecret);

        ScramSecret derived = ScramSecret.fromPassword(password, parsed.salt(), parsed.iterations());

        assertEquals(postgresSecret, derived.encode());
        assertEquals(parsed, derived);
    }
}
