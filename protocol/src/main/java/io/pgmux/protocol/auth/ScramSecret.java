package io.pgmux.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * What a SCRAM-SHA-256 server keeps instead of a password, in PostgreSQL's text form
 * {@code SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>}.
 *
 * <p>Immutable: the arrays are copied in and out. {@link #toString()} leaves the keys out.
 */
public record ScramSecret(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {

    private static final String PREFIX = "SCRAM-SHA-256$";
    private static final String FORM =
            "SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>";
    /** Postgres's default {@code scram_iterations}. */
    private static final int MOCK_ITERATIONS = 4096;
    /** Postgres's salt length. */
    private static final int MOCK_SALT_LENGTH = 16;
    private static final int MIN_MOCK_SEED_LENGTH = 16;

    public ScramSecret {
        Objects.requireNonNull(salt, "salt");
        Objects.requireNonNull(storedKey, "storedKey");
        Objects.requireNonNull(serverKey, "serverKey");
        if (iterations < 1) {
            throw new IllegalArgumentException("SCRAM iteration count must be at least 1, got " + iterations);
        }
        if (salt.length == 0) {
            throw new IllegalArgumentException("SCRAM salt must not be empty");
        }
        requireKeyLength("StoredKey", storedKey);
        requireKeyLength("ServerKey", serverKey);
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    /**
     * Reads Postgres's text form, as found in {@code pg_authid.rolpassword}.
     *
     * @throws IllegalArgumentException naming the part that is wrong (never echoing the secret)
     */
    public static ScramSecret parse(String s) {
        Objects.requireNonNull(s, "s");
        if (!s.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a SCRAM-SHA-256 secret: expected the form " + FORM);
        }
        String[] halves = s.substring(PREFIX.length()).split("\\$", -1);
        String[] parameters = halves[0].split(":", -1);
        String[] keys = halves.length == 2 ? halves[1].split(":", -1) : new String[0];
        if (halves.length != 2 || parameters.length != 2 || keys.length != 2) {
            throw new IllegalArgumentException("malformed SCRAM-SHA-256 secret: expected the form " + FORM);
        }
        return new ScramSecret(parseIterations(parameters[0]), decode("salt", parameters[1]),
                decode("StoredKey", keys[0]), decode("ServerKey", keys[1]));
    }

    /** Whether {@code s} is a well-formed SCRAM-SHA-256 secret in Postgres's text form. */
    public static boolean isSecret(String s) {
        if (s == null || !s.startsWith(PREFIX)) {
            return false;
        }
        try {
            parse(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The secret Postgres would store for {@code password} with this salt and iteration count.
     * The password goes through SASLprep first, as in Postgres: non-ASCII spaces become spaces,
     * "mapped to nothing" characters go, NFKC applies; where RFC 4013 prohibits the result
     * (control, private use, non-characters, unassigned, bidi violations...) the raw UTF-8 is used.
     */
    public static ScramSecret fromPassword(String password, byte[] salt, int iterations) {
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(salt, "salt");
        byte[] saltedPassword =
                ScramCrypto.saltedPassword(SaslPrep.prepare(password), salt, iterations);
        return new ScramSecret(iterations, salt,
                ScramCrypto.sha256(ScramCrypto.clientKey(saltedPassword)),
                ScramCrypto.serverKey(saltedPassword));
    }

    /**
     * A stand-in secret for a user that does not exist, so that a {@link ScramServer} can go
     * through the exchange and fail at the proof exactly as for a wrong password: no one learns
     * which users exist. Everything is derived from the user name and {@code mockSeed} with
     * HMAC-SHA-256, so the same user gets the same salt every time, and no password matches
     * (that would take a SHA-256 preimage of the StoredKey).
     *
     * @param mockSeed at least 16 random bytes, generated once per process and kept secret;
     *     whoever knows it can tell mock salts from real ones
     */
    public static ScramSecret mock(String user, byte[] mockSeed) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(mockSeed, "mockSeed");
        if (mockSeed.length < MIN_MOCK_SEED_LENGTH) {
            throw new IllegalArgumentException("the mock seed must be at least "
                    + MIN_MOCK_SEED_LENGTH + " random bytes, got " + mockSeed.length);
        }
        byte[] salt = Arrays.copyOf(ScramCrypto.hmac(mockSeed, "salt:" + user), MOCK_SALT_LENGTH);
        return new ScramSecret(MOCK_ITERATIONS, salt,
                ScramCrypto.hmac(mockSeed, "stored-key:" + user),
                ScramCrypto.hmac(mockSeed, "server-key:" + user));
    }

    /** Postgres's text form; {@code parse(s).encode()} gives back {@code s} for any secret Postgres wrote. */
    public String encode() {
        Base64.Encoder base64 = Base64.getEncoder();
        return PREFIX + iterations + ':' + base64.encodeToString(salt)
                + '$' + base64.encodeToString(storedKey) + ':' + base64.encodeToString(serverKey);
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] storedKey() {
        return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramSecret other
                && iterations == other.iterations
                && Arrays.equals(salt, other.salt)
                && Arrays.equals(storedKey, other.storedKey)
                && Arrays.equals(serverKey, other.serverKey);
    }

    @Override
    public int hashCode() {
        int result = Integer.hashCode(iterations);
        result = 31 * result + Arrays.hashCode(salt);
        result = 31 * result + Arrays.hashCode(storedKey);
        return 31 * result + Arrays.hashCode(serverKey);
    }

    @Override
    public String toString() {
        return "ScramSecret[iterations=" + iterations + ", salt="
                + Base64.getEncoder().encodeToString(salt) + ", keys=(hidden)]";
    }

    private static int parseIterations(String value) {
        try {
            if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return Integer.parseInt(value);
            }
        } catch (NumberFormatException e) {
            // falls through to the common message
        }
        throw new IllegalArgumentException(
                "malformed SCRAM-SHA-256 secret: the iteration count must be a positive whole number");
    }

    private static byte[] decode(String part, String base64) {
        try {
            return Base64.getDecoder().decode(base64.getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "malformed SCRAM-SHA-256 secret: the " + part + " is not valid base64");
        }
    }

    private static void requireKeyLength(String name, byte[] key) {
        if (key.length != ScramCrypto.KEY_LENGTH) {
            throw new IllegalArgumentException("SCRAM " + name + " must be " + ScramCrypto.KEY_LENGTH
                    + " bytes (SHA-256), got " + key.length);
        }
    }
}
