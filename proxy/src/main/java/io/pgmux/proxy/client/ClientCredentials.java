package io.pgmux.proxy.client;

import io.pgmux.protocol.auth.Md5Password;
import io.pgmux.protocol.auth.ScramSecret;
import io.pgmux.proxy.config.UserConfig;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;

/**
 * What pgmux knows of each configured user's password, in the forms the client authentication
 * methods need. Built once, off the event loops: deriving a SCRAM secret from a plaintext password
 * costs thousands of hash rounds.
 */
public final class ClientCredentials {
    private static final int SCRAM_ITERATIONS = 4096;

    /** Any of the fields may be null when the configured password cannot provide it. */
    record Entry(String plaintext, String md5Secret, ScramSecret scramSecret) {}

    private final Map<String, Entry> entries;
    private final byte[] mockSeed;

    private ClientCredentials(Map<String, Entry> entries, byte[] mockSeed) {
        this.entries = entries;
        this.mockSeed = mockSeed;
    }

    public static ClientCredentials from(Map<String, UserConfig> users) {
        SecureRandom random = new SecureRandom();
        Map<String, Entry> entries = new HashMap<>();
        users.forEach((name, user) -> {
            String password = user.password();
            if (password == null) {
                return;
            }
            if (Md5Password.isSecret(password)) {
                entries.put(name, new Entry(null, password, null));
            } else if (ScramSecret.isSecret(password)) {
                entries.put(name, new Entry(null, null, ScramSecret.parse(password)));
            } else {
                byte[] salt = new byte[16];
                random.nextBytes(salt);
                entries.put(name, new Entry(password, Md5Password.secret(name, password),
                        ScramSecret.fromPassword(password, salt, SCRAM_ITERATIONS)));
            }
        });
        byte[] mockSeed = new byte[32];
        random.nextBytes(mockSeed);
        return new ClientCredentials(Map.copyOf(entries), mockSeed);
    }

    /**
     * The entry for a secret from {@code pg_authid} (an md5 hash or a SCRAM verifier; a plaintext
     * password serves cleartext and md5 only); null when there is none or it is unusable.
     */
    static Entry entryOf(String user, String secret) {
        if (secret == null || secret.isEmpty()) {
            return null;
        }
        if (Md5Password.isSecret(secret)) {
            return new Entry(null, secret, null);
        }
        if (secret.startsWith("SCRAM-SHA-256$")) {
            return ScramSecret.isSecret(secret) ? new Entry(null, null, ScramSecret.parse(secret)) : null;
        }
        return new Entry(secret, Md5Password.secret(user, secret), null);
    }

    /** The user's entry, or null for a user without a configured password. */
    Entry lookup(String user) {
        return entries.get(user);
    }

    /** A SCRAM secret no password matches, so unknown users fail the same way as wrong passwords. */
    ScramSecret mockScramSecret(String user) {
        return ScramSecret.mock(user, mockSeed);
    }
}
