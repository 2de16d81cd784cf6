package io.pgmux.proxy.sql;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Looks at SQL text as bytes, before any of it is decoded: the cheap checks that let most queries
 * pass without a String ({@link QueryScan} reads a whole text once). Allocates nothing.
 */
final class QueryBytes {
    private QueryBytes() {
    }

    /** The text in [start, end), decoded as UTF-8. */
    static String decode(ByteBuf buf, int start, int end) {
        return buf.toString(start, end - start, StandardCharsets.UTF_8);
    }

    /** Whether the lower-case ASCII {@code keyword} is at {@code start} as a whole word: followed by the end, a space, ';' or NUL. */
    static boolean startsWithWord(ByteBuf buf, int start, int end, byte[] keyword) {
        if (end - start < keyword.length) {
            return false;
        }
        for (int i = 0; i < keyword.length; i++) {
            if ((buf.getByte(start + i) | 0x20) != keyword[i]) {
                return false;
            }
        }
        if (start + keyword.length == end) {
            return true;
        }
        byte after = buf.getByte(start + keyword.length);
        return isSpace(after) || after == ';' || after == 0;
    }

    /** The index of the first byte in [start, end) that is not white space, or {@code end}. */
    static int afterSpaces(ByteBuf buf, int start, int end) {
        int i = start;
        while (i < end && isSpace(buf.getByte(i))) {
            i++;
        }
        return i;
    }

    static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f';
    }

    static byte[] ascii(String keyword) {
        return keyword.getBytes(StandardCharsets.US_ASCII);
    }
}
