package io.pgmux.proxy.sql;


import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * What pgmux reads in a simple query of several statements ({@code SET search_path TO a; SELECT ...}),
 * whose first statement {@link SqlCommand#of} classifies. Each method first asks the text's
 * {@link QueryScan}, and decodes it only when it has text after a semicolon and mentions the word
 * it looks for: one statement, the usual query, costs no allocation.
 */
public final class MultiStatementQuery {
    private MultiStatementQuery() {
    }

    /**
     * Whether some statement after the first is an SQL PREPARE.
     *
     * @param backslashEscapes whether {@code \} escapes in plain '...' strings: asked only for a text that is decoded
     */
    public static boolean hasLaterPrepare(QueryScan text, BooleanSupplier backslashEscapes) {
        if (text.end() < 0 || !text.textAfterSemicolon() || !text.mentions(Mention.PREPARE)) {
            return false;
        }
        String sql = text.text();
        for (int statement : StatementSplitter.statementStarts(sql, backslashEscapes.getAsBoolean())) {
            if (statement > 0 && CommandReader.read(sql.substring(statement)).isPrepare()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Each statement of the query, classified ({@link SqlCommand#OTHER} for most), in the order the
     * server completes them; null when the query is one statement or does not mention the word "set"
     * (of SET and RESET). Empty statements ({@code ;;}) are left out: the server completes nothing for them.
     *
     * @param backslashEscapes whether {@code \} escapes in plain '...' strings ({@code standard_conforming_strings}
     *                         off): asked only for a text that is decoded
     */
    public static List<SqlCommand> statementsMentioningSet(QueryScan text, BooleanSupplier backslashEscapes) {
        if (text.end() < 0 || !text.textAfterSemicolon() || !text.mentions(Mention.SET)) {
            return null;
        }
        return statementsOf(text.text(), backslashEscapes.getAsBoolean());
    }

    /** The statements of {@code sql} as {@link #statementsMentioningSet} lists them, without its byte checks. */
    static List<SqlCommand> statementsOf(String sql, boolean backslashEscapes) {
        List<Integer> starts = StatementSplitter.statementStarts(sql, backslashEscapes);
        List<SqlCommand> statements = new ArrayList<>(starts.size());
        for (int i = 0; i < starts.size(); i++) {
            String statement = sql.substring(starts.get(i), i + 1 < starts.size() ? starts.get(i + 1) - 1 : sql.length());
            if (!new Words(statement).atEnd()) {
                statements.add(CommandReader.read(statement));
            }
        }
        return statements;
    }

    /**
     * Whether the text has a backslash: the one place where reading SQL depends on more than the
     * text ({@code standard_conforming_strings}).
     */
    public static boolean hasBackslash(QueryScan text) {
        return text.end() > text.start() && text.hasBackslash();
    }
}
