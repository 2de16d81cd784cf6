package io.pgmux.proxy.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * The tokens of one decoded statement, as far as reading session features needs them: words
 * (folded to lower case as Postgres folds names), quoted names (kept), string literals (their text
 * not looked at, except the body of a dollar-quoted one, which may be code that runs: a DO block or
 * a function), and every other character alone. White space and comments are skipped.
 */
final class SqlTokens {
    enum Kind { WORD, QUOTED_NAME, STRING, DOLLAR_STRING, SYMBOL }

    /** @param text a word folded, a quoted name unquoted, a dollar-quoted body, a symbol's character; "" for other strings */
    record Token(Kind kind, String text) {
        boolean isWord(String word) {
            return kind == Kind.WORD && text.equals(word);
        }

        boolean isName() {
            return kind == Kind.WORD || kind == Kind.QUOTED_NAME;
        }

        boolean isSymbol(char c) {
            return kind == Kind.SYMBOL && text.length() == 1 && text.charAt(0) == c;
        }
    }

    private SqlTokens() {
    }

    /** @param backslashEscapes whether {@code \} escapes in plain '...' strings ({@code standard_conforming_strings} off) */
    static List<Token> of(String sql, boolean backslashEscapes) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (sql.startsWith("--", i)) {
                i = SqlText.afterLineComment(sql, i);
            } else if (sql.startsWith("/*", i)) {
                i = SqlText.afterBlockComment(sql, i);
            } else if (c == '\'') {
                i = SqlText.afterQuoted(sql, i + 1, '\'', backslashEscapes);
                tokens.add(new Token(Kind.STRING, ""));
            } else if (c == '"') {
                int end = SqlText.afterQuoted(sql, i + 1, '"', false);
                String inside = sql.substring(i + 1, Math.max(i + 1, end - 1)).replace("\"\"", "\"");
                tokens.add(new Token(Kind.QUOTED_NAME, inside));
                i = end;
            } else if (c == '$' && SqlText.dollarTagEnd(sql, i) >= 0) {
                int tagEnd = SqlText.dollarTagEnd(sql, i);
                int end = SqlText.afterDollarQuoted(sql, i);
                int bodyEnd = Math.max(tagEnd + 1, end - (tagEnd + 1 - i));
                tokens.add(new Token(Kind.DOLLAR_STRING, sql.substring(tagEnd + 1, Math.min(bodyEnd, sql.length()))));
                i = end;
            } else if (Character.isLetter(c) || c == '_') {
                int end = i + 1;
                while (end < sql.length() && SqlText.isIdentifierChar(sql.charAt(end))) {
                    end++;
                }
                boolean escapeString = end == i + 1 && (c == 'e' || c == 'E') && end < sql.length() && sql.charAt(end) == '\'';
                if (escapeString) {
                    i = SqlText.afterQuoted(sql, end + 1, '\'', true);
                    tokens.add(new Token(Kind.STRING, ""));
                } else {
                    tokens.add(new Token(Kind.WORD, SqlText.asciiLowerCase(sql.substring(i, end))));
                    i = end;
                }
            } else {
                tokens.add(new Token(Kind.SYMBOL, String.valueOf(c)));
                i++;
            }
        }
        return tokens;
    }
}
