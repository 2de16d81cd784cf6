package io.pgmux.proxy.sql;

import io.netty.util.ByteProcessor;

/**
 * Reads a text byte by byte, in one pass or in chunks, for what can be anywhere in it: the
 * {@link Mention}s (ASCII letters in either case, in strings and comments too), whether there is
 * text after a semicolon, and whether there is a backslash. Stops at a NUL.
 *
 * <p>The last 16 bytes read are kept, lower-cased, in two longs; a byte that ends some mention
 * compares those with the window, a mask and a compare each. Allocates nothing.
 */
final class MentionReader implements ByteProcessor {
    private static final int WINDOW = Long.BYTES;
    /** For each ASCII byte (lower case), the mentions that end with it, as bits. */
    private static final int[] ENDING_WITH = new int[128];
    /** Each mention's last (up to) 8 bytes, packed as {@link #recent} holds them, and the mask of those bytes. */
    private static final long[] LAST = new long[Mention.values().length];
    private static final long[] LAST_MASK = new long[LAST.length];
    /** The bytes before those (for a mention over 8 bytes), packed as {@link #older} holds them. */
    private static final long[] BEFORE = new long[LAST.length];
    private static final long[] BEFORE_MASK = new long[LAST.length];

    static {
        for (Mention mention : Mention.values()) {
            byte[] word = mention.word;
            if (word.length > 2 * WINDOW) {
                throw new IllegalStateException(mention + " is longer than the window");
            }
            int split = Math.max(0, word.length - WINDOW);
            ENDING_WITH[word[word.length - 1]] |= mention.bit();
            LAST[mention.ordinal()] = pack(word, split, word.length);
            LAST_MASK[mention.ordinal()] = mask(word.length - split);
            BEFORE[mention.ordinal()] = pack(word, 0, split);
            BEFORE_MASK[mention.ordinal()] = mask(split);
        }
    }

    /** The last 8 bytes read, lower-cased, the latest in the low byte; and the 8 before them. */
    private long recent;
    private long older;
    private int mentioned;
    private boolean afterSemicolon;
    private boolean textAfterSemicolon;
    private boolean backslash;

    /** Forgets what was read: the next byte starts a text. */
    void reset() {
        recent = 0;
        older = 0;
        mentioned = 0;
        afterSemicolon = false;
        textAfterSemicolon = false;
        backslash = false;
    }

    /** Reads the next byte of the text; false at its NUL, which ends it. */
    @Override
    public boolean process(byte b) {
        if (b == 0) {
            return false;
        }
        int c = b >= 'A' && b <= 'Z' ? b | 0x20 : b & 0xFF;
        older = older << 8 | recent >>> 56;
        recent = recent << 8 | c;
        if (c >= 128) {
            textAfterSemicolon |= afterSemicolon;
            return true;
        }
        int candidates = ENDING_WITH[c] & ~mentioned;
        while (candidates != 0) {
            int m = Integer.numberOfTrailingZeros(candidates);
            candidates &= candidates - 1;
            if ((recent & LAST_MASK[m]) == LAST[m] && (older & BEFORE_MASK[m]) == BEFORE[m]) {
                mentioned |= 1 << m;
            }
        }
        if (c == ';') {
            afterSemicolon = true;
        } else if (c == '\\') {
            backslash = true;
            textAfterSemicolon |= afterSemicolon;
        } else if (afterSemicolon && !QueryBytes.isSpace(b)) {
            textAfterSemicolon = true;
        }
        return true;
    }

    /** Whether the text read so far mentions {@code word} anywhere. */
    boolean mentions(Mention word) {
        return (mentioned & word.bit()) != 0;
    }

    /** Whether there is more than white space and semicolons after its first semicolon: several statements, most likely. */
    boolean textAfterSemicolon() {
        return textAfterSemicolon;
    }

    boolean hasBackslash() {
        return backslash;
    }

    private static long pack(byte[] word, int from, int to) {
        long packed = 0;
        for (int i = from; i < to; i++) {
            packed = packed << 8 | word[i];
        }
        return packed;
    }

    private static long mask(int bytes) {
        return bytes == WINDOW ? -1L : (1L << 8 * bytes) - 1;
    }
}
