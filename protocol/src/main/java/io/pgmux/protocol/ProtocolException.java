package io.pgmux.protocol;

/**
 * Input that breaks the protocol: a bad length, an unknown type, a truncated body. Carries the
 * SQLSTATE the peer should be told ({@link SqlState#PROTOCOL_VIOLATION} unless more specific).
 */
public final class ProtocolException extends RuntimeException {
    private final String sqlState;

    public ProtocolException(String sqlState, String message) {
        super(message, null, false, false);
        this.sqlState = sqlState;
    }

    public ProtocolException(String message) {
        this(SqlState.PROTOCOL_VIOLATION, message);
    }

    public String sqlState() {
        return sqlState;
    }
}
