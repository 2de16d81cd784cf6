package io.pgmux.protocol.message;

import io.pgmux.protocol.ProtocolException;

/** What a {@link Describe} or {@link Close} is about. */
public enum Target {
    STATEMENT('S'),
    PORTAL('P');

    private final byte wireByte;

    Target(char wireByte) {
        this.wireByte = (byte) wireByte;
    }

    public byte wireByte() {
        return wireByte;
    }

    public static Target fromWire(byte b) {
        return switch (b) {
            case 'S' -> STATEMENT;
            case 'P' -> PORTAL;
            default -> throw new ProtocolException("invalid Describe/Close target 0x" + Integer.toHexString(b & 0xff));
        };
    }
}
