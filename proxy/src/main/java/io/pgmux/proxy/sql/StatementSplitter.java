package io.pgmux.proxy.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a decoded query into its statements where Postgres does: at each top-level semicolon,
 * that is one not inside a quoted string ('...', E'...', "...", $tag$...$tag$), a comment, or the
 * body of a function or procedure written in the SQL-standard form:
 * <pre>
 * CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN ATOMIC stmt; stmt; ... END
 * </pre>
 * Such a body is part of its CREATE statement. {@code CASE ... END} may nest inside it, so the
 * body ends at the END that balances BEGIN ATOMIC (psql's lexer counts the same way). A word after
 * a dot or after {@code AS} is a name ({@code t.end}, {@code AS case}), not a keyword.
 */
final class StatementSplitter {
    private StatementSplitter() {
    }

    /**
     * Where each statement of {@code sql} starts: 0, and after each top-level semicolon.
     *
     * @param backslashEscapes whether {@code \} escapes in plain '...' strings ({@code standard_conforming_strings} off)
     */
    static List<Integer> statementStarts(String sql, boolean backslashEscapes) {
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        RoutineBody body = new RoutineBody();
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '\'') {
                // E'...' only where the E starts a token: name'...' is a typed literal
                boolean escapeString = i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e')
                        && (i < 2 || !SqlText.isIdentifierChar(sql.charAt(i - 2)));
                i = SqlText.afterQuoted(sql, i + 1, '\'', backslashEscapes || escapeString);
            } else if (c == '"') {
                i = SqlText.afterQuoted(sql, i + 1, '"', false);
            } else if (c == '$') {
                int after = SqlText.afterDollarQuoted(sql, i);
                i = after < 0 ? i + 1 : after;
            } else if (sql.startsWith("--", i)) {
                i = SqlText.afterLineComment(sql, i);
            } else if (sql.startsWith("/*", i)) {
                i = SqlText.afterBlockComment(sql, i);
            } else if (isWordPart(c) && (i == 0 || !SqlText.isIdentifierChar(sql.charAt(i - 1)))) {
                int end = i + 1;
                while (end < sql.length() && isWordPart(sql.charAt(end))) {
                    end++;
                }
                body.onWord(sql, i, end, afterDot(sql, i));
                i = end;
            } else {
                if (c == ';' && !body.isOpen()) {
                    starts.add(i + 1);
                    body.onStatementEnd();
                }
                i++;
            }
        }
        return starts;
    }

    /**
     * Letters, digits and _; a $ is left to the dollar-quote check, as before words were read, so
     * that reading words changes nothing else.
     */
    private static boolean isWordPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private static boolean afterDot(String sql, int i) {
        int before = i - 1;
        while (before >= 0 && Character.isWhitespace(sql.charAt(before))) {
            before--;
        }
        return before >= 0 && sql.charAt(before) == '.';
    }

    /**
     * Where the statement being split stands with respect to a routine body, word by word:
     * <pre>
     * START --CREATE--> CREATE --OR--> CREATE_OR --REPLACE--> CREATE_OR_REPLACE
     *                     |                                        |
     *                     +--FUNCTION|PROCEDURE--> ROUTINE <-------+--FUNCTION|PROCEDURE
     * any other word: NOT_A_ROUTINE, until the statement ends
     * </pre>
     * In a ROUTINE, BEGIN ATOMIC opens a body (depth 1), CASE inside it opens one level more, END
     * closes one.
     */
    private static final class RoutineBody {
        private enum Head { START, CREATE, CREATE_OR, CREATE_OR_REPLACE, ROUTINE, NOT_A_ROUTINE }

        private Head head = Head.START;
        private boolean afterBegin;
        private boolean afterAs;
        private int depth;

        /** Inside a body: a semicolon here does not end the statement. */
        boolean isOpen() {
            return depth > 0;
        }

        void onStatementEnd() {
            head = Head.START;
            afterBegin = false;
            afterAs = false;
            depth = 0;
        }

        void onWord(String sql, int from, int to, boolean afterDot) {
            head = switch (head) {
                case START -> SqlText.isKeyword(sql, from, to, "create") ? Head.CREATE : Head.NOT_A_ROUTINE;
                case CREATE -> SqlText.isKeyword(sql, from, to, "or") ? Head.CREATE_OR : routineOrNot(sql, from, to);
                case CREATE_OR -> SqlText.isKeyword(sql, from, to, "replace") ? Head.CREATE_OR_REPLACE : Head.NOT_A_ROUTINE;
                case CREATE_OR_REPLACE -> routineOrNot(sql, from, to);
                case ROUTINE -> {
                    onRoutineWord(sql, from, to, afterDot);
                    yield Head.ROUTINE;
                }
                case NOT_A_ROUTINE -> Head.NOT_A_ROUTINE;
            };
        }

        private static Head routineOrNot(String sql, int from, int to) {
            return SqlText.isKeyword(sql, from, to, "function") || SqlText.isKeyword(sql, from, to, "procedure")
                    ? Head.ROUTINE : Head.NOT_A_ROUTINE;
        }

        private void onRoutineWord(String sql, int from, int to, boolean afterDot) {
            boolean name = afterDot || afterAs;
            afterAs = !afterDot && SqlText.isKeyword(sql, from, to, "as");
            if (name) {
                afterBegin = false;
                return;
            }
            if (afterBegin && SqlText.isKeyword(sql, from, to, "atomic")) {
                depth++;
            } else if (depth > 0 && SqlText.isKeyword(sql, from, to, "case")) {
                depth++;
            } else if (depth > 0 && SqlText.isKeyword(sql, from, to, "end")) {
                depth--;
            }
            afterBegin = SqlText.isKeyword(sql, from, to, "begin");
        }
    }
}
