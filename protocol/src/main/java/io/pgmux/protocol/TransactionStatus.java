package io.pgmux.protocol;

/** The transaction status a server reports in every {@code ReadyForQuery}. */
public enum TransactionStatus {
    IDLE('I'),
    IN_TRANSACTION('T'),
    FAILED('E');

    private static final TransactionStatus[] BY_BYTE = new TransactionStatus[128];

    static {
        for (TransactionStatus status : values()) {
            BY_BYTE[status.wireByte] = status;
        }
    }

    private final byte wireByte;

    TransactionStatus(char wireByte) {
        this.wireByte = (byte) wireByte;
    }

    public byte wireByte() {
        return wireByte;
    }

    public static TransactionStatus fromWire(byte b) {
        TransactionStatus status = b >= 0 ? BY_BYTE[b] : null;
        if (status == null) {
            throw new ProtocolException(SqlState.PROTOCOL_VIOLATION,
                    "invalid transaction status byte 0x" + Integer.toHexString(b & 0xff));
        }
        return status;
    }
}
