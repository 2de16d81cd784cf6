package io.pgmux.protocol.auth;

/**
 * A SCRAM exchange failed: a malformed or unexpected message, a wrong password, or a server that
 * could not prove it knows the password. The message says which, in words a person can act on;
 * it never contains a secret.
 */
public final class ScramException extends Exception {

    ScramException(String message) {
        super(message);
    }
}
