package io.pgmux.proxy.sql;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;

/**
 * Looks at the null-terminated SQL text of a message as bytes, before any of it is decoded: the
 * cheap checks that let most queries pass without a String. Allocates nothing.
 */
final class QueryBytes {
    private QueryBytes() {
    }

    /** The index of the NUL that ends the text starting at {@code start}, or -1 when there is none. */
    static int textEnd(ByteBuf buf, int start) {
        return buf.forEachByte(start, buf.writerIndex() - start, ByteProcessor.FIND_NUL);
    }

    /** The text in [start, end), decoded as UTF-8. */
    static String decode(ByteBuf buf, int start, int end) {
        return buf.toString(start, end - start, StandardCharsets.UTF_8);
    }

    /** Most queries are one statement, with at most a semicolon at the end. */
    static boolean hasTextAfterASemicolon(ByteBuf buf, int start, int end) {
        int semicolon = buf.forEachByte(start, end - start, ByteProcessor.FIND_SEMI_COLON);
        if (semicolon < 0) {
            return false;
        }
        for (int i = semicolon + 1; i < end; i++) {
            byte b = buf.getByte(i);
            if (!isSpace(b) && b != ';') {
                return true;
            }
        }
        return false;
    }

    /** Whether the lower-case ASCII {@code word} is at {@code at}, within [start, end), in either case. */
    static boolean matchesIgnoringCase(ByteBuf buf, int at, int start, int end, byte[] word) {
        if (at < start || at + word.length > end) {
            return false;
        }
        for (int j = 0; j < word.length; j++) {
            if (toLowerAscii(buf.getByte(at + j)) != word[j]) {
                return false;
            }
        }
        return true;
    }

    /** Whether the lower-case ASCII {@code word} occurs in the bytes, ASCII letters compared in either case. */
    static boolean containsIgnoringCase(ByteBuf buf, int start, int end, byte[] word) {
        for (int i = start; i + word.length <= end; i++) {
            int j = 0;
            while (j < word.length && toLowerAscii(buf.getByte(i + j)) == word[j]) {
                j++;
            }
            if (j == word.length) {
                return true;
            }
        }
        return false;
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

    private static byte toLowerAscii(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b | 0x20) : b;
    }
}
