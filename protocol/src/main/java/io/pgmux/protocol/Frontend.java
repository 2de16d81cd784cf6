package io.pgmux.protocol;

/**
 * Type bytes of the messages a client (frontend) sends, and the codes of the startup-phase packets
 * that have no type byte. Several letters mean something else coming from the server: see
 * {@link Backend}.
 */
public final class Frontend {
    private Frontend() {}

    public static final byte BIND = 'B';
    public static final byte CLOSE = 'C';
    public static final byte COPY_DATA = 'd';
    public static final byte COPY_DONE = 'c';
    public static final byte COPY_FAIL = 'f';
    public static final byte DESCRIBE = 'D';
    public static final byte EXECUTE = 'E';
    public static final byte FLUSH = 'H';
    public static final byte FUNCTION_CALL = 'F';
    public static final byte PARSE = 'P';
    /** PasswordMessage, SASLInitialResponse, SASLResponse and GSSResponse all share 'p'. */
    public static final byte PASSWORD = 'p';
    public static final byte QUERY = 'Q';
    public static final byte SYNC = 'S';
    public static final byte TERMINATE = 'X';

    /** Protocol 3.0, the version pgmux speaks on both sides. */
    public static final int PROTOCOL_3_0 = 3 << 16;
    public static final int CANCEL_REQUEST_CODE = 80877102;
    public static final int SSL_REQUEST_CODE = 80877103;
    public static final int GSSENC_REQUEST_CODE = 80877104;
    /**
     * pgmux's own, not Postgres's: a replica asks a peer for its view of the shared server budget
     * (the whole request is this code in an 8-byte startup packet, as a CancelRequest's header).
     */
    public static final int PEER_VIEW_REQUEST_CODE = 1234 << 16 | 5777;

    /** Whether {@code type} is a message a client may send once the session is established. */
    public static boolean isKnownType(byte type) {
        return switch (type) {
            case BIND, CLOSE, COPY_DATA, COPY_DONE, COPY_FAIL, DESCRIBE, EXECUTE, FLUSH, FUNCTION_CALL,
                 PARSE, PASSWORD, QUERY, SYNC, TERMINATE -> true;
            default -> false;
        };
    }
}
