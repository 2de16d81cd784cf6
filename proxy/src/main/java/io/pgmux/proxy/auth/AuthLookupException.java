package io.pgmux.proxy.auth;

/** A lookup that gave no answer: the connection failed, {@code auth_query} failed, or it took too long. */
public final class AuthLookupException extends RuntimeException {

    public AuthLookupException(String message) {
        super(message, null, false, false);
    }
}
