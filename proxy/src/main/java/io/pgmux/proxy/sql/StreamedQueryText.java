package io.pgmux.proxy.sql;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the text of a Query that arrives in chunks (over the streaming threshold), so that the
 * message can go on to the server as it comes while pgmux still learns what it must
 * ({@link QueryFacts}). A lexer whose state survives chunk boundaries (inside '...', E'...' with
 * backslashes, "...", $tag$...$tag$, -- and nested /* comments) builds a <em>stand-in</em>: the
 * text with the inside of long string literals and comments cut to their first {@link #KEPT}
 * bytes. Quotes, backslashes, and the comments' own delimiters are kept wherever they are, so the
 * stand-in splits and tokenizes as the text does, and the whole-message readers run on it unchanged.
 * The few byte checks that look anywhere in the text (a mention of "set", "set_config",
 * "pg_settings", "update"; text after a semicolon) run on every byte as it passes.
 *
 * <p>What the stand-in cannot tell: the value of a statement that pgmux follows (SET, RESET,
 * PREPARE, DEALLOCATE, DISCARD) whose literal was cut ({@link #untrackable}), and whether a
 * set_config call is transaction-local when the text was cut and mentions set_config (then it is
 * taken to set the session, as {@link SetConfigCalls} errs). The stand-in itself is bounded by
 * {@code limit} (the size a whole message may have): a text with more than that outside long
 * literals and comments is untrackable too.
 */
public final class StreamedQueryText implements AutoCloseable {
    /** Bytes kept of the inside of each string literal and comment. */
    static final int KEPT = 64;
    /** A cut is marked in the stand-in with one byte that is nothing special wherever it stands. */
    private static final byte CUT = '.';

    private enum State {
        NORMAL, AFTER_DASH, AFTER_SLASH, STRING, STRING_AFTER_QUOTE, STRING_ESCAPE, QUOTED_NAME, QUOTED_NAME_AFTER_QUOTE,
        LINE_COMMENT, BLOCK_COMMENT, DOLLAR_TAG, DOLLAR_BODY, ENDED
    }

    private final ByteBuf standIn;
    private final int limit;
    private final boolean backslashEscapes;
    private State state = State.NORMAL;
    private boolean escapeString;
    /** The last two bytes read in NORMAL (E'...' is an escape string where the E starts a word). */
    private byte previous;
    private byte beforePrevious;
    /** Inside bytes of the current literal or comment kept so far. */
    private int kept;
    /** The current literal or comment is being cut: its next kept byte ends the cut. */
    private boolean cutting;
    private byte commentLast;
    private int commentDepth;
    /** A dollar quote's tag with both $: where it starts in the stand-in, and its length. */
    private int tagStart;
    private int tagLength;
    /** Stand-in offsets where the inside of a string literal was cut. */
    private final List<Integer> stringCuts = new ArrayList<>();
    /** Something was cut (a literal or a comment). */
    private boolean cut;
    private boolean inString;
    /** The checks that look at every byte of the text, wherever it is. */
    private final MentionReader mentions = new MentionReader();
    private boolean overflow;

    /**
     * @param limit            the most the stand-in may hold
     * @param backslashEscapes whether {@code \} escapes in plain '...' strings ({@code standard_conforming_strings} off)
     */
    public StreamedQueryText(int limit, boolean backslashEscapes) {
        this.standIn = Unpooled.buffer(Math.min(limit, 4096) + 1); // on the heap, and bounded: no pool, no leak to watch
        this.limit = limit;
        this.backslashEscapes = backslashEscapes;
    }

    /** Reads the readable bytes of {@code bytes} (the body of the Query, in order), without moving its reader index. */
    public void read(ByteBuf bytes) {
        if (state != State.ENDED && bytes.isReadable()) {
            bytes.forEachByte(bytes.readerIndex(), bytes.readableBytes(), this::read);
        }
    }

    private boolean read(byte b) {
        if (b == 0) {
            state = State.ENDED;
            return false;
        }
        mentions.process(b);
        switch (state) {
            case NORMAL -> normal(b);
            case AFTER_DASH -> {
                if (b == '-') {
                    keep(b);
                    open(State.LINE_COMMENT);
                } else {
                    state = State.NORMAL;
                    normal(b);
                }
            }
            case AFTER_SLASH -> {
                if (b == '*') {
                    keep(b);
                    commentDepth = 1;
                    commentLast = 0;
                    open(State.BLOCK_COMMENT);
                } else {
                    state = State.NORMAL;
                    normal(b);
                }
            }
            case STRING -> {
                if (b == '\'') {
                    keep(b);
                    state = State.STRING_AFTER_QUOTE;
                } else if (b == '\\') {
                    keep(b);
                    if (escapeString) {
                        state = State.STRING_ESCAPE;
                    }
                } else {
                    inside(b);
                }
            }
            case STRING_ESCAPE -> {
                keep(b);
                state = State.STRING;
            }
            case STRING_AFTER_QUOTE -> {
                if (b == '\'') {
                    keep(b); // a doubled quote: still inside
                    state = State.STRING;
                } else {
                    closed(b);
                }
            }
            case QUOTED_NAME -> {
                keep(b);
                if (b == '"') {
                    state = State.QUOTED_NAME_AFTER_QUOTE;
                }
            }
            case QUOTED_NAME_AFTER_QUOTE -> {
                if (b == '"') {
                    keep(b);
                    state = State.QUOTED_NAME;
                } else {
                    closed(b);
                }
            }
            case LINE_COMMENT -> {
                if (b == '\n') {
                    keep(b);
                    state = State.NORMAL;
                    previous = b;
                } else if (b == '\\') {
                    keep(b);
                } else {
                    inside(b);
                }
            }
            case BLOCK_COMMENT -> blockComment(b);
            case DOLLAR_TAG -> {
                if (b == '$') {
                    keep(b);
                    tagLength = standIn.writerIndex() - tagStart;
                    state = State.DOLLAR_BODY;
                } else if (isTagByte(b)) {
                    keep(b);
                    beforePrevious = previous;
                    previous = b;
                } else {
                    state = State.NORMAL; // a $ that opens no quote: $1, a$b
                    normal(b);
                }
            }
            case DOLLAR_BODY -> {
                keep(b);
                if (b == '$' && closesDollarQuote()) {
                    state = State.NORMAL;
                    beforePrevious = '$';
                    previous = '$';
                }
            }
            case ENDED -> {
            }
        }
        return true;
    }

    private void normal(byte b) {
        switch (b) {
            case '\'' -> {
                escapeString = backslashEscapes
                        || (previous == 'E' || previous == 'e') && !isIdentifierByte(beforePrevious);
                keep(b);
                open(State.STRING);
                inString = true;
            }
            case '"' -> {
                keep(b);
                state = State.QUOTED_NAME;
            }
            case '$' -> {
                tagStart = standIn.writerIndex();
                keep(b);
                state = State.DOLLAR_TAG;
            }
            case '-' -> {
                keep(b);
                state = State.AFTER_DASH;
            }
            case '/' -> {
                keep(b);
                state = State.AFTER_SLASH;
            }
            default -> keep(b);
        }
        beforePrevious = previous;
        previous = b;
    }

    /** The byte after a closed quoted string or name: read as any other outside one. */
    private void closed(byte b) {
        state = State.NORMAL;
        previous = '\'';
        beforePrevious = 0;
        normal(b);
    }

    private void blockComment(byte b) {
        if (b == '*' || b == '/') {
            keep(b);
            if (b == '*' && commentLast == '/') {
                commentDepth++;
                b = 0; // "/*/" opens, it does not close
            } else if (b == '/' && commentLast == '*') {
                if (--commentDepth == 0) {
                    state = State.NORMAL;
                    previous = '/';
                    beforePrevious = '*';
                    return;
                }
                b = 0;
            }
            commentLast = b;
        } else if (b == '\\') {
            keep(b);
            commentLast = b;
        } else {
            inside(b);
            commentLast = b;
        }
    }

    private void open(State inside) {
        state = inside;
        inString = false;
        kept = 0;
        cutting = false;
    }

    /** A byte inside a literal or comment that nothing reads: kept while the literal is short, then cut. */
    private void inside(byte b) {
        if (kept < KEPT || !cutting && (b & 0xC0) == 0x80) { // a character is cut whole (UTF-8)
            kept++;
            keep(b);
        } else if (!cutting) {
            if (inString) {
                stringCuts.add(standIn.writerIndex());
            }
            cut = true;
            keep(CUT);
            cutting = true;
        }
    }

    private void keep(byte b) {
        cutting = false;
        if (standIn.writerIndex() >= limit) {
            overflow = true;
            return;
        }
        standIn.writeByte(b);
    }

    private boolean closesDollarQuote() {
        int end = standIn.writerIndex();
        if (overflow || end - tagLength < tagStart + tagLength) {
            return false;
        }
        for (int i = 0; i < tagLength; i++) {
            if (standIn.getByte(end - tagLength + i) != standIn.getByte(tagStart + i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether something was cut: when not, the stand-in is the text. */
    boolean cut() {
        return cut;
    }

    /**
     * Null when the facts are those of the whole text, or why pgmux cannot know them: a statement it
     * follows had part of a literal cut, or the text outside literals and comments is over the limit.
     * Call after the last chunk.
     */
    public String untrackable() {
        if (overflow) {
            return "the query text outside its string literals and comments is over " + limit + " bytes";
        }
        if (stringCuts.isEmpty()) {
            return null;
        }
        String sql = standInText();
        List<Integer> starts = StatementSplitter.statementStarts(sql, backslashEscapes);
        int byteOffset = 0;
        int cut = 0;
        for (int i = 0; i < starts.size(); i++) {
            int from = starts.get(i);
            int to = i + 1 < starts.size() ? starts.get(i + 1) - 1 : sql.length();
            String statement = sql.substring(from, to);
            int bytes = statement.getBytes(StandardCharsets.UTF_8).length;
            boolean wasCut = false;
            while (cut < stringCuts.size() && stringCuts.get(cut) < byteOffset + bytes + 1) {
                wasCut |= stringCuts.get(cut) >= byteOffset;
                cut++;
            }
            if (wasCut && CommandReader.read(statement).kind() != SqlCommand.Kind.OTHER) {
                return "a statement pgmux follows (SET, RESET, PREPARE, DEALLOCATE, DISCARD) has a string literal over "
                        + KEPT + " bytes in a query over the streaming threshold";
            }
            byteOffset += bytes + 1;
        }
        return null;
    }

    /** The facts of the text read so far; call after the last chunk, when {@link #untrackable()} is null. */
    public QueryFacts finish() {
        int end = standIn.writerIndex();
        standIn.writeByte(0);
        try {
            QueryScan text = QueryScan.of(standIn, 0);
            List<SqlCommand> setStatements = mentions.textAfterSemicolon() && mentions.mentions(Mention.SET)
                    ? MultiStatementQuery.statementsOf(text.text(), backslashEscapes) : null;
            boolean maySetConfig = cut()
                    ? mentions.mentions(Mention.SET_CONFIG) || mentions.mentions(Mention.PG_SETTINGS) && mentions.mentions(Mention.UPDATE)
                    : SetConfigCalls.maySetConfigForTheSession(text);
            return QueryFacts.of(text, setStatements, maySetConfig, backslashEscapes);
        } finally {
            standIn.writerIndex(end);
        }
    }

    /** Whether the text has ended (its NUL was read). */
    public boolean ended() {
        return state == State.ENDED;
    }

    String standInText() {
        return QueryBytes.decode(standIn, 0, standIn.writerIndex());
    }

    @Override
    public void close() {
        standIn.release();
    }

    private static boolean isTagByte(byte b) {
        return b < 0 || Character.isLetterOrDigit((char) b) || b == '_';
    }

    private static boolean isIdentifierByte(byte b) {
        return b < 0 || Character.isLetterOrDigit((char) b) || b == '_' || b == '$';
    }
}
