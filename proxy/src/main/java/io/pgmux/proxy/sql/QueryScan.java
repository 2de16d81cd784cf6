package io.pgmux.proxy.sql;

import io.netty.buffer.ByteBuf;

/**
 * The bytes of a message's null-terminated SQL text, read in one pass for everything the readers
 * of session state ask of them before they decide to decode it ({@link SqlCommand},
 * {@link SessionFeatures}, {@link MultiStatementQuery}, {@link SetConfigCalls},
 * {@link NamedStatementSql}): where the text ends, which of the words they look for it mentions
 * anywhere ({@link Mention}), whether it has text after a semicolon, and whether it has a backslash
 * ({@link MentionReader}). The first word is looked at where it is, without the pass.
 *
 * <p>The pass runs at the first question that needs it, so a text whose first word settles every
 * question is not read further. The decoded text is made at most once, for the few texts a reader
 * must parse. One per session, reused for each message ({@link #at}): it holds the message only
 * while the caller does, and allocates nothing for a text that is not decoded.
 */
public final class QueryScan {
    private final MentionReader reader = new MentionReader();
    private ByteBuf buf;
    private int start;
    private int word;
    private boolean passed;
    private int end;
    private String text;

    /** A scan of the text at {@code start} of {@code buf}, for one reader. */
    public static QueryScan of(ByteBuf buf, int start) {
        return new QueryScan().at(buf, start);
    }

    /** Forgets the last text and looks at the one at {@code start} of {@code buf}, read while the caller holds it. */
    public QueryScan at(ByteBuf buf, int start) {
        this.buf = buf;
        this.start = start;
        word = QueryBytes.afterSpaces(buf, start, buf.writerIndex());
        passed = false;
        reader.reset();
        text = null;
        return this;
    }

    /** Where the text starts. */
    int start() {
        return start;
    }

    /** Where its first word starts (after white space): the NUL, or the end of the buffer, when there is none. */
    int word() {
        return word;
    }

    /** The first byte of the first word, with bit 0x20 set (ASCII letters lower-cased); -1 when there is none. */
    int first() {
        return word < buf.writerIndex() ? buf.getByte(word) | 0x20 : -1;
    }

    /** Whether the text starts with a comment (or a byte that reads as '-' or '/' with 0x20 set), which hides the first word. */
    boolean startsWithComment() {
        int first = first();
        return first == '-' || first == '/';
    }

    /** Whether the first word is the lower-case ASCII {@code keyword}, followed by the end, a space, ';' or NUL. */
    boolean firstWordIs(byte[] keyword) {
        return QueryBytes.startsWithWord(buf, word, buf.writerIndex(), keyword);
    }

    /** The index of the NUL that ends the text, or -1 when there is none (then nothing in it is read). */
    int end() {
        pass();
        return end;
    }

    /** Whether the text mentions {@code word} anywhere (in strings and comments too). */
    boolean mentions(Mention word) {
        pass();
        return reader.mentions(word);
    }

    /** Whether there is more than white space and semicolons after its first semicolon: several statements, most likely. */
    boolean textAfterSemicolon() {
        pass();
        return reader.textAfterSemicolon();
    }

    /** Whether the text has a backslash: the one place where reading SQL depends on more than the text. */
    boolean hasBackslash() {
        pass();
        return reader.hasBackslash();
    }

    /** The text, decoded as UTF-8 (once); call only when {@link #end} is not -1. */
    String text() {
        if (text == null) {
            text = QueryBytes.decode(buf, start, end());
        }
        return text;
    }

    /** The text from its first word on. */
    String textFromFirstWord() {
        return text().substring(word - start); // white space is ASCII: one char a byte
    }

    private void pass() {
        if (!passed) {
            passed = true;
            end = buf.forEachByte(start, buf.writerIndex() - start, reader);
        }
    }
}
