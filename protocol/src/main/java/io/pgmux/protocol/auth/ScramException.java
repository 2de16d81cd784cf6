package io.pgmux.protocol.auth;

/**
 * A SCRAM exchange failed: a malformed or unexpected message, a wrong password, or a server that
 * could not prove it knows the password. The message says which, in words a person can act on;
 * it never contains a secret.
 */
public final class ScramException extends Exception {
    private final boolean malformed;

    ScramException(String message) {
        this(message, false);
    }

    private ScramException(String message, boolean malformed) {
        super(message);
        this.malformed = malformed;
    }

    /** A message that does not follow the SCRAM grammar (Postgres: protocol violation, not a wrong password). */
    static ScramException malformed(String message) {
        return new ScramException(message, true);
    }

    public boolean isMalformed() {
        return malformed;
    }
}
