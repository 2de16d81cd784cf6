package io.pgmux.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Spells protocol messages the way the "Message Formats" section of the PostgreSQL docs does:
 * {@code Byte1}, {@code Int16}, {@code Int32}, {@code String} (null-terminated) and raw bytes.
 * Written independently of the code under test, so a test built from these bytes checks the
 * encoders and decoders against the spec rather than against themselves.
 */
public final class SpecBytes {
    private SpecBytes() {}

    /** A typed message: {@code Byte1(type)}, {@code Int32} length counting itself and the body, the body. */
    public static byte[] typed(char type, byte[]... body) {
        byte[] content = concat(body);
        return concat(new byte[] {(byte) type}, int32(4 + content.length), content);
    }

    /** A startup-phase packet (no type byte): {@code Int32} length counting itself, then the body. */
    public static byte[] untyped(byte[]... body) {
        byte[] content = concat(body);
        return concat(int32(4 + content.length), content);
    }

    /** Hex digits, spaces allowed for readability: {@code hex("5A 00000005 49")}. */
    public static byte[] hex(String digits) {
        return HexFormat.of().parseHex(digits.replace(" ", ""));
    }

    public static byte[] byte1(char c) {
        return new byte[] {(byte) c};
    }

    public static byte[] int16(int value) {
        return ByteBuffer.allocate(2).putShort((short) value).array();
    }

    public static byte[] int32(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }

    /** The protocol's {@code String}: the text's bytes followed by a zero byte. */
    public static byte[] cstring(String ascii) {
        return concat(ascii.getBytes(StandardCharsets.UTF_8), new byte[] {0});
    }

    public static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** Unsigned byte values, for spelling UTF-8 sequences and the like by hand. */
    public static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
