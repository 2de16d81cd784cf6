package io.pgmux.proxy.backend;

import io.pgmux.protocol.auth.ScramSecret;

import java.util.Objects;

/**
 * What a client's login taught pgmux to log in to Postgres as that client's role, for a pool that
 * has no password of its own: the client's password or md5 secret ({@code password}), or the
 * SCRAM secret it proved itself against with the ClientKey recovered from its proof. Never shown.
 */
public record PassThrough(String password, ScramSecret scramSecret, byte[] clientKey) {

    public PassThrough {
        if ((password == null) == (scramSecret == null) || (scramSecret == null) != (clientKey == null)) {
            throw new IllegalArgumentException("a password, or a SCRAM secret with its ClientKey");
        }
        clientKey = clientKey == null ? null : clientKey.clone();
    }

    /** A plaintext password or an md5 secret ({@code md5...}), which answers an md5 challenge. */
    public static PassThrough password(String password) {
        return new PassThrough(Objects.requireNonNull(password, "password"), null, null);
    }

    public static PassThrough scram(ScramSecret secret, byte[] clientKey) {
        return new PassThrough(null, Objects.requireNonNull(secret, "secret"), Objects.requireNonNull(clientKey, "clientKey"));
    }

    @Override
    public byte[] clientKey() {
        return clientKey == null ? null : clientKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PassThrough other && Objects.equals(password, other.password)
                && Objects.equals(scramSecret, other.scramSecret) && java.util.Arrays.equals(clientKey, other.clientKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(password, scramSecret) * 31 + java.util.Arrays.hashCode(clientKey);
    }

    @Override
    public String toString() {
        return scramSecret != null ? "PassThrough[SCRAM client key]" : "PassThrough[password]";
    }
}
