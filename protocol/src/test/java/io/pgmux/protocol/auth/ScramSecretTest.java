package io.pgmux.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScramSecretTest {

    private static final String SALT = "dNWCAWxUETGxcESVfsiFvQ==";
    private static final String STORED = "xlfp7XbpDG1ovHXSLkHOO1oWGhKi5VP7ZFsl0BxXerc=";
    private static final String SERVER = "xfQ5H9S7IJkvy5ZJvy3Wt0AUV4uh/w0a1ToFvv0rFsQ=";
    private static final String VALID = "SCRAM-SHA-256$4096:" + SALT + "$" + STORED + ":" + SERVER;
    private static final byte[] MOCK_SEED = "0123456789abcdef".getBytes();

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "md598e973e56f4f5cf45bc0d4d959226a44",
        "SCRAM-SHA-1$4096:" + SALT + "$" + STORED + ":" + SERVER,
        "SCRAM-SHA-256$4096:" + SALT,
        "SCRAM-SHA-256$4096:" + SALT + "$" + STORED,
        "SCRAM-SHA-256$4096:" + SALT + "$" + STORED + ":" + SERVER + "$",
        "SCRAM-SHA-256$4096$" + STORED + ":" + SERVER,
        "SCRAM-SHA-256$0:" + SALT + "$" + STORED + ":" + SERVER,
        "SCRAM-SHA-256$-1:" + SALT + "$" + STORED + ":" + SERVER,
        "SCRAM-SHA-256$+4096:" + SALT + "$" + STORED + ":" + SERVER,
        "SCRAM-SHA-256$99999999999:" + SALT + "$" + STORED + ":" + SERVER,
        "SCRAM-SHA-256$abc:" + SALT + "$" + STORED + ":" + SERVER,
        "SCRAM-SHA-256$4096::" + "$" + STORED + ":" + SERVER,
        "SCRAM-SHA-256$4096:not*base64$" + STORED + ":" + SERVER,
        "SCRAM-SHA-256$4096:" + SALT + "$" + STORED + ":" + SALT,
        "SCRAM-SHA-256$4096:" + SALT + "$" + STORED + ":" + SERVER + ":" + SERVER,
    })
    void parseRejectsMalformedSecrets(String malformed) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ScramSecret.parse(malformed));
        assertFalse(ScramSecret.isSecret(malformed));
        assertFalse(e.getMessage().contains(STORED), "the message must not echo the secret");
    }

    @Test
    void parseNamesTheBadPart() {
        assertEquals("malformed SCRAM-SHA-256 secret: the ServerKey is not valid base64",
                assertThrows(IllegalArgumentException.class,
                        () -> ScramSecret.parse("SCRAM-SHA-256$4096:" + SALT + "$" + STORED + ":!!")).getMessage());
        assertEquals("SCRAM ServerKey must be 32 bytes (SHA-256), got 16",
                assertThrows(IllegalArgumentException.class,
                        () -> ScramSecret.parse("SCRAM-SHA-256$4096:" + SALT + "$" + STORED + ":" + SALT)).getMessage());
    }

    @Test
    void isSecretAcceptsPostgresForm() {
        assertTrue(ScramSecret.isSecret(VALID));
        assertFalse(ScramSecret.isSecret(null));
    }

    @Test
    void equalsAndHashCodeCompareContent() {
        ScramSecret a = ScramSecret.parse(VALID);
        ScramSecret b = ScramSecret.parse(VALID);

        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, ScramSecret.parse(VALID.replace("$4096:", "$4097:")));
    }

    @Test
    void isImmutable() {
        byte[] salt = Base64.getDecoder().decode(SALT);
        ScramSecret secret = new ScramSecret(4096, salt,
                Base64.getDecoder().decode(STORED), Base64.getDecoder().decode(SERVER));

        salt[0] ^= 1;
        secret.salt()[0] ^= 1;
        secret.storedKey()[0] ^= 1;

        assertEquals(VALID, secret.encode());
    }

    @Test
    void toStringHidesTheKeys() {
        String s = ScramSecret.parse(VALID).toString();

        assertEquals("ScramSecret[iterations=4096, salt=" + SALT + ", keys=(hidden)]", s);
    }

    @Test
    void fromPasswordRejectsBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> ScramSecret.fromPassword("pw", new byte[16], 0));
        assertThrows(IllegalArgumentException.class, () -> ScramSecret.fromPassword("pw", new byte[0], 4096));
    }

    @Test
    void mockIsDeterministicPerUserAndSeed() {
        ScramSecret alice = ScramSecret.mock("alice", MOCK_SEED);

        assertEquals(alice, ScramSecret.mock("alice", MOCK_SEED));
        assertEquals(4096, alice.iterations());
        assertEquals(16, alice.salt().length);
        assertFalse(Arrays.equals(alice.salt(), ScramSecret.mock("bob", MOCK_SEED).salt()));
        assertFalse(Arrays.equals(alice.salt(),
                ScramSecret.mock("alice", "fedcba9876543210".getBytes()).salt()));
        assertTrue(ScramSecret.isSecret(alice.encode()));
    }

    @Test
    void mockRefusesAShortSeed() {
        assertThrows(IllegalArgumentException.class, () -> ScramSecret.mock("alice", new byte[15]));
    }

    @Test
    void mockUserFailsAtTheProofLikeAWrongPassword() throws ScramException {
        ScramServer unknownUser = new ScramServer(ScramSecret.mock("nobody", MOCK_SEED));
        ScramServer wrongPassword = new ScramServer(ScramSecret.fromPassword("right", new byte[16], 4096));

        String unknown = failureOf(unknownUser, "whatever");
        String wrong = failureOf(wrongPassword, "whatever");

        assertEquals(wrong, unknown);
    }

    @Test
    void emptyPasswordStillDerivesAKey() {
        byte[] salt = new byte[16];
        ScramSecret empty = ScramSecret.fromPassword("", salt, 1);

        // HMAC with an empty key equals HMAC with a single zero byte as key (RFC 2104 zero padding).
        assertArrayEquals(ScramSecret.fromPassword("\0", salt, 1).storedKey(), empty.storedKey());
    }

    private static String failureOf(ScramServer server, String password) throws ScramException {
        ScramClient client = new ScramClient(password);
        byte[] clientFinal = client.clientFinalMessage(server.serverFirstMessage(client.clientFirstMessage()));
        return assertThrows(ScramException.class, () -> server.serverFinalMessage(clientFinal)).getMessage();
    }
}
