package io.pgmux.proxy.sql;


import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A simple query that uses SQL-level prepared statement names, statement by statement: {@code
 * PREPARE name [(types)] AS statement}, {@code EXECUTE name [(args)]} (also after {@code EXPLAIN
 * [options]} and in {@code CREATE ... AS EXECUTE name}), {@code DEALLOCATE [PREPARE] name|ALL}; every
 * other statement is {@link Kind#OTHER}. Each carries where its name is in {@link #sql}, so that pgmux
 * can put its own name there and leave the rest of the text as it is.
 *
 * <p>{@link #of} looks at the bytes first ({@link QueryScan}): a query is decoded only when its first word is PREPARE,
 * EXECUTE or DEALLOCATE (or EXPLAIN or CREATE mentioning "execute"), or when it has several
 * statements and mentions one of these words. Any other query costs a byte compare or two.
 *
 * @param sql        the decoded text
 * @param statements its non-empty statements, in the order the server runs them
 */
public record NamedStatementSql(String sql, List<Statement> statements) {
    public enum Kind { PREPARE, EXECUTE, DEALLOCATE, DEALLOCATE_ALL, OTHER }

    /**
     * One statement, at [start, end) of the text; the name (folded as Postgres folds it) at
     * [nameStart, nameEnd) for all but OTHER and DEALLOCATE_ALL.
     *
     * @param parameterTypes a PREPARE's type list as written, without its parentheses; null when it has none
     * @param body           the statement a PREPARE prepares, as written
     */
    public record Statement(Kind kind, int start, int end, String name, int nameStart, int nameEnd,
            String parameterTypes, String body) {
        static Statement other(int start, int end) {
            return new Statement(Kind.OTHER, start, end, null, -1, -1, null, null);
        }

        public boolean usesName() {
            return kind != Kind.OTHER;
        }
    }

    private static final byte[] PREPARE = QueryBytes.ascii("prepare");
    private static final byte[] EXECUTE = QueryBytes.ascii("execute");
    private static final byte[] DEALLOCATE = QueryBytes.ascii("deallocate");
    private static final byte[] EXPLAIN = QueryBytes.ascii("explain");
    private static final byte[] CREATE = QueryBytes.ascii("create");

    /**
     * The query's statements when one of them uses an SQL prepared statement name; null for any other query.
     *
     * @param backslashEscapes whether {@code \} escapes in plain '...' strings: asked only for a text that is decoded
     */
    public static NamedStatementSql of(QueryScan text, BooleanSupplier backslashEscapes) {
        if (text.end() < 0 || !mayUseNames(text)) {
            return null;
        }
        return read(text.text(), backslashEscapes.getAsBoolean());
    }

    /**
     * Whether pgmux may answer some statement of the text itself (a PREPARE or DEALLOCATE): any text
     * {@link #of} would decode, except one statement that starts with EXECUTE, EXPLAIN or CREATE,
     * which the server always runs.
     */
    public static boolean mayBeAnsweredLocally(QueryScan text) {
        if (text.end() < 0 || !mayUseNames(text)) {
            return false;
        }
        int first = text.first();
        return first != 'e' && first != 'c' || text.textAfterSemicolon();
    }

    /** The byte check: whether the text is decoded. */
    static boolean mayUseNames(QueryScan text) {
        if (text.word() >= text.end()) {
            return false;
        }
        int first = text.first();
        if (first == 'p' && text.firstWordIs(PREPARE)
                || first == 'd' && text.firstWordIs(DEALLOCATE)
                || first == 'e' && text.firstWordIs(EXECUTE)) {
            return true;
        }
        boolean comment = text.startsWithComment();
        boolean mayHaveExecute = comment || first == 'e' && text.firstWordIs(EXPLAIN)
                || first == 'c' && text.firstWordIs(CREATE)
                || text.textAfterSemicolon();
        if (!mayHaveExecute) {
            return false;
        }
        return text.mentions(Mention.EXECUTE) || (comment || text.textAfterSemicolon())
                && (text.mentions(Mention.PREPARE) || text.mentions(Mention.DEALLOCATE));
    }

    /** Reads a decoded query; null when none of its statements uses a name. */
    public static NamedStatementSql read(String sql, boolean backslashEscapes) {
        List<Integer> starts = StatementSplitter.statementStarts(sql, backslashEscapes);
        List<Statement> statements = new ArrayList<>(starts.size());
        boolean usesNames = false;
        for (int i = 0; i < starts.size(); i++) {
            int from = starts.get(i);
            int to = i + 1 < starts.size() ? starts.get(i + 1) - 1 : sql.length();
            if (new Words(sql.substring(from, to)).atEnd()) {
                continue; // an empty statement: the server completes nothing for it
            }
            Statement statement = readStatement(sql, from, to);
            usesNames |= statement.usesName();
            statements.add(statement);
        }
        return usesNames ? new NamedStatementSql(sql, List.copyOf(statements)) : null;
    }

    private static Statement readStatement(String sql, int from, int to) {
        String text = sql.substring(from, to);
        Words words = new Words(text);
        String first = words.word();
        if (first == null) {
            return Statement.other(from, to);
        }
        switch (first) {
            case "prepare":
                return readPrepare(text, words, from, to);
            case "execute":
                return readExecute(words, from, to);
            case "deallocate":
                return readDeallocate(words, from, to);
            case "explain":
                return skippedExplainOptions(text, words) && words.skip("execute") ? readExecute(words, from, to) : Statement.other(from, to);
            case "create":
                return skippedToAsExecute(text, words) ? readExecute(words, from, to) : Statement.other(from, to);
            default:
                return Statement.other(from, to);
        }
    }

    /** {@code PREPARE name [(types)] AS statement}; anything else (PREPARE TRANSACTION, a syntax error) is OTHER. */
    private static Statement readPrepare(String text, Words words, int from, int to) {
        boolean quoted = words.nextIsQuoted();
        int nameStart = words.position();
        String name = words.word();
        int nameEnd = words.position();
        if (name == null || !quoted && name.equals("transaction")) {
            return Statement.other(from, to);
        }
        String types = null;
        int open = skipParenthesized(text, words);
        if (open == UNCLOSED) {
            return Statement.other(from, to);
        }
        if (open >= 0) {
            types = text.substring(open + 1, words.position() - 1).trim();
        }
        if (!words.skip("as")) {
            return Statement.other(from, to);
        }
        words.nextIsQuoted();
        String body = text.substring(words.position()).trim();
        if (body.isEmpty()) {
            return Statement.other(from, to);
        }
        return new Statement(Kind.PREPARE, from, to, name, from + nameStart, from + nameEnd, types, body);
    }

    /** The name after EXECUTE (already read); its arguments stay as written. */
    private static Statement readExecute(Words words, int from, int to) {
        words.nextIsQuoted();
        int nameStart = words.position();
        String name = words.word();
        if (name == null) {
            return Statement.other(from, to);
        }
        return new Statement(Kind.EXECUTE, from, to, name, from + nameStart, from + words.position(), null, null);
    }

    /** {@code DEALLOCATE [PREPARE] name|ALL}. */
    private static Statement readDeallocate(Words words, int from, int to) {
        boolean quoted = words.nextIsQuoted();
        int nameStart = words.position();
        String name = words.word();
        int nameEnd = words.position();
        if ("prepare".equals(name) && !quoted && !words.atEnd()) {
            quoted = words.nextIsQuoted();
            nameStart = words.position();
            name = words.word();
            nameEnd = words.position();
        }
        if (name == null || !words.atEnd()) {
            return Statement.other(from, to);
        }
        if (!quoted && name.equals("all")) {
            return new Statement(Kind.DEALLOCATE_ALL, from, to, null, -1, -1, null, null);
        }
        return new Statement(Kind.DEALLOCATE, from, to, name, from + nameStart, from + nameEnd, null, null);
    }

    /** After EXPLAIN: skips {@code (options)} or the ANALYZE and VERBOSE words of the old form. */
    private static boolean skippedExplainOptions(String text, Words words) {
        int open = skipParenthesized(text, words);
        if (open != NONE) {
            return open != UNCLOSED;
        }
        while (words.skip("analyze") || words.skip("analyse") || words.skip("verbose")) {
            // the next option
        }
        return true;
    }

    /** {@code CREATE ... AS EXECUTE}: reads words and parenthesized lists up to AS, then EXECUTE. */
    private static boolean skippedToAsExecute(String text, Words words) {
        while (true) {
            int open = skipParenthesized(text, words);
            if (open == UNCLOSED) {
                return false;
            }
            if (open >= 0) {
                continue;
            }
            boolean quoted = words.nextIsQuoted();
            String word = words.word();
            if (word == null) {
                return false;
            }
            if (!quoted && word.equals("as")) {
                return words.skip("execute");
            }
        }
    }

    /** What {@link #skipParenthesized} returns when no list comes next. */
    private static final int NONE = -1;
    /** What {@link #skipParenthesized} returns for a list that is not closed. */
    private static final int UNCLOSED = -2;

    /**
     * Moves {@code words} past the parenthesized list that comes next, if one does; returns the index
     * of its '(', or {@link #NONE}, or {@link #UNCLOSED}.
     */
    private static int skipParenthesized(String text, Words words) {
        words.nextIsQuoted();
        int open = words.position();
        if (open >= text.length() || text.charAt(open) != '(') {
            return NONE;
        }
        int close = closingParenthesis(text, open);
        if (close < 0) {
            return UNCLOSED;
        }
        words.moveTo(close + 1);
        return open;
    }

    /** The index of the ')' that closes the '(' at {@code open}, skipping quoted text; -1 if none. */
    private static int closingParenthesis(String text, int open) {
        int depth = 0;
        int i = open;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '"' || c == '\'') {
                i = SqlText.afterQuoted(text, i + 1, c, false);
                continue;
            }
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
            i++;
        }
        return -1;
    }
}
